"""Deliveries from the database: stored by `enqueue`, sent by the running app's outbox with
their authentication headers, retried per `backoffPlan`, given up on with the reason recorded,
and resumed by a process that starts after another stopped.
"""

import asyncio
import hashlib
import hmac
import os
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from tests.support.fake_webhook import FakeWebhook, fake_webhook
from tests.support.server import LiveServer
from voxgate.config import get_settings
from voxgate.db.migrate import upgrade
from voxgate.db.models import Org, ServerMessage
from voxgate.webhooks.outbox import Outbox, enqueue

pytestmark = pytest.mark.db
Sessions = async_sessionmaker[AsyncSession]
MESSAGE = {"type": "status-update", "status": "in-progress", "timestamp": 1}


@pytest.fixture
def webhook() -> Iterator[FakeWebhook]:
    with fake_webhook() as fake:
        yield fake


async def _sessions(url: str) -> AsyncIterator[Sessions]:
    engine = create_async_engine(url)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


@pytest.fixture
async def sessions(live_server: LiveServer) -> AsyncIterator[Sessions]:
    """The test database, where the live server's outbox is sending."""
    async for made in _sessions(get_settings().resolved_database_url):
        yield made


async def new_org(sessions: Sessions) -> str:
    async with sessions() as session:
        org = Org(name=f"webhooks-{os.urandom(6).hex()}")
        session.add(org)
        await session.commit()
        return org.id


async def settled(sessions: Sessions, delivery_id: str, within: float = 15) -> ServerMessage:
    """The delivery once it is no longer pending."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        async with sessions() as session:
            row = await session.get(ServerMessage, delivery_id)
        assert row is not None
        if row.status != "pending":
            return row
        await asyncio.sleep(0.1)
    raise AssertionError("the delivery is still pending")


async def send(sessions: Sessions, webhook: FakeWebhook, **target: Any) -> ServerMessage:
    org = await new_org(sessions)
    full = {"url": webhook.url, "timeoutSeconds": 20.0, "headers": {}, **target}
    return await settled(sessions, await enqueue(org, None, full, MESSAGE, sessions))


def outcomes(kind: str = "status-update") -> dict[str, float]:
    """`voxgate_webhook_deliveries_total` of this message type (the live server's metrics:
    it runs in this process)."""
    return {
        outcome: REGISTRY.get_sample_value(
            "voxgate_webhook_deliveries_total", {"type": kind, "outcome": outcome}
        )
        or 0.0
        for outcome in ("delivered", "failed", "retried")
    }


def moved(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {outcome: after[outcome] - before[outcome] for outcome in before}


async def test_the_body_and_the_authentication_headers_arrive(
    sessions: Sessions, webhook: FakeWebhook
) -> None:
    row = await send(
        sessions, webhook, secret="legacy", headers={"X-Team": "voice"},
        authenticationPlan={"type": "bearer", "token": "tok-1"},
    )  # fmt: skip
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 1, 200)
    [received] = webhook.received
    assert received.message == MESSAGE
    assert received.headers["content-type"] == "application/json"
    assert received.headers["x-vapi-secret"] == "legacy"
    assert received.headers["x-team"] == "voice"
    assert received.headers["authorization"] == "Bearer tok-1"


async def test_an_hmac_signature_checks_out_at_the_receiver(
    sessions: Sessions, webhook: FakeWebhook
) -> None:
    plan = {"type": "hmac", "secretKey": "whsec", "algorithm": "sha256",
            "signatureHeader": "x-vapi-signature", "signaturePrefix": "sha256="}  # fmt: skip
    await send(sessions, webhook, authenticationPlan=plan)
    [received] = webhook.received
    signed = received.headers["x-timestamp"].encode() + b"." + received.body
    expected = hmac.new(b"whsec", signed, hashlib.sha256).hexdigest()
    assert received.headers["x-vapi-signature"] == f"sha256={expected}"


async def test_a_failing_server_is_retried_per_the_backoff_plan(
    sessions: Sessions, webhook: FakeWebhook
) -> None:
    webhook.failures = 2
    plan = {"type": "fixed", "maxRetries": 3, "baseDelaySeconds": 0.2}
    before = outcomes()
    row = await send(sessions, webhook, backoffPlan=plan)
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 3, 200)
    assert len(webhook.received) == 3
    assert moved(before, outcomes()) == {"delivered": 1, "failed": 0, "retried": 2}


async def test_retries_run_out_and_without_a_plan_there_is_one_try(
    sessions: Sessions, webhook: FakeWebhook
) -> None:
    webhook.failures = 100
    plan = {"type": "exponential", "maxRetries": 2, "baseDelaySeconds": 0.1}
    before = outcomes()
    row = await send(sessions, webhook, backoffPlan=plan)
    assert (row.status, row.attempts, row.last_status_code) == ("failed", 3, 500)
    once = await send(sessions, webhook)
    assert (once.status, once.attempts, once.last_status_code) == ("failed", 1, 500)
    assert moved(before, outcomes()) == {"delivered": 0, "failed": 2, "retried": 2}


async def test_a_server_that_hangs_times_out(sessions: Sessions, webhook: FakeWebhook) -> None:
    webhook.delay = 4
    row = await send(sessions, webhook, timeoutSeconds=1.0)
    assert (row.status, row.attempts, row.last_status_code) == ("failed", 1, None)
    assert row.last_error is not None and "Timeout" in row.last_error


SERVE = """
import asyncio
from voxgate.app import create_app

