"""The SSRF guard where voxgate fetches for a user: webhook deliveries (outbox), replies
(request.py), `apiRequest` tools, redirects, and a custom LLM's `model.url` at `POST /call`.
The suite allow-lists loopback for its fakes (tests/conftest.py); these tests clear it, so a
fake on 127.0.0.1 stands for a service inside the operator's network."""

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from tests.integration.control.call.test_call_create import WEBSOCKET, refused
from tests.integration.webhooks.test_outbox import MESSAGE, new_org, settled
from tests.support.assistants import MODEL
from tests.support.fake_webhook import FakeWebhook, fake_webhook
from tests.support.server import LiveServer
from voxgate.config import get_settings
from voxgate.db.models import ServerMessage
from voxgate.engine.api_request import run
from voxgate.kit.urls import Allowlist, UrlRefused, guarded_client
from voxgate.webhooks.outbox import enqueue
from voxgate.webhooks.request import request

pytestmark = pytest.mark.db
Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
def allowlist(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No allowlist (the server runs in this process, so it sees it too); set one with
    `allowlist.setenv(...)` followed by `get_settings.cache_clear()`."""
    monkeypatch.setenv("VOXGATE_URL_ALLOWLIST", "")
    get_settings.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def webhook() -> Iterator[FakeWebhook]:
    with fake_webhook() as fake:
        yield fake


@pytest.fixture
async def sessions(live_server: LiveServer) -> AsyncIterator[Sessions]:
    engine = create_async_engine(get_settings().resolved_database_url)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


async def test_a_delivery_to_loopback_fails_with_the_reason_recorded(
    allowlist: pytest.MonkeyPatch, sessions: Sessions, webhook: FakeWebhook
) -> None:
    org = await new_org(sessions)
    target = {"url": webhook.url, "timeoutSeconds": 5, "headers": {}}
    row = await settled(sessions, await enqueue(org, None, target, MESSAGE, sessions))
    assert (row.status, row.attempts, row.last_status_code) == ("failed", 1, None)
    assert row.last_error is not None and "127.0.0.1 is a loopback address" in row.last_error
    assert webhook.received == []


async def test_an_allow_listed_cidr_is_delivered_to(
    allowlist: pytest.MonkeyPatch, sessions: Sessions, webhook: FakeWebhook
) -> None:
    allowlist.setenv("VOXGATE_URL_ALLOWLIST", "127.0.0.0/8")
    get_settings.cache_clear()
    org = await new_org(sessions)
    target = {"url": webhook.url, "timeoutSeconds": 5, "headers": {}}
    row = await settled(sessions, await enqueue(org, None, target, MESSAGE, sessions))
    assert (row.status, row.last_status_code) == ("delivered", 200)
    assert len(webhook.received) == 1


async def test_an_oauth2_token_url_on_the_metadata_address_is_refused(
    allowlist: pytest.MonkeyPatch, sessions: Sessions, webhook: FakeWebhook
) -> None:
    allowlist.setenv("VOXGATE_URL_ALLOWLIST", "127.0.0.1")  # the webhook itself may be reached
    get_settings.cache_clear()
    org = await new_org(sessions)
    plan = {"type": "oauth2", "url": "http://169.254.169.254/token", "clientId": "c",
            "clientSecret": "s"}  # fmt: skip
    target = {"url": webhook.url, "timeoutSeconds": 5, "headers": {}, "authenticationPlan": plan}
    row = await settled(sessions, await enqueue(org, None, target, MESSAGE, sessions))
    assert row.status == "failed" and row.last_error == (
        "the OAuth2 token endpoint was refused: 169.254.169.254 is a link-local address; "
        "VOXGATE_URL_ALLOWLIST does not allow it"
    )
    assert webhook.received == []


async def test_a_reply_from_the_metadata_address_is_never_asked_for(
    allowlist: pytest.MonkeyPatch, sessions: Sessions, live_server: LiveServer
) -> None:
    org = await new_org(sessions)
    target = {"url": "http://169.254.169.254/latest/meta-data/", "timeoutSeconds": 2}
    message = {"type": "tool-calls", "toolCallList": []}
    # On the server's loop: the exchange is recorded through the app's own database engine.
    assert await live_server.run(request(org, None, target, message)) is None
    async with sessions() as session:
        row = await session.scalar(select(ServerMessage).where(ServerMessage.org_id == org))
    assert row is not None and row.status == "failed"
    assert row.last_error is not None and "is a link-local address" in row.last_error


async def test_an_api_request_tool_to_a_private_address_is_the_tools_error(
    allowlist: pytest.MonkeyPatch, webhook: FakeWebhook
) -> None:
    tool = {"type": "apiRequest", "name": "lookup", "method": "POST", "url": webhook.url}
    outcome = await run(tool, {}, values={}, assistant={})
    assert outcome.result is None and outcome.error is not None
    assert outcome.error.startswith("The request was refused: 127.0.0.1 is a loopback address")
    assert webhook.received == []


def _redirecting() -> FastAPI:
    app = FastAPI()

    @app.get("/go")
    async def go(request: Request) -> RedirectResponse:
        port = request.url.port
        return RedirectResponse(f"http://127.0.0.1:{port}/inside", status_code=302)

    @app.get("/inside")
    async def inside(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"inside, asked for {request.headers['host']}")

    return app


async def test_a_redirect_to_a_private_address_is_refused() -> None:
    with LiveServer(_redirecting()) as server:
        start = f"http://localhost:{server.port}/go"
        async with guarded_client(Allowlist.parse("localhost"), follow_redirects=True) as http:
            with pytest.raises(UrlRefused, match=r"127\.0\.0\.1 is a loopback address"):
                await http.get(start)
        both = Allowlist.parse("localhost, 127.0.0.1")
        async with guarded_client(both, follow_redirects=True) as http:
            assert (await http.get(start)).text == f"inside, asked for 127.0.0.1:{server.port}"


async def test_a_resolved_host_is_reached_at_the_checked_address_under_its_own_name() -> None:
    with LiveServer(_redirecting()) as server:
        # `localhost` is not listed but each address it resolves to is: the request goes to
        # the IPv4 one, with the name kept in the Host header.
        async with guarded_client(Allowlist.parse("127.0.0.0/8, ::1")) as http:
            response = await http.get(f"http://localhost:{server.port}/inside")
        assert response.text == f"inside, asked for localhost:{server.port}"


async def test_a_custom_llm_on_a_private_address_is_refused_when_the_call_is_created(
    allowlist: pytest.MonkeyPatch, client: httpx.AsyncClient
) -> None:
    model = {**MODEL, "provider": "custom-llm", "url": "http://10.0.0.5:8000/v1"}
    body = {"assistant": {"model": model}, "transport": WEBSOCKET}
    message = await refused(client, body)
    assert message == (
        "assistant.model.url: 10.0.0.5 is a private address; "
        "VOXGATE_URL_ALLOWLIST does not allow it"
    )
