"""Calls nobody would end otherwise: a websocket call whose client never connects expires, and a
server starting after a crash ends the calls the dead process left `in-progress` or `queued`.

The server under test is a real app started in a child process (its lifespan is what runs at
startup), with a short connect timeout, on the same database as the test server.
"""

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from redis.asyncio import Redis
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from tests.support.assistants import RUNNABLE
from tests.support.fake_webhook import fake_webhook
from tests.support.redis import fresh_prefix, redis_url
from tests.support.server import LiveServer
from voxgate.config import get_settings
from voxgate.control.call.bus import Bus
from voxgate.control.call.expiry import ORPHAN_GRACE_SECONDS, end_unconnected
from voxgate.control.call.heartbeat import beat
from voxgate.db.models import Call as CallRow
from voxgate.kit.time import iso, utcnow

pytestmark = pytest.mark.db

NEVER_CONNECTED = "call.in-progress.error-providerfault-transport-never-connected"
WORKER_DIED = "call.in-progress.error-vapifault-worker-died"
TIMEOUT = 2.0
LEASE = 1.0  # the heartbeat's, in the processes of several
SERVE = """
import asyncio, sys
from voxgate.app import create_app

async def main() -> None:
    app = create_app()
    async with app.router.lifespan_context(app):
        print("started", flush=True)
        await asyncio.sleep(60)

asyncio.run(main())
"""


async def new_call(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"name": "Front desk", **RUNNABLE, **fields}
    assistant = (await client.post("/assistant", json=body)).json()
    body = {"assistantId": assistant["id"], "transport": {"provider": "vapi.websocket"}}
    response = await client.post("/call", json=body)
    assert response.status_code == 201, response.text
    call: dict[str, Any] = response.json()
    return call


async def rewrite(call_id: str, **values: Any) -> None:
    """Changes a row behind the API's back, as a crashed process would have left it."""
    engine = create_async_engine(get_settings().resolved_database_url)
    async with AsyncSession(engine) as session:
        await session.execute(update(CallRow).where(CallRow.id == call_id).values(**values))
        await session.commit()
    await engine.dispose()


@asynccontextmanager
async def server_process(**settings: str) -> AsyncIterator[None]:
    env = {**os.environ, "VOXGATE_WEBSOCKET_CONNECT_TIMEOUT_SECONDS": str(TIMEOUT), **settings}
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SERVE, env=env, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert child.stdout is not None
        line = b"-"
        while line and line.strip() != b"started":  # its logs come first
            line = await asyncio.wait_for(child.stdout.readline(), 60)
        assert line, "the server did not start"
        yield
    finally:
        child.terminate()
        await child.wait()


async def ended(client: httpx.AsyncClient, call_id: str, within: float) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        call: dict[str, Any] = (await client.get(f"/call/{call_id}")).json()
        if call["status"] == "ended":
            return call
        await asyncio.sleep(0.1)
    raise AssertionError(f"call {call_id} did not end")


async def test_startup_ends_what_a_crashed_process_left_and_queued_calls_expire(
    client: httpx.AsyncClient,
) -> None:
    talking, waiting = await new_call(client), await new_call(client)
    started = {**talking, "status": "in-progress", "startedAt": iso(utcnow())}
    await rewrite(talking["id"], status="in-progress", data=started)
    await rewrite(waiting["id"], created_at=utcnow() - timedelta(minutes=5))
    moving = await new_call(client)  # a phone call its carrier was transferring
    forwarding = {**moving, "status": "forwarding", "startedAt": iso(utcnow())}
    await rewrite(moving["id"], status="forwarding", data=forwarding)

    async with server_process():
        # Ended by the startup itself, before it reported ready.
        died = (await client.get(f"/call/{talking['id']}")).json()
        expired = (await client.get(f"/call/{waiting['id']}")).json()
        forwarded = (await client.get(f"/call/{moving['id']}")).json()
        fresh = await new_call(client)
        assert (await client.get(f"/call/{fresh['id']}")).json()["status"] == "queued"
        late = await ended(client, fresh["id"], within=TIMEOUT + 5)

    assert (died["status"], died["endedReason"]) == ("ended", WORKER_DIED)
    assert died["startedAt"] <= died["endedAt"]
    assert (expired["status"], expired["endedReason"]) == ("ended", NEVER_CONNECTED)
    assert (forwarded["status"], forwarded["endedReason"]) == ("ended", WORKER_DIED)
    assert late["endedReason"] == NEVER_CONNECTED
    created = datetime.fromisoformat(late["createdAt"].replace("Z", "+00:00"))
    assert late["endedAt"] >= iso(created + timedelta(seconds=TIMEOUT))  # not before its time