async def main() -> None:
    app = create_app()
    async with app.router.lifespan_context(app):
        print("started", flush=True)
        await asyncio.sleep(60)

asyncio.run(main())
"""


async def test_a_delivery_left_pending_is_sent_by_the_next_process(
    tmp_path: Path, webhook: FakeWebhook
) -> None:
    # A database of its own: no other process's outbox may send the row first.
    url = f"sqlite+aiosqlite:///{tmp_path / 'stopped.db'}"
    await asyncio.to_thread(upgrade, url)
    async for sessions in _sessions(url):
        org = await new_org(sessions)
        target = {"url": webhook.url, "timeoutSeconds": 20.0, "headers": {}}
        delivery = await enqueue(org, "call-1", target, MESSAGE, sessions)
        await asyncio.sleep(0.5)
        assert webhook.received == []  # nothing runs that would send it

        env = {**os.environ, "VOXGATE_DATABASE_URL": url, "VOXGATE_DATA_DIR": str(tmp_path)}
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-c", SERVE, env=env, stdout=asyncio.subprocess.PIPE
        )
        try:
            row = await settled(sessions, delivery, within=60)
        finally:
            child.terminate()
            await child.wait()
        assert (row.status, row.attempts) == ("delivered", 1)
        assert [r.message for r in webhook.received] == [MESSAGE]


async def test_several_outboxes_send_each_delivery_once_and_a_calls_in_order(
    sessions: Sessions, webhook: FakeWebhook
) -> None:
    # The live server's outbox and two more, as with three `voxgate serve` processes.
    org = await new_org(sessions)
    target = {"url": webhook.url, "timeoutSeconds": 20.0, "headers": {}}
    webhook.delay = 0.1  # sends overlap
    call = f"call-{os.urandom(4).hex()}"
    ordered = [{**MESSAGE, "timestamp": n} for n in range(6)]
    lone = [{**MESSAGE, "timestamp": 100 + n} for n in range(3)]
    others = [asyncio.create_task(Outbox(sessions).run(interval=0.05)) for _ in range(2)]
    try:
        ids = [await enqueue(org, call, target, m, sessions) for m in ordered]
        ids += [await enqueue(org, None, target, m, sessions) for m in lone]
        rows = [await settled(sessions, delivery, within=30) for delivery in ids]
    finally:
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
    assert all((row.status, row.attempts) == ("delivered", 1) for row in rows)
    stamps = [r.message["timestamp"] for r in webhook.received]
    assert sorted(stamps) == [0, 1, 2, 3, 4, 5, 100, 101, 102]  # each exactly once
    assert [s for s in stamps if s < 100] == list(range(6))
