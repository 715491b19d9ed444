"""The `oauth2` authentication plan: a token from the client-credentials grant (RFC 6749 §4.4)
on a loopback token endpoint, sent as `Authorization: Bearer` with every delivery of the
outbox and every exchange that needs a reply, kept across them until it expires, fetched
again after a 401; a failing token endpoint fails the attempt with its reason."""

import base64
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from tests.integration.webhooks.test_outbox import new_org, settled
from tests.support.fake_webhook import FakeWebhook, fake_webhook
from tests.support.server import LiveServer
from voxgate.config import get_settings
from voxgate.db.models import ServerMessage
from voxgate.webhooks.outbox import enqueue
from voxgate.webhooks.request import request

pytestmark = pytest.mark.db
Sessions = async_sessionmaker[AsyncSession]
MESSAGE = {"type": "status-update", "status": "in-progress", "timestamp": 1}
ASK = {"type": "tool-calls", "toolCallList": [], "timestamp": 1}


class FakeTokenEndpoint:
    """An authorization server's token endpoint: keeps each request's form and headers."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], dict[str, str]]] = []
        self.status = 200
        self.expires_in: float | None = 3600
        self.url = ""
        self.app = FastAPI()
        self.app.post("/oauth/token")(self._token)

    async def _token(self, request: Request) -> JSONResponse:
        form = {k: str(v) for k, v in (await request.form()).items()}
        self.requests.append((form, dict(request.headers)))
        if self.status != 200:
            return JSONResponse({"error": "invalid_client"}, status_code=self.status)
        body: dict[str, Any] = {"access_token": f"tok-{len(self.requests)}", "token_type": "Bearer"}
        if self.expires_in is not None:
            body["expires_in"] = self.expires_in
        return JSONResponse(body)


@pytest.fixture
def tokens() -> Iterator[FakeTokenEndpoint]:
    fake = FakeTokenEndpoint()
    with LiveServer(fake.app) as server:
        fake.url = f"{server.url}/oauth/token"
        yield fake


@pytest.fixture
def webhook() -> Iterator[FakeWebhook]:
    with fake_webhook() as fake:
        yield fake


@pytest.fixture
async def sessions(live_server: LiveServer) -> AsyncIterator[Sessions]:
    engine = create_async_engine(get_settings().resolved_database_url)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


def target(webhook: FakeWebhook, tokens: FakeTokenEndpoint, **plan: Any) -> dict[str, Any]:
    """A target whose plan is this test's own (tokens are kept per plan, in the process)."""
    oauth2 = {"type": "oauth2", "url": tokens.url, "clientId": f"client-{os.urandom(4).hex()}",
              "clientSecret": "s3cret:with/odd chars", **plan}  # fmt: skip
    return {"url": webhook.url, "timeoutSeconds": 5.0, "headers": {}, "authenticationPlan": oauth2}


async def deliver(sessions: Sessions, org: str, to: dict[str, Any]) -> ServerMessage:
    return await settled(sessions, await enqueue(org, None, to, MESSAGE, sessions))


async def test_one_token_serves_every_delivery_and_exchange_until_it_expires(
    sessions: Sessions, webhook: FakeWebhook, tokens: FakeTokenEndpoint, live_server: LiveServer
) -> None:
    org = await new_org(sessions)
    to = target(webhook, tokens, scope="calls:write")
    for _ in range(2):
        assert (await deliver(sessions, org, to)).status == "delivered"
    webhook.answers["tool-calls"] = {"results": []}
    assert await live_server.run(request(org, None, to, ASK)) == {"results": []}

    assert [r.headers["authorization"] for r in webhook.received] == ["Bearer tok-1"] * 3
    [(form, headers)] = tokens.requests
    assert form == {"grant_type": "client_credentials", "scope": "calls:write"}
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    scheme, _, credentials = headers["authorization"].partition(" ")
    plan = to["authenticationPlan"]
    expected = f"{plan['clientId']}:s3cret%3Awith%2Fodd+chars"  # form-encoded, RFC 6749 §2.3.1
    assert (scheme, base64.b64decode(credentials).decode()) == ("Basic", expected)


async def test_an_expired_token_or_one_the_server_refused_is_fetched_again(
    sessions: Sessions, webhook: FakeWebhook, tokens: FakeTokenEndpoint
) -> None:
    org = await new_org(sessions)
    tokens.expires_in = 0  # expired as soon as it arrives
    expiring = target(webhook, tokens)
    await deliver(sessions, org, expiring)
    await deliver(sessions, org, expiring)
    assert len(tokens.requests) == 2

    tokens.expires_in = None  # no lifetime: kept until a server refuses it
    forever = target(webhook, tokens)
    await deliver(sessions, org, forever)
    await deliver(sessions, org, forever)
    assert len(tokens.requests) == 3
    webhook.status = 401
    assert (await deliver(sessions, org, forever)).status == "failed"
    webhook.status = 200
    await deliver(sessions, org, forever)
    assert len(tokens.requests) == 4
    assert webhook.received[-1].headers["authorization"] == "Bearer tok-4"


async def test_a_failing_token_endpoint_fails_the_attempt_with_its_reason(
    sessions: Sessions, webhook: FakeWebhook, tokens: FakeTokenEndpoint, live_server: LiveServer
) -> None:
    org = await new_org(sessions)
    tokens.status = 401
    row = await deliver(sessions, org, target(webhook, tokens))
    reason = "the OAuth2 token endpoint answered 401 (invalid_client)"
    assert (row.status, row.attempts, row.last_status_code, row.last_error) == (
        "failed", 1, None, reason,
    )  # fmt: skip
    assert await live_server.run(request(org, None, target(webhook, tokens), ASK)) is None
    assert webhook.received == []

    unreachable = target(webhook, tokens, url="http://127.0.0.1:9/oauth/token")
    row = await deliver(sessions, org, unreachable)
    assert row.status == "failed"
    assert row.last_error == "the OAuth2 token endpoint failed: ConnectError"
