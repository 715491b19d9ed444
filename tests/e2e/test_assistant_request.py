"""A call that names no assistant asks the org's server for one (`assistant-request`,
VAPI-BEHAVIOUR §4.2, §5.3), over a real websocket call: the server's choice runs and is stored
on the call, its error is spoken, and every other answer ends the call with Vapi's reason."""

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from tests.e2e.fake_llm import FakeLLM
from tests.e2e.test_server_messages import deliveries
from tests.e2e.test_websocket_call import dial, ended, fake_model, socket_url
from tests.support.fake_webhook import FakeWebhook, fake_webhook
from tests.support.reference import assert_matches
from tests.support.server import LiveServer
from tests.unit.engine.test_failure_reasons import vapi_reasons
from voxgate.config import get_settings
from voxgate.control.call import assistant_request
from voxgate.db.models import Org
from voxgate.engine.providers.whisper import shared_model

pytestmark = pytest.mark.db
WEBSOCKET = {"transport": {"provider": "vapi.websocket"}}


@pytest.fixture
def webhook() -> Iterator[FakeWebhook]:
    with fake_webhook() as fake:
        yield fake


async def set_org_server(client: httpx.AsyncClient, server: dict[str, Any] | None) -> None:
    """What `voxgate org server` writes, for the org of the test's key."""
    made = await client.post("/assistant", json={"name": "to learn the org"})
    org_id = made.json()["orgId"]
    engine = create_async_engine(get_settings().resolved_database_url)
    async with AsyncSession(engine) as session:
        await session.execute(update(Org).where(Org.id == org_id).values(server=server))
        await session.commit()
    await engine.dispose()


async def routed_call(client: httpx.AsyncClient, webhook: FakeWebhook) -> dict[str, Any]:
    await set_org_server(client, {"url": webhook.url, "secret": "org-secret"})
    response = await client.post("/call", json=WEBSOCKET)
    assert response.status_code == 201, response.text
    call: dict[str, Any] = response.json()
    assert not {"assistant", "assistantId", "squad", "squadId"} & set(call)
    return call


def heard(pcm: bytes) -> str:
    """What the caller heard, as the offline transcriber reads it (16 kHz PCM)."""
    audio = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768
    segments, _ = shared_model("tiny.en").transcribe(audio, language="en")
    return " ".join(segment.text.strip() for segment in segments)


def assert_the_request_was_sent(webhook: FakeWebhook, call: dict[str, Any]) -> None:
    [sent] = webhook.of_type("assistant-request")
    assert_matches(sent.message, "ServerMessageAssistantRequest")
    assert sent.message["call"]["id"] == call["id"]
    assert "assistant" not in sent.message  # there is none yet
    assert sent.headers["x-vapi-secret"] == "org-secret"


async def test_without_a_server_to_ask_a_call_needs_an_assistant(
    client: httpx.AsyncClient, webhook: FakeWebhook
) -> None:
    await set_org_server(client, {"secret": "no url"})
    response = await client.post("/call", json=WEBSOCKET)
    assert response.status_code == 400
    assert response.json()["message"] == (
        "Couldn't Get Assistant. Need Either `assistant`, `assistantId`, `squad`, Or `squadId`."
    )
    assert (await client.get("/call")).json() == []


async def test_the_server_picks_a_saved_assistant_and_its_variables_are_heard(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, webhook: FakeWebhook
) -> None:
    saved = await client.post("/assistant", json={
        "name": "Concierge", "firstMessage": "Hello {{ guest }}, welcome to the hotel.",
        "model": fake_model(llm),
    })  # fmt: skip
    reply = {"assistantId": saved.json()["id"],
             "assistantOverrides": {"variableValues": {"guest": "Ryan"}}}  # fmt: skip
    assert_matches(reply, "ServerMessageResponseAssistantRequest")
    webhook.answers["assistant-request"] = reply
    call = await routed_call(client, webhook)

    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        greeting = caller.audio_since(0)
    assert "ryan" in heard(greeting).lower()
    assert_the_request_was_sent(webhook, call)

    stored = await ended(client, call["id"])
    assert_matches(stored, "Call")
    assert stored["assistantId"] == saved.json()["id"]
    assert stored["assistantOverrides"] == reply["assistantOverrides"]
    assert stored["endedReason"] == "customer-ended-call"
    assert stored["artifact"]["transcript"] == "AI: Hello Ryan, welcome to the hotel."
    listed = await client.get("/call", params={"assistantId": saved.json()["id"]})
    assert [found["id"] for found in listed.json()] == [call["id"]]


async def test_an_inline_assistant_in_a_message_response_runs_and_is_stored(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, webhook: FakeWebhook
) -> None:
    assistant = {"name": "Night desk", "firstMessage": "Good evening.", "model": fake_model(llm)}
    webhook.answers["assistant-request"] = {"messageResponse": {"assistant": assistant}}
    call = await routed_call(client, webhook)

    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
    stored = await ended(client, call["id"])
    assert_matches(stored, "Call")
    assert stored["assistant"]["name"] == "Night desk"
    assert stored["artifact"]["transcript"] == "AI: Good evening."
    # The chosen assistant's own messages follow, and name it.
    [report] = await webhook.wait_for("end-of-call-report")
    assert report.message["assistant"]["name"] == "Night desk"


