"""Server messages as jobs of the Redis queue (`VOXGATE_REDIS_URL`: worker/jobs.py,
webhooks/queued.py): two workers stand for two `voxgate serve` processes on one Redis and one
database of their own, with no polling outbox anywhere, so whatever arrives came through the
queue. Skipped without `VOXGATE_TEST_REDIS_URL`."""

import asyncio
import os
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from tests.integration.webhooks.test_outbox import (
    MESSAGE,
    Sessions,
    _sessions,
    new_org,
    settled,
    webhook,
)
from tests.support.databases import own_database
from tests.support.fake_webhook import FakeWebhook
from tests.support.logs import captured_log
from tests.support.redis import fresh_prefix, redis_url
from voxgate.db.models import ServerMessage
from voxgate.kit.time import utcnow
from voxgate.webhooks.outbox import SEND, Outbox, enqueue
from voxgate.webhooks.queued import LOST_SECONDS, QueuedDeliveries
from voxgate.worker import jobs

pytestmark = pytest.mark.db
__all__ = ["webhook"]  # the fixture, used here


@pytest.fixture
async def sessions(database_url: str, tmp_path: Path) -> AsyncIterator[Sessions]:
    async with own_database(database_url, tmp_path) as url:
        async for made in _sessions(url):
            yield made


@pytest.fixture
async def workers(sessions: Sessions) -> AsyncIterator[list[QueuedDeliveries]]:
    """Two processes' workers of one queue; the first is this process's `jobs.current()`."""
    url, prefix = redis_url(), fresh_prefix()
    deliveries = [QueuedDeliveries(Outbox(sessions)) for _ in range(2)]
    queues = [jobs.Jobs(url, prefix, [(SEND, d.send)]) for d in deliveries]
    jobs.install(queues[0])
    running = [asyncio.create_task(queue.start()) for queue in queues]
    try:
        yield deliveries
    finally:
        jobs.install(None)
        for queue in queues:
            await queue.stop()
        await asyncio.gather(*running, return_exceptions=True)
        for delivery in deliveries:
            await delivery.outbox.close()


async def test_a_message_goes_out_through_the_queue_and_is_retried_per_the_backoff_plan(
    sessions: Sessions, webhook: FakeWebhook, workers: list[QueuedDeliveries]
) -> None:
    webhook.failures = 2
    plan = {"type": "fixed", "maxRetries": 3, "baseDelaySeconds": 1.5}
    target = {"url": webhook.url, "timeoutSeconds": 20.0, "headers": {}, "backoffPlan": plan}
    started = time.monotonic()
    delivery = await enqueue(await new_org(sessions), None, target, MESSAGE, sessions)
    row = await settled(sessions, delivery, within=20)
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 3, 200)
    assert [r.message for r in webhook.received] == [MESSAGE] * 3
    # Each retry waited for its time (a job scheduled then, SAQ's schedule is whole seconds).
    assert 3.0 <= time.monotonic() - started < 10


async def test_one_calls_messages_arrive_in_order_and_each_once_across_two_workers(
    sessions: Sessions, webhook: FakeWebhook, workers: list[QueuedDeliveries]
) -> None:
    org = await new_org(sessions)
    target = {"url": webhook.url, "timeoutSeconds": 20.0, "headers": {}}
    webhook.delay = 0.1  # sends overlap
    call = f"call-{os.urandom(4).hex()}"
    ordered = [{**MESSAGE, "timestamp": n} for n in range(8)]
    lone = [{**MESSAGE, "timestamp": 100 + n} for n in range(4)]
    ids = [await enqueue(org, call, target, m, sessions) for m in ordered]
    ids += [await enqueue(org, None, target, m, sessions) for m in lone]
    rows = [await settled(sessions, delivery, within=30) for delivery in ids]
    assert all((row.status, row.attempts) == ("delivered", 1) for row in rows)
    stamps = [r.message["timestamp"] for r in webhook.received]
    assert sorted(stamps) == [*range(8), *range(100, 104)]  # each exactly once
    assert [s for s in stamps if s < 100] == list(range(8))


async def test_a_delivery_whose_job_was_lost_is_queued_again_by_the_sweep(
    sessions: Sessions, webhook: FakeWebhook, workers: list[QueuedDeliveries]
) -> None:
    target = {"url": webhook.url, "timeoutSeconds": 20.0, "headers": {}}
    org = await new_org(sessions)
    queue = jobs.current()
    jobs.install(None)  # stored with no queue to take its job: as if Redis had lost it
    delivery = await enqueue(org, None, target, MESSAGE, sessions)
    jobs.install(queue)
    await asyncio.sleep(1.5)
    assert webhook.received == []
    overdue = utcnow() - timedelta(seconds=LOST_SECONDS + 1)
    async with sessions() as session:
        await session.execute(
            update(ServerMessage)
            .where(ServerMessage.id == delivery)
            .values(next_attempt_at=overdue)
        )
        await session.commit()
    assert await workers[1].sweep() == 1
    row = await settled(sessions, delivery)
    assert (row.status, row.attempts) == ("delivered", 1)
    assert [r.message for r in webhook.received] == [MESSAGE]


async def test_an_idle_worker_keeps_waiting_for_jobs_past_the_redis_socket_timeout(
    sessions: Sessions, webhook: FakeWebhook, workers: list[QueuedDeliveries]
) -> None:
    # redis-py cuts a read after 5 s: a pop waiting longer would fail, and could lose a job.
    with captured_log("warning") as log:
        await asyncio.sleep(6.5)
        target = {"url": webhook.url, "timeoutSeconds": 20.0, "headers": {}}
        started = time.monotonic()
        delivery = await enqueue(await new_org(sessions), None, target, MESSAGE, sessions)
        row = await settled(sessions, delivery)
    assert (row.status, row.attempts) == ("delivered", 1)
    assert time.monotonic() - started < 1.5
    assert [line["event"] for line in log.lines()] == []
