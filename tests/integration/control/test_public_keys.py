"""The security matrix's public-key rows: a public key creates websocket calls for the assistants
and origins it allows, and reaches nothing else; CORS answers browsers as configured.

A call a public key makes is joined in tests/e2e/test_public_key_call.py; its monitor URLs'
keys are in tests/integration/control/call/test_call_monitor.py.
"""

import os
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import new_key
from tests.support.assistants import RUNNABLE
from tests.support.server import LiveServer
from voxgate.app import create_app
from voxgate.auth.restrictions import Restrictions
from voxgate.config import Settings
from voxgate.errors import INVALID_KEY

pytestmark = pytest.mark.db

UNKNOWN = "00000000-0000-4000-8000-000000000000"
APP = "https://app.test"
WEBSOCKET = {"provider": "vapi.websocket"}
UNAUTHORIZED = {"message": INVALID_KEY, "error": "Unauthorized", "statusCode": 401}


class Org:
    """A new org: a client with its private key, and public keys made on demand."""

    def __init__(self, name: str, client: httpx.AsyncClient, server: LiveServer) -> None:
        self.name, self.client, self.server = name, client, server

    async def public_key(self, **restrictions: Any) -> dict[str, str]:
        key = await new_key(self.name, "public", Restrictions(**restrictions))
        return {"Authorization": f"Bearer {key}"}

    async def assistant(self) -> str:
        created = await self.client.post("/assistant", json=RUNNABLE)
        assert created.status_code == 201, created.text
        return str(created.json()["id"])

    async def calls(self) -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = (await self.client.get("/call")).json()
        return listed


@pytest.fixture
async def org(live_server: LiveServer) -> AsyncIterator[Org]:
    name = f"public-{os.urandom(6).hex()}"
    headers = {"Authorization": f"Bearer {await new_key(name)}"}
    async with httpx.AsyncClient(base_url=live_server.url, headers=headers) as client:
        yield Org(name, client, live_server)


async def test_a_public_key_reaches_no_operation_but_a_websocket_create(
    org: Org, anonymous: httpx.AsyncClient
) -> None:
    # The widest public key there is: any origin, any assistant, transient ones too.
    public = await org.public_key(allow_transient_assistant=True)
    document = (await anonymous.get("/openapi.json")).json()
    answers = {}
    for path, operations in document["paths"].items():
        for method in operations:
            url = re.sub(r"\{[^}]+\}", UNKNOWN, path)
            empty: dict[str, Any] | None = {} if method in ("post", "patch", "delete") else None
            response = await anonymous.request(method, url, json=empty, headers=public)
            answers[f"{method.upper()} {path}"] = (response.status_code, response.json())
    assert len(answers) > 40  # the whole document, not a part of it
    assert {op: answer for op, answer in answers.items() if answer != (401, UNAUTHORIZED)} == {}
    # POST /call: only a websocket call; the others are the same 401, before validation.
    phone = {"assistant": RUNNABLE, "phoneNumberId": UNKNOWN, "customer": {"number": "+1555"}}
    bodies: list[Any] = [
        phone,
        {"assistant": RUNNABLE, "transport": {"provider": "daily"}},
        [WEBSOCKET],
    ]
    for body in bodies:
        refused = await anonymous.post("/call", json=body, headers=public)
        assert (refused.status_code, refused.json()) == (401, UNAUTHORIZED), body
    garbled = await anonymous.post("/call", content=b"{", headers=public)
    assert garbled.status_code == 401
    # Vapi's browser create answers a Daily room, which voxgate has not: not served (README).
    web = await anonymous.post("/call/web", json={"assistant": RUNNABLE}, headers=public)
    assert web.json() == {
        "message": "Cannot POST /call/web",
        "error": "Not Found",
        "statusCode": 404,
    }
    assert await org.calls() == []
    made = await anonymous.post(
        "/call", json={"assistant": RUNNABLE, "transport": WEBSOCKET}, headers=public
    )
    assert made.status_code == 201, made.text
    assert made.json()["transport"]["websocketCallUrl"].endswith(
        f"/call/{made.json()['id']}/transport"
    )
    assert [call["id"] for call in await org.calls()] == [made.json()["id"]]