async def test_the_server_s_error_is_spoken_then_the_call_ends(
    client: httpx.AsyncClient, live_server: LiveServer, webhook: FakeWebhook
) -> None:
    error = "Sorry, the office is closed today."
    webhook.answers["assistant-request"] = {"error": error, "assistantId": "ignored"}
    call = await routed_call(client, webhook)

    async with dial(socket_url(live_server, call)) as caller:
        await asyncio.wait_for(caller.closed.wait(), 30)
    assert "office is closed" in heard(caller.audio_since(0)).lower()
    assert caller.of_type("status-update")[-1]["endedReason"] == "assistant-request-returned-error"

    stored = await ended(client, call["id"])
    assert_matches(stored, "Call")
    assert stored["endedReason"] == "assistant-request-returned-error"
    assert stored["artifact"]["transcript"] == f"AI: {error}"
    assert "assistantId" not in stored
    [report] = await webhook.wait_for("end-of-call-report")
    assert report.message["endedReason"] == "assistant-request-returned-error"
    assert_matches(report.message, "ServerMessageEndOfCallReport")


async def test_a_server_slower_than_7_5_seconds_fails_the_call(
    client: httpx.AsyncClient, live_server: LiveServer, webhook: FakeWebhook
) -> None:
    webhook.delay = 9  # its own timeoutSeconds (20 by default) does not apply
    webhook.answers["assistant-request"] = {"assistantId": str(uuid.uuid4())}
    call = await routed_call(client, webhook)

    async with dial(socket_url(live_server, call)) as caller:
        await asyncio.wait_for(caller.closed.wait(), 20)
    stored = await ended(client, call["id"])
    assert stored["endedReason"] == "assistant-request-failed"
    assert "startedAt" not in stored  # it never talked
    request = [row for row in await deliveries(call["id"]) if row.type == "assistant-request"]
    assert [(row.status, row.last_status_code) for row in request] == [("failed", None)]


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ({"destination": {"type": "number", "number": "+14155550100"}, "assistantId": "x"},
         "assistant-request-returned-forwarding-phone-number"),
        ({"assistantId": str(uuid.uuid4())}, "assistant-request-returned-invalid-assistant"),
        ({"assistant": {"model": {"provider": "no-such-llm", "model": "m"}}},
         "assistant-request-returned-invalid-assistant"),
        ({"assistant": {"firstMessageMode": "sing"}},
         "assistant-request-returned-invalid-assistant"),
        ({"squadId": str(uuid.uuid4())}, "assistant-request-returned-invalid-assistant"),
        ({"workflowId": "wf-1"}, "assistant-request-returned-invalid-assistant"),
        ({"error": 42}, "assistant-request-returned-unspeakable-error"),
        ({}, "assistant-request-returned-no-assistant"),
        ({"messageResponse": {"assistantId": None}}, "assistant-request-returned-no-assistant"),
        ("<html>not json</html>", "assistant-request-failed"),
    ],
)  # fmt: skip
async def test_answers_without_an_assistant_to_run_end_the_call(
    client: httpx.AsyncClient, live_server: LiveServer, webhook: FakeWebhook,
    answer: Any, reason: str,
) -> None:  # fmt: skip
    webhook.answers["assistant-request"] = answer
    call = await routed_call(client, webhook)
    async with dial(socket_url(live_server, call)) as caller:
        await asyncio.wait_for(caller.closed.wait(), 20)
    stored = await ended(client, call["id"])
    assert stored["endedReason"] == reason
    assert_matches(stored, "Call")
    [report] = await webhook.wait_for("end-of-call-report")
    assert report.message["endedReason"] == reason


async def test_a_squad_chosen_by_the_server_is_stored_as_a_created_squad_call_is(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, webhook: FakeWebhook
) -> None:
    member = await client.post("/assistant", json={"name": "A", "model": fake_model(llm)})
    squad = await client.post("/squad", json={"members": [{"assistantId": member.json()["id"]}]})
    assert squad.status_code == 201, squad.text
    webhook.answers["assistant-request"] = {"squadId": squad.json()["id"]}
    chosen = await routed_call(client, webhook)
    created = await client.post("/call", json={"squadId": squad.json()["id"], **WEBSOCKET})
    for call in (chosen, created.json()):
        async with dial(socket_url(live_server, call)):
            await left_the_queue(client, call["id"])
    stored = await ended(client, chosen["id"])
    assert stored["squadId"] == squad.json()["id"]
    # Whatever a created squad call does (runs, or ends at once), the chosen one does the same.
    assert stored["endedReason"] == (await ended(client, created.json()["id"]))["endedReason"]


async def left_the_queue(client: httpx.AsyncClient, call_id: str) -> None:
    """Waits until the call has started or ended (its socket is then closed by the caller)."""
    for _ in range(200):
        if (await client.get(f"/call/{call_id}")).json()["status"] != "queued":
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the call never left the queue")


async def test_a_server_removed_since_the_call_was_created_ends_it(
    client: httpx.AsyncClient, live_server: LiveServer, webhook: FakeWebhook
) -> None:
    call = await routed_call(client, webhook)
    await set_org_server(client, None)
    async with dial(socket_url(live_server, call)) as caller:
        await asyncio.wait_for(caller.closed.wait(), 20)
    stored = await ended(client, call["id"])
    assert stored["endedReason"] == "call-start-error-neither-assistant-nor-server-set"
    assert webhook.received == []


def test_every_reason_is_one_of_vapi_s() -> None:
    assert set(assistant_request.REASONS) - vapi_reasons() == set()
