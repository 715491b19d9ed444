"""Two real `voxgate serve` processes on one PostgreSQL and one Redis, for the fault matrix
(docs/faults.md): process A cut off from a Redis that B still reaches (A's link goes through a
proxy the test cuts) keeps its call, because A still marks it alive in the database
(control/call/heartbeat.py); a process killed outright stops doing so, and B ends its call
`…-worker-died` once the heartbeat's lease has passed. The lease is short here (2 s)."""

import asyncio
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from tests.e2e.fake_llm import FakeLLM
from tests.e2e.serve import serve_env, start, stop, wait_until_serving
from tests.e2e.test_fault_backends import (
    assert_stored_end,
    client_of,
    control,
    ended,
    health,
    say_and_hear,
    subscribed,
    talk,
)
from tests.e2e.test_two_processes import ws
from tests.e2e.test_websocket_call import dial, new_call
from tests.support.redis import redis_url
from tests.support.tcp_proxy import TcpProxy
from voxgate.control.call.expiry import ORPHAN_GRACE_SECONDS, WORKER_DIED
from voxgate.db.models import Call as CallRow

pytestmark = pytest.mark.db
Started = list[tuple[subprocess.Popen[bytes], str]]
LEASE = 2.0
SWEEP = 4.0  # the websocket connect timeout: the sweeps run every second


def lease_env(redis: str) -> dict[str, str]:
    """Settings of both processes: one Redis prefix, a short lease, frequent sweeps."""
    short = {"call_heartbeat_seconds": str(LEASE / 4), "call_lease_seconds": str(LEASE)}
    return serve_env(redis, websocket_connect_timeout_seconds=str(SWEEP), **short)


@contextmanager
def two(database_url: str, a: dict[str, str], b: dict[str, str], data: Path) -> Iterator[Started]:
    """Processes A and B, serving: their `(process, url)`."""
    if database_url.startswith("sqlite"):
        pytest.skip("two processes share one database: set VOXGATE_TEST_DATABASE_URL to PostgreSQL")
    started = [start(database_url, env, data / name) for name, env in (("a", a), ("b", b))]
    try:
        for server, url in started:
            wait_until_serving(server, url)
        yield started
    finally:
        stop([server for server, _ in started])


def same_org(client: httpx.AsyncClient, url: str) -> httpx.AsyncClient:
    """A client of the process at `url` with `client`'s key."""
    return httpx.AsyncClient(base_url=url, headers=client.headers, timeout=30)


async def test_a_process_cut_off_from_redis_keeps_its_call(
    database_url: str, fake_llm: FakeLLM, tmp_path: Path
) -> None:
    fake_llm.requests.clear()
    env = lease_env(redis_url())
    with TcpProxy(env["VOXGATE_REDIS_URL"]) as redis:
        a_env = {**env, "VOXGATE_REDIS_URL": redis.url}
        with two(database_url, a_env, env, tmp_path) as [(_, a), (_, b)]:
            async with await client_of(a) as on_a, same_org(on_a, b) as on_b:
                call = await new_call(on_a, fake_llm)
                async with dial(ws(a, call["transport"]["websocketCallUrl"])) as caller:
                    await caller.quiet()  # the greeting
                    redis.cut()  # A's link only: B still reaches Redis, and hears nobody
                    assert (await health(on_a, "unreachable"))["redis"] == "unreachable"
                    # Past B's second look at unclaimed calls, and the lease, several times.
                    await asyncio.sleep(ORPHAN_GRACE_SECONDS + 2 * LEASE + 2)
                    seen = (await on_b.get(f"/call/{call['id']}")).json()
                    assert seen["status"] == "in-progress"
                    assert "aliveAt" not in seen  # the heartbeat is not part of the document
                    await say_and_hear(on_a, call, caller)  # it still talks, controlled on A
                    await talk(caller)
                    redis.restore()
                    channel = f"{env['VOXGATE_REDIS_PREFIX']}call:{call['id']}:control"
                    assert await subscribed(channel)
                    # Reached from B again, over Redis.
                    assert (await control(on_b, call, {"type": "end-call"})).status_code == 200
                    await asyncio.wait_for(caller.closed.wait(), 10)
                # Its recording is in A's data directory: asked of A.
                await assert_stored_end(on_a, call["id"], "manually-canceled")


async def test_a_killed_process_has_its_call_ended_by_the_survivor_after_the_lease(
    database_url: str, fake_llm: FakeLLM, tmp_path: Path
) -> None:
    fake_llm.requests.clear()
    env = lease_env(redis_url())
    with two(database_url, env, env, tmp_path) as [(a_process, a), (_, b)]:
        async with await client_of(a) as on_a, same_org(on_a, b) as on_b:
            call = await new_call(on_a, fake_llm)
            async with dial(ws(a, call["transport"]["websocketCallUrl"])) as caller:
                await caller.quiet()
                await talk(caller)
                a_process.send_signal(signal.SIGKILL)  # no drain, no end written
                await asyncio.wait_for(caller.closed.wait(), 10)
            stored = await ended(on_b, call["id"], limit=ORPHAN_GRACE_SECONDS + LEASE + 20)
            assert stored["endedReason"] == WORKER_DIED
            # Not before the lease had passed since A's last heartbeat.
            alive_at = await last_heartbeat(database_url, call["id"])
            ended_at = datetime.fromisoformat(stored["endedAt"].replace("Z", "+00:00"))
            assert ended_at >= alive_at + timedelta(seconds=LEASE)


async def last_heartbeat(database_url: str, call_id: str) -> datetime:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            query = select(CallRow.alive_at).where(CallRow.id == call_id)
            alive_at = (await connection.execute(query)).scalar_one()
    finally:
        await engine.dispose()
    assert alive_at is not None, "A never marked its call alive"
    return alive_at