async def _refused(org: Org, key: dict[str, str], body: dict[str, Any], **headers: str) -> str:
    """The 403's message; nothing was stored."""
    response = await org.client.post("/call", json=body, headers={**key, **headers})
    assert response.status_code == 403, response.text
    assert response.json()["error"] == "Forbidden" and response.json()["statusCode"] == 403
    assert await org.calls() == []
    message: str = response.json()["message"]
    return message


@pytest.mark.parametrize(
    "origin", [None, "https://evil.test", "null", "https://app.test.evil.test"]
)
async def test_an_origin_outside_allowed_origins_is_refused(org: Org, origin: str | None) -> None:
    key = await org.public_key(allowed_origins=(APP,), allow_transient_assistant=True)
    body = {"assistant": RUNNABLE, "transport": WEBSOCKET}
    headers = {"Origin": origin} if origin else {}
    message = await _refused(org, key, body, **headers)
    assert (
        message
        == f"Origin {origin or '(none)'} is not allowed for this public key (allowedOrigins)."
    )


async def test_an_assistant_outside_allowed_assistant_ids_is_refused(org: Org) -> None:
    allowed, other = await org.assistant(), await org.assistant()
    key = await org.public_key(allowed_assistant_ids=(allowed,), allow_transient_assistant=False)
    message = await _refused(org, key, {"assistantId": other, "transport": WEBSOCKET})
    assert message == (
        f"This public key may not start a call with assistant {other} (allowedAssistantIds)."
    )
    squad = await org.client.post("/squad", json={"members": [{"assistantId": allowed}]})
    assert squad.status_code == 201, squad.text
    limited = "This public key is limited to its assistants (allowedAssistantIds): name one"
    for body in ({"squadId": squad.json()["id"]}, {}):  # a saved squad; the server's choice
        assert (await _refused(org, key, {**body, "transport": WEBSOCKET})).startswith(limited)


@pytest.mark.parametrize(
    "source", [{"assistant": RUNNABLE}, {"squad": {"members": [{"assistant": RUNNABLE}]}}]
)
async def test_a_transient_assistant_needs_allow_transient_assistant(
    org: Org, source: dict[str, Any]
) -> None:
    key = await org.public_key()  # no restriction asked for: transient assistants still refused
    message = await _refused(org, key, {**source, "transport": WEBSOCKET})
    field = next(iter(source))
    assert message == (
        f"This public key may not start a call with a transient `{field}` "
        "(allowTransientAssistant is off)."
    )


async def test_an_allowed_origin_and_assistant_create_a_call(org: Org) -> None:
    allowed = await org.assistant()
    key = await org.public_key(allowed_origins=(APP,), allowed_assistant_ids=(allowed,))
    body = {"assistantId": allowed, "transport": WEBSOCKET}
    made = await org.client.post("/call", json=body, headers={**key, "Origin": APP})
    assert made.status_code == 201, made.text
    assert made.json()["type"] == "vapi.websocketCall" and made.json()["status"] == "queued"
    assert (await org.client.get(f"/call/{made.json()['id']}")).json() == made.json()
    # The key creates and that is all: it cannot read back the call it made.
    read = await org.client.get(f"/call/{made.json()['id']}", headers={**key, "Origin": APP})
    assert read.status_code == 401


@pytest.fixture
async def cors_app(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A server whose CORS allows pages of APP (the session's server allows none)."""
    app = create_app(Settings(cors_allowed_origins=f"{APP}, https://admin.test"))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://voxgate.test"
    ) as client:
        yield client


def _preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }


async def test_cors_preflight_answers_allowed_origins_only(cors_app: httpx.AsyncClient) -> None:
    allowed = await cors_app.options("/call", headers=_preflight(APP))
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == APP
    allowed_headers = allowed.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed_headers and "content-type" in allowed_headers
    assert "POST" in allowed.headers["access-control-allow-methods"]
    refused = await cors_app.options("/call", headers=_preflight("https://evil.test"))
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    # A refusal is readable by the page: it carries the header too.
    unauthorized = await cors_app.get("/assistant", headers={"Origin": APP})
    assert unauthorized.status_code == 401
    assert unauthorized.headers["access-control-allow-origin"] == APP


async def test_without_cors_origins_no_cors_header_is_sent(anonymous: httpx.AsyncClient) -> None:
    preflight = await anonymous.options("/call", headers=_preflight(APP))
    assert not any(name.startswith("access-control-") for name in preflight.headers)
    answer = await anonymous.get("/assistant", headers={"Origin": APP})
    assert not any(name.startswith("access-control-") for name in answer.headers)
