"""A call's control and listen URLs, without a conversation: who is refused, and how.

Calls that are not running (unknown, queued) are refused as they are. For the rules that need a
running call (monitorPlan, keys, malformed messages), the call's `CallSession` is built and
registered as the websocket route does, but its pipeline never starts: the session answers
control messages as a call in its first moments does. Conversations are in
tests/e2e/test_call_monitor.py.
"""

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from websockets.asyncio.client import connect

from tests.conftest import new_key
from tests.support.assistants import RUNNABLE
from tests.support.server import LiveServer
from voxgate.config import get_settings
from voxgate.control.call.registry import registered
from voxgate.db.models import Call as CallRow
from voxgate.engine.session import CallSession

pytestmark = pytest.mark.db

UNKNOWN = "00000000-0000-4000-8000-000000000000"
POLICY_VIOLATION = 1008


class _Nowhere:
    """The engine's ports for a session whose pipeline never runs."""

    async def update(self, changes: dict[str, Any]) -> None:
        return None

    async def save_artifact(self, name: str, data: bytes) -> str:
        return ""

    async def receive(self) -> bytes | str | None:
        return None

    async def clear(self) -> None:
        return None

    async def send_bytes(self, data: bytes) -> None:
        return None

    async def send_text(self, text: str) -> None:
        return None

    async def close(self, code: int = 1000) -> None:
        return None


@pytest.fixture
async def org(live_server: LiveServer) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """A client with a private key of a new org, and a public key of the same org."""
    name = f"monitor-{os.urandom(6).hex()}"
    private, public = await new_key(name), await new_key(name, "public")
    headers = {"Authorization": f"Bearer {private}"}
    async with httpx.AsyncClient(base_url=live_server.url, headers=headers) as http:
        yield http, public


async def create_call(client: httpx.AsyncClient, **plan: Any) -> tuple[str, str]:
    """A queued websocket call of an inline assistant with this monitorPlan; (id, org id)."""
    assistant = {**RUNNABLE, "monitorPlan": plan}
    body = {"assistant": assistant, "transport": {"provider": "vapi.websocket"}}
    response = await client.post("/call", json=body)
    assert response.status_code == 201, response.text
    call_id = response.json()["id"]
    engine = create_async_engine(get_settings().resolved_database_url)
    async with AsyncSession(engine) as session:
        org_id = await session.scalar(select(CallRow.org_id).where(CallRow.id == call_id))
    await engine.dispose()
    assert org_id is not None
    return call_id, org_id


@contextmanager
def running(call_id: str, org_id: str, **plan: Any) -> Iterator[CallSession]:
    session = CallSession({**RUNNABLE, "monitorPlan": plan}, None, _Nowhere(), _Nowhere())
    with registered(call_id, org_id, session):
        yield session


def control_path(call_id: str) -> str:
    return f"/call/{call_id}/control"


async def listen_open(server: LiveServer, call_id: str, **kwargs: Any) -> bool:
    """Whether the listen URL kept the socket open (it closes a refused listener at once)."""
    url = server.url.replace("http://", "ws://") + f"/call/{call_id}/listen"
    async with connect(url, **kwargs) as ws:
        try:
            await asyncio.wait_for(ws.wait_closed(), 0.5)
        except TimeoutError:
            return True
    return False


async def listen_close_code(server: LiveServer, call_id: str, **kwargs: Any) -> int | None:
    url = server.url.replace("http://", "ws://") + f"/call/{call_id}/listen"
    async with connect(url, **kwargs) as ws:
        await asyncio.wait_for(ws.wait_closed(), 5)
    return ws.close_code


@pytest.mark.parametrize("call_id", [UNKNOWN, "not-a-call"])
async def test_an_unknown_call_is_a_404_in_vapis_shape(
    anonymous: httpx.AsyncClient, call_id: str
) -> None:
    response = await anonymous.post(control_path(call_id), json={"type": "end-call"})
    assert response.status_code == 404
    assert response.json() == {"message": "Call not found", "error": "Not Found", "statusCode": 404}


