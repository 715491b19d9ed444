"""Messages that need a reply: posted at once, the reply returned (bare or wrapped in
`messageResponse`), bounded by the deadline, retried per `backoffPlan` within it, and recorded."""

import os
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from tests.integration.webhooks.test_outbox import moved, outcomes
from tests.support.fake_webhook import FakeWebhook, fake_webhook
from tests.support.server import LiveServer
from voxgate.config import get_settings
from voxgate.db.models import Org, ServerMessage
from voxgate.webhooks.request import request

pytestmark = pytest.mark.db
MESSAGE = {"type": "tool-calls", "toolCallList": [], "timestamp": 1}


@pytest.fixture
def webhook() -> Iterator[FakeWebhook]:
    with fake_webhook() as fake:
        yield fake


async def _org_and_rows() -> tuple[str, AsyncSession]:
    engine = create_async_engine(get_settings().resolved_database_url)
    session = AsyncSession(engine, expire_on_commit=False)
    org = Org(name=f"request-{os.urandom(6).hex()}")
    session.add(org)
    await session.commit()
    return org.id, session


async def _recorded(session: AsyncSession, org_id: str) -> ServerMessage:
    row = await session.scalar(select(ServerMessage).where(ServerMessage.org_id == org_id))
    assert row is not None
    return row


@pytest.mark.parametrize("wrapped", [False, True])
async def test_the_reply_comes_back_bare_or_unwrapped(
    live_server: LiveServer, webhook: FakeWebhook, wrapped: bool
) -> None:
    reply = {"results": [{"toolCallId": "call_1", "result": "62F"}]}
    webhook.answers["tool-calls"] = {"messageResponse": reply} if wrapped else reply
    org_id, session = await _org_and_rows()
    target = {"url": webhook.url, "timeoutSeconds": 5, "headers": {"x-team": "blue"}}
    assert await live_server.run(request(org_id, None, target, MESSAGE)) == reply
    assert webhook.received[0].message == MESSAGE
    assert webhook.received[0].headers["x-team"] == "blue"
    row = await _recorded(session, org_id)
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 1, 200)
    await session.close()


async def test_garbage_is_no_reply_and_is_recorded_as_failed(
    live_server: LiveServer, webhook: FakeWebhook
) -> None:
    webhook.answers["tool-calls"] = "<html>oops</html>"
    org_id, session = await _org_and_rows()
    assert await live_server.run(request(org_id, None, {"url": webhook.url}, MESSAGE)) is None
    row = await _recorded(session, org_id)
    assert (row.status, row.last_status_code) == ("failed", 200)
    assert row.last_error == "the reply is not a JSON object"
    await session.close()


async def test_a_slow_server_is_cut_off_at_the_deadline(
    live_server: LiveServer, webhook: FakeWebhook
) -> None:
    webhook.delay = 3
    org_id, session = await _org_and_rows()
    started = time.monotonic()
    assert (
        await live_server.run(
            request(org_id, None, {"url": webhook.url}, MESSAGE, timeout_seconds=0.5)
        )
        is None
    )
    assert time.monotonic() - started < 2.5
    row = await _recorded(session, org_id)
    assert row.status == "failed" and row.last_status_code is None
    await session.close()


async def test_failures_are_retried_per_the_backoff_plan_within_the_deadline(
    live_server: LiveServer, webhook: FakeWebhook
) -> None:
    webhook.failures = 2
    webhook.answers["tool-calls"] = {"results": []}
    org_id, session = await _org_and_rows()
    plan = {"type": "fixed", "maxRetries": 3, "baseDelaySeconds": 0.1}
    target = {"url": webhook.url, "timeoutSeconds": 5, "backoffPlan": plan}
    before = outcomes("tool-calls")
    assert await live_server.run(request(org_id, None, target, MESSAGE)) == {"results": []}
    row = await _recorded(session, org_id)
    assert (row.status, row.attempts) == ("delivered", 3)
    assert moved(before, outcomes("tool-calls")) == {"delivered": 1, "failed": 0, "retried": 2}
    await session.close()
