"""Jobs on the Redis queue (worker/jobs.py) in real `voxgate serve` processes with
`VOXGATE_REDIS_URL`, on a database of their own, so no polling loop (the session's live server
runs them) can do their work: a scheduled call dialed at `earliestAt` by its job (with a queue
the sweep only runs every 30 s), two processes sending each server message once, one call's in
order, and a SIGTERM letting what is due go out first. Skipped without `VOXGATE_TEST_REDIS_URL`."""

import asyncio
import json
import os
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from tests.e2e.fake_llm import FakeLLM
from tests.e2e.phone import CUSTOMER, NUMBER, import_number
from tests.e2e.serve import SRC, start, wait_until_serving
from tests.e2e.test_outbound_call import PUBLIC, assistant_id, dialed, stored, until_ended
from tests.integration.webhooks.test_outbox import MESSAGE, _sessions, new_org, settled
from tests.support.databases import own_database
from tests.support.fake_twilio import fake_twilio
from tests.support.fake_webhook import fake_webhook
from tests.support.redis import fresh_prefix, redis_url
from voxgate.config import get_settings
from voxgate.db.models import ServerMessage
from voxgate.kit.sealing import key_file
from voxgate.webhooks.outbox import enqueue
from voxgate.worker import jobs

pytestmark = pytest.mark.db


async def job_status(queue: str, job_id: str) -> str | None:
    """A SAQ job's status once it is no longer running (5 s at most), None if there is none."""
    redis = Redis.from_url(queue)
    try:
        for _ in range(50):
            stored = await redis.get(job_id)
            status = json.loads(stored)["status"] if stored else None
            if status not in ("queued", "active"):
                break
            await asyncio.sleep(0.1)
        return status
    finally:
        await redis.aclose()


def secret_key() -> str:
    """This process's key for secrets at rest (db/sealed.py)."""
    settings = get_settings()
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    return key_file(settings.data_dir / "secret.key").decode()