async def test_a_queued_call_cannot_be_controlled_or_listened_to(
    org: tuple[httpx.AsyncClient, str], anonymous: httpx.AsyncClient, live_server: LiveServer
) -> None:
    call_id, _ = await create_call(org[0])
    response = await anonymous.post(control_path(call_id), json={"type": "end-call"})
    assert response.status_code == 400
    assert response.json()["message"] == (
        "Call is queued: only a call in progress can be controlled."
    )
    assert await listen_close_code(live_server, call_id) == POLICY_VIOLATION
    assert await listen_close_code(live_server, UNKNOWN) == POLICY_VIOLATION


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "The body must be a JSON control message."),
        ([{"type": "end-call"}], "The body must be a JSON object."),
        ({"type": "dance"},
         "`type` must be one of say, add-message, control, end-call, handoff, transfer."),
        ({"message": {"type": "say"}}, "`say` needs the text to speak in `content`"),
        ({"type": "control", "control": "self-destruct"}, "`control` must be one of "),
        ({"type": "transfer", "destination": {"type": "number", "number": "+15550100"}},
         "`transfer` moves a phone call to another number; this call is not one."),
        ({"type": "transfer", "destination": {"type": "sip"}}, "`transfer` needs `destination`"),
        ({"type": "handoff", "destination": {}}, "`handoff` needs `destination`, an assistant"),
        ({"type": "say", "content": "Hello"}, "The call is still starting; try again in a moment."),
    ],
)  # fmt: skip
async def test_a_message_the_call_cannot_carry_out_is_a_400(
    org: tuple[httpx.AsyncClient, str], anonymous: httpx.AsyncClient, body: Any, message: str
) -> None:
    call_id, org_id = await create_call(org[0])
    with running(call_id, org_id) as session:
        if isinstance(body, str):
            response = await anonymous.post(control_path(call_id), content=body)
        else:
            response = await anonymous.post(control_path(call_id), json=body)
    assert response.status_code == 400, response.text
    assert response.json()["message"].startswith(message)
    assert session.ended_reason is None


async def test_end_call_through_the_control_url_cancels_the_call_once(
    org: tuple[httpx.AsyncClient, str], anonymous: httpx.AsyncClient
) -> None:
    call_id, org_id = await create_call(org[0])
    with running(call_id, org_id) as session:
        wrapped = await anonymous.post(
            control_path(call_id), json={"message": {"type": "end-call"}}
        )
        again = await anonymous.post(control_path(call_id), json={"type": "end-call"})
    assert (wrapped.status_code, wrapped.json()) == (200, {})
    assert session.ended_reason == "manually-canceled"
    assert again.status_code == 400 and again.json()["message"] == "The call is ending."


async def test_turned_off_control_and_listening_are_refused(
    org: tuple[httpx.AsyncClient, str], anonymous: httpx.AsyncClient, live_server: LiveServer
) -> None:
    plan = {"controlEnabled": False, "listenEnabled": False}
    call_id, org_id = await create_call(org[0], **plan)
    with running(call_id, org_id, **plan) as session:
        response = await anonymous.post(control_path(call_id), json={"type": "end-call"})
        code = await listen_close_code(live_server, call_id)
    assert response.status_code == 403 and response.json()["error"] == "Forbidden"
    assert code == POLICY_VIOLATION
    assert session.ended_reason is None


async def test_authentication_takes_a_key_of_the_calls_org(
    org: tuple[httpx.AsyncClient, str],
    anonymous: httpx.AsyncClient,
    live_server: LiveServer,
    other_key: str,
) -> None:
    plan = {"controlAuthenticationEnabled": True, "listenAuthenticationEnabled": True}
    call_id, org_id = await create_call(org[0], **plan)
    public = {"Authorization": f"Bearer {org[1]}"}
    others = [
        {"Authorization": f"Bearer {key}"}
        for key in (other_key, await new_key(f"other-{os.urandom(6).hex()}", "public"))
    ]
    with running(call_id, org_id, **plan) as session:
        refused = [
            await anonymous.post(control_path(call_id), json={"type": "end-call"}, headers=headers)
            for headers in ({}, *others)
        ]
        no_key = await listen_close_code(live_server, call_id)
        wrong = [
            await listen_close_code(live_server, call_id, additional_headers=other)
            for other in others
        ]
        heard = await listen_open(live_server, call_id, additional_headers=public)
        assert session.ended_reason is None
        accepted = await anonymous.post(
            control_path(call_id), json={"type": "end-call"}, headers=public
        )
    assert [r.status_code for r in refused] == [401, 401, 401]
    assert refused[2].json()["message"].startswith("Invalid Key.")
    assert no_key == POLICY_VIOLATION and wrong == [POLICY_VIOLATION] * 2
    assert heard, "the org's public key was refused on the listen URL"
    assert accepted.status_code == 200 and session.ended_reason == "manually-canceled"