async def test_the_server_hears_how_a_call_left_behind_ended(client: httpx.AsyncClient) -> None:
    # As every end is told: `status-update` ended, then the `end-of-call-report`.
    with fake_webhook() as webhook:
        call = await new_call(client, server={"url": webhook.url})
        data = {**call, "status": "in-progress", "startedAt": iso(utcnow())}
        await rewrite(call["id"], status="in-progress", data=data)
        async with server_process():
            [report] = await webhook.wait_for("end-of-call-report")
        updates = [r.message for r in webhook.of_type("status-update")]
    assert [(u["status"], u["endedReason"]) for u in updates] == [("ended", WORKER_DIED)]
    assert report.message["endedReason"] == WORKER_DIED
    assert report.message["call"]["id"] == call["id"]


async def test_an_ended_call_stays_as_it_ended(client: httpx.AsyncClient) -> None:
    call = await new_call(client)
    done = {**call, "status": "ended", "endedReason": "customer-ended-call"}
    await rewrite(call["id"], status="ended", data=done, created_at=utcnow() - timedelta(hours=1))
    async with server_process():
        stored = (await client.get(f"/call/{call['id']}")).json()
    assert stored["endedReason"] == "customer-ended-call"


def ended_total(reason: str) -> float:
    """`voxgate_calls_ended_total` of the test server (it runs in this process)."""
    return REGISTRY.get_sample_value("voxgate_calls_ended_total", {"reason": reason}) or 0.0


async def test_each_expired_call_is_counted_as_ended(
    client: httpx.AsyncClient, live_server: LiveServer
) -> None:
    call = await new_call(client)
    await rewrite(call["id"], created_at=utcnow() - timedelta(minutes=5))
    before = ended_total(NEVER_CONNECTED)
    count = await live_server.run(end_unconnected(60.0, set()))  # the sweep, run now
    assert (await client.get(f"/call/{call['id']}")).json()["endedReason"] == NEVER_CONNECTED
    assert count >= 1 and ended_total(NEVER_CONNECTED) == before + count


async def started(client: httpx.AsyncClient, **values: Any) -> dict[str, Any]:
    """A call `in-progress`, as its process left it in the database."""
    call = await new_call(client)
    data = {**call, "status": "in-progress", "startedAt": iso(utcnow())}
    await rewrite(call["id"], status="in-progress", data=data, **values)
    return call


def several(url: str, prefix: str) -> dict[str, str]:
    """A process of several (a Redis bus), its heartbeat's lease short."""
    return {
        "VOXGATE_REDIS_URL": url,
        "VOXGATE_REDIS_PREFIX": prefix,
        "VOXGATE_CALL_HEARTBEAT_SECONDS": str(LEASE / 4),
        "VOXGATE_CALL_LEASE_SECONDS": str(LEASE),
    }


async def test_with_several_processes_only_calls_no_process_runs_are_ended(
    client: httpx.AsyncClient,
) -> None:
    url, prefix = redis_url(), fresh_prefix()
    elsewhere = await started(client)
    # Its process stopped beating for it a minute ago, and claims it nowhere: it died.
    orphan = await started(client, alive_at=utcnow() - timedelta(minutes=1))
    other = Redis.from_url(url)  # another process, running `elsewhere`
    alive = other.pubsub()
    await alive.subscribe(Bus(other, prefix).channel(elsewhere["id"], "control"))
    try:
        async with server_process(**several(url, prefix)):
            running = (await client.get(f"/call/{elsewhere['id']}")).json()
            died = (await client.get(f"/call/{orphan['id']}")).json()
            await alive.aclose()  # that process dies: its subscription goes with it
            later = await ended(client, elsewhere["id"], within=TIMEOUT + 5)
    finally:
        await alive.aclose()
        await other.aclose()
    assert running["status"] == "in-progress"  # a process starting left it alone
    assert (died["status"], died["endedReason"]) == ("ended", WORKER_DIED)
    assert later["endedReason"] == WORKER_DIED  # the survivor's sweep ended it


async def test_a_call_whose_process_still_beats_is_not_ended_without_redis(
    client: httpx.AsyncClient, live_server: LiveServer
) -> None:
    """Its process lost Redis (nobody claims the call there) but reaches the database: the call
    is left alone, by a process starting and by its sweeps, until the heartbeat stops."""
    url, prefix = redis_url(), fresh_prefix()
    call = await started(client)
    beating = asyncio.ensure_future(live_server.run(beat({call["id"]}, LEASE / 4)))
    try:
        async with server_process(**several(url, prefix)):
            # Past the orphan sweep's second look, and the lease, several times over.
            await asyncio.sleep(ORPHAN_GRACE_SECONDS + 3 * LEASE + 2 * TIMEOUT)
            stored = (await client.get(f"/call/{call['id']}")).json()
            assert stored["status"] == "in-progress"
            assert "aliveAt" not in stored  # the heartbeat is no part of the call's document
            beating.cancel()  # its process dies
            later = await ended(client, call["id"], within=ORPHAN_GRACE_SECONDS + LEASE + 5)
    finally:
        beating.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beating
    assert later["endedReason"] == WORKER_DIED