def environment(queue: str, prefix: str) -> dict[str, str]:
    """A `voxgate serve`'s environment: this one's, less its VOXGATE_ settings, with a queue."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOXGATE_")}
    pythonpath = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH")) if p)
    return env | {
        "PYTHONPATH": pythonpath, "HF_HUB_OFFLINE": "1", "VOXGATE_PUBLIC_URL": PUBLIC,
        "VOXGATE_REDIS_URL": queue, "VOXGATE_REDIS_PREFIX": prefix,
        "VOXGATE_URL_ALLOWLIST": os.environ["VOXGATE_URL_ALLOWLIST"],
        "VOXGATE_LOG_LEVEL": "warning",
        "VOXGATE_SECRET_KEY": secret_key(),  # the rows this process writes are theirs to read
    }  # fmt: skip


async def test_a_scheduled_call_is_dialed_at_earliest_at_by_its_job(
    database_url: str, tmp_path: Path, llm: FakeLLM
) -> None:
    queue, prefix = redis_url(), fresh_prefix()
    key = f"jobs-{os.urandom(8).hex()}"
    async with own_database(database_url, tmp_path) as own, fake_twilio("", PUBLIC) as twilio:
        twilio.add_number(NUMBER)
        env = environment(queue, prefix)
        env |= {"VOXGATE_API_KEY": key, "VOXGATE_TWILIO_API_URL": twilio.url}
        server, url = start(own, env, tmp_path / "serve")
        twilio.live_url = url  # its callbacks go to this process
        try:
            await asyncio.to_thread(wait_until_serving, server, url)
            headers = {"Authorization": f"Bearer {key}"}
            async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
                number = await import_number(client)
                body = {
                    "assistantId": await assistant_id(client, llm),
                    "phoneNumberId": number["id"],
                    "customer": {"number": CUSTOMER},
                }
                # Time enough for the create (its first check loads the offline transcriber).
                earliest = datetime.now(UTC) + timedelta(seconds=10)
                plan = {"earliestAt": earliest.isoformat().replace("+00:00", "Z")}
                response = await client.post("/call", json={**body, "schedulePlan": plan})
                assert response.status_code == 201, response.text
                call = response.json()
                assert call["status"] == "scheduled"
                phone = await asyncio.wait_for(dialed(twilio), 30)
                # At its moment (SAQ schedules in whole seconds), not at the 30 s safety sweep.
                assert earliest <= datetime.now(UTC) < earliest + timedelta(seconds=4)
                assert phone.to == CUSTOMER
                job_key = f"scheduled-call:{call['id']}:{earliest.timestamp()}"
                assert await job_status(queue, f"saq:job:{prefix}jobs:{job_key}") == "complete"
                now = await stored(client, call["id"])
                while "phoneCallProviderId" not in now:  # stored once Twilio's answer is back
                    await asyncio.sleep(0.05)
                    now = await stored(client, call["id"])
                assert now["status"] == "queued" and now["phoneCallProviderId"] == phone.sid
                await phone.busy()
                assert (await until_ended(client, call["id"]))["endedReason"] == "customer-busy"
                assert twilio.dialed.empty()  # dialed once
        finally:
            server.terminate()
            await asyncio.to_thread(server.wait, 30)


async def test_two_processes_send_each_message_once_and_one_calls_in_order(
    database_url: str, tmp_path: Path
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("two processes share one database: set VOXGATE_TEST_DATABASE_URL to PostgreSQL")
    queue, prefix = redis_url(), fresh_prefix()
    env = environment(queue, prefix)
    async with own_database(database_url, tmp_path) as own:
        servers = [start(own, env, tmp_path / name) for name in ("a", "b")]
        producer = jobs.Jobs(queue, prefix, [])  # this process only queues, as a call would
        jobs.install(producer)
        try:
            for server, url in servers:
                await asyncio.to_thread(wait_until_serving, server, url)
            async for sessions in _sessions(own):
                with fake_webhook() as webhook:
                    webhook.delay = 0.1  # sends overlap
                    org = await new_org(sessions)
                    target = {"url": webhook.url, "timeoutSeconds": 20.0, "headers": {}}
                    call = f"call-{os.urandom(4).hex()}"
                    ordered = [{**MESSAGE, "timestamp": n} for n in range(10)]
                    lone = [{**MESSAGE, "timestamp": 100 + n} for n in range(6)]
                    ids = [await enqueue(org, call, target, m, sessions) for m in ordered]
                    ids += [await enqueue(org, None, target, m, sessions) for m in lone]
                    rows = [await settled(sessions, delivery, within=30) for delivery in ids]
                    stamps = [r.message["timestamp"] for r in webhook.received]
            assert all((row.status, row.attempts) == ("delivered", 1) for row in rows)
            assert sorted(stamps) == [*range(10), *range(100, 106)]  # each exactly once
            assert [s for s in stamps if s < 100] == list(range(10))
        finally:
            jobs.install(None)
            await producer.stop(grace_seconds=0)
            for server, _ in servers:
                server.terminate()
            for server, _ in servers:
                await asyncio.to_thread(server.wait, 30)


async def test_sigterm_sends_what_is_due_before_the_process_exits(
    database_url: str, tmp_path: Path
) -> None:
    queue, prefix = redis_url(), fresh_prefix()
    async with own_database(database_url, tmp_path) as own:
        server, url = start(own, environment(queue, prefix), tmp_path / "serve")
        producer = jobs.Jobs(queue, prefix, [])
        jobs.install(producer)
        try:
            await asyncio.to_thread(wait_until_serving, server, url)
            async for sessions in _sessions(own):
                with fake_webhook() as webhook:
                    webhook.delay = 0.5  # still sending when the signal comes
                    org = await new_org(sessions)
                    target = {"url": webhook.url, "timeoutSeconds": 20.0, "headers": {}}
                    call = f"call-{os.urandom(4).hex()}"
                    ordered = [{**MESSAGE, "timestamp": n} for n in range(5)]
                    ids = [await enqueue(org, call, target, m, sessions) for m in ordered]
                    server.send_signal(signal.SIGTERM)
                    assert await asyncio.to_thread(server.wait, 30) == 0
                    async with sessions() as session:
                        rows = [await session.get(ServerMessage, i) for i in ids]
                    stamps = [r.message["timestamp"] for r in webhook.received]
            assert [(row.status, row.attempts) for row in rows if row] == [("delivered", 1)] * 5
            assert stamps == list(range(5))
        finally:
            jobs.install(None)
            await producer.stop(grace_seconds=0)
            if server.poll() is None:
                server.kill()
