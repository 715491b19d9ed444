"""A squad's call: the front desk hands the caller to billing through a handoff tool, and billing
takes over with its own prompt, voice and greeting; the webhook hears `transfer-update` and
`assistant.started`, and the stored call says who had it.

The voices are the Cartesia fake's (two voice ids: the request names the one that speaks); the
LLM is the OpenAI-compatible fake, scripted by the system prompt it is sent.
"""

import itertools
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.caller import Caller, loudness, seconds
from tests.e2e.conftest import REPLY
from tests.e2e.fake_llm import FakeLLM, asking
from tests.e2e.fake_speech import FakeCartesia, FakeDeepgram
from tests.e2e.test_speech_vendors import _served, _vendor, speak_until_answered
from tests.e2e.test_websocket_call import (
    GREETING,
    dial,
    ended,
    fake_model,
    new_call,
    socket_url,
)
from tests.support.fake_webhook import FakeWebhook, fake_webhook
from tests.support.reference import assert_matches
from tests.support.server import LiveServer

pytestmark = pytest.mark.db

FRONT_PROMPT = "You are the front desk of a small hotel. Hand billing questions to billing."
BILLING_PROMPT = "You are the billing desk of a small hotel. Answer in one sentence."
BILLING_GREETING = "Billing here. What can I do for you?"
HEARD = "Why was I charged twice?"  # what the Deepgram fake hears, whatever is said


@pytest.fixture(scope="module")
def cartesia_server() -> Iterator[FakeCartesia]:
    yield from _served(FakeCartesia())


@pytest.fixture
def cartesia(cartesia_server: FakeCartesia, monkeypatch: pytest.MonkeyPatch) -> FakeCartesia:
    cartesia_server.requests.clear()
    result: FakeCartesia = _vendor(cartesia_server, "cartesia", monkeypatch)
    return result


@pytest.fixture(scope="module")
def deepgram_server() -> Iterator[FakeDeepgram]:
    yield from _served(FakeDeepgram(HEARD))


@pytest.fixture
def deepgram(deepgram_server: FakeDeepgram, monkeypatch: pytest.MonkeyPatch) -> FakeDeepgram:
    deepgram_server.queries.clear()
    result: FakeDeepgram = _vendor(deepgram_server, "deepgram", monkeypatch)
    return result


@pytest.fixture
def webhook() -> Iterator[FakeWebhook]:
    with fake_webhook() as fake:
        yield fake


def voice(voice_id: str) -> dict[str, Any]:
    return {"provider": "cartesia", "voiceId": voice_id, "model": "sonic-2"}


def spoken_by_voice(cartesia: FakeCartesia) -> list[tuple[str, str]]:
    """(voice id, text) of each thing said, in order (a text may come in several requests)."""
    said: list[tuple[str, str]] = []
    for request in cartesia.requests:
        text = str(request.get("transcript") or "")
        if not text.strip():
            continue
        voice_id = request["voice"]["id"]
        if said and said[-1][0] == voice_id and request.get("context_id") == said[-1][1]:
            continue
        said.append((voice_id, text.strip()))
    return said


def largest_gap(caller: Caller, since: float) -> float:
    """The longest wait between two pieces of the server's audio after `since` while it spoke
    (a stall in the switched voice would show here)."""
    times = [at for at, _ in caller.audio if at > since]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    return max((gap for gap in gaps if gap < 0.5), default=0.0)  # longer: a pause between turns


async def test_a_handoff_switches_prompt_voice_transcriber_and_greeting(
    client: httpx.AsyncClient,
    live_server: LiveServer,
    llm: FakeLLM,
    cartesia: FakeCartesia,
    deepgram: FakeDeepgram,
    webhook: FakeWebhook,
) -> None:
    billing = {
        "name": "Billing",
        "firstMessage": BILLING_GREETING,
        "model": fake_model(llm, messages=[{"role": "system", "content": BILLING_PROMPT}]),
        "voice": voice("voice-billing"),
        "transcriber": {"provider": "deepgram", "model": "nova-3", "language": "en"},
    }
    saved = await client.post("/assistant", json=billing)
    assert saved.status_code == 201, saved.text
    handoff = {
        "type": "handoff",
        "destinations": [
            {"type": "assistant", "assistantName": "Billing", "description": "billing questions",
             "contextEngineeringPlan": {"type": "all"}}
        ],
    }  # fmt: skip
    front_desk = {
        "name": "Front desk",
        "firstMessage": GREETING,
        "model": fake_model(
            llm, messages=[{"role": "system", "content": FRONT_PROMPT}], tools=[handoff]
        ),
        "voice": voice("voice-front"),
    }
    subscribed = ["transfer-update", "assistant.started", "end-of-call-report"]
    squad = {
        "members": [{"assistant": front_desk}, {"assistantId": saved.json()["id"]}],
        "membersOverrides": {"server": {"url": webhook.url}, "serverMessages": subscribed},
    }
    llm.script(asking(FRONT_PROMPT), tool_call="handoff_to_Billing")
    body = {"squad": squad, "transport": {"provider": "vapi.websocket"}}
    created = await client.post("/call", json=body)
    assert created.status_code == 201, created.text
    call = created.json()

    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        spoke = await speak_until_answered(caller)  # the front desk hands off; billing greets
        await caller.quiet(after=spoke)
        greeting = caller.audio_since(spoke)
        greeted = caller.first_audio_after(spoke)
        spoke_again = await speak_until_answered(caller)  # billing answers
        await caller.quiet(after=spoke_again)
        transfers = caller.of_type("transfer-update")
        started = caller.of_type("assistant.started")

    assert seconds(greeting) > 1 and loudness(greeting) > 300
    # The front desk heard the caller with the offline transcriber, billing with Deepgram.
    assert "weather" in llm.requests[0]["messages"][-1]["content"].lower()
    assert llm.requests[-1]["messages"][-1] == {"role": "user", "content": HEARD}
    assert len(deepgram.queries) == 1
    assert spoken_by_voice(cartesia) == [
        ("voice-front", GREETING),
        ("voice-billing", BILLING_GREETING),
        ("voice-billing", REPLY),
    ]
    first, last = llm.requests[0], llm.requests[-1]
    assert first["messages"][0] == {"role": "system", "content": FRONT_PROMPT}
    assert [t["function"]["name"] for t in first["tools"]] == ["handoff_to_Billing"]
    assert first["tools"][0]["function"]["parameters"]["properties"]["destination"]["enum"] == [
        "Billing"
    ]
    # Billing's model gets billing's prompt, the history so far (plan "all") and no tools.
    assert last["messages"][0] == {"role": "system", "content": BILLING_PROMPT}
    roles = [m["role"] for m in last["messages"]]
    assert roles == ["system", "assistant", "user", "assistant", "tool", "assistant", "user"]
    assert last["messages"][3]["tool_calls"][0]["function"]["name"] == "handoff_to_Billing"
    assert last["messages"][5]["content"] == BILLING_GREETING
    assert "tools" not in last
    assert len(llm.requests) == 2

    assert [t["toAssistant"]["name"] for t in transfers] == ["Billing"]
    assert [s["newAssistant"]["name"] for s in started] == ["Billing"]
    assert_matches(transfers[0], "ClientMessageTransferUpdate")
    assert_matches(started[0], "ClientMessageAssistantStarted")
    update = (await webhook.wait_for("transfer-update"))[0].message
    assert_matches(update, "ServerMessageTransferUpdate")
    assert update["destination"]["assistantName"] == "Billing"
    assert update["fromAssistant"]["name"] == "Front desk"
    assert update["toAssistant"]["name"] == "Billing"
    begun = (await webhook.wait_for("assistant.started"))[0].message
    assert_matches(begun, "ClientMessageAssistantStarted")
    assert begun["newAssistant"]["model"]["messages"][0]["content"] == BILLING_PROMPT

    stored = await ended(client, call["id"])
    assert_matches(stored, "Call")
    artifact = stored["artifact"]
    assert artifact["assistantActivations"] == [
        {"assistantName": "Front desk"},
        {"assistantName": "Billing", "assistantId": saved.json()["id"]},
    ]
    said = [m["message"] for m in artifact["messages"] if m["role"] == "bot"]
    assert said == [GREETING, BILLING_GREETING, REPLY]
    prompts = [m["message"] for m in artifact["messages"] if m["role"] == "system"]
    assert prompts == [FRONT_PROMPT, BILLING_PROMPT]
    report = (await webhook.wait_for("end-of-call-report"))[0].message
    assert report["artifact"]["assistantActivations"] == artifact["assistantActivations"]
    assert greeted is not None
    print(
        f"\nhandoff: billing's greeting began {greeted - spoke:.2f} s after the question; "
        f"longest gap in the audio after the switch {largest_gap(caller, spoke) * 1000:.0f} ms"
    )


async def test_a_saved_squad_hands_off_to_a_model_greeting_with_no_history(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    """Offline voices (espeak, a voice each); the squad read by id; billing greets with the
    model's words, knowing nothing of the call so far (plan `none`) but the call's variables."""
    front_desk = {
        "name": "Front desk",
        "firstMessage": GREETING,
        "voice": {"provider": "espeak", "voiceId": "en-us"},
        "model": fake_model(
            llm,
            messages=[{"role": "system", "content": FRONT_PROMPT}],
            tools=[{"type": "handoff", "destinations": [
                {"type": "assistant", "assistantName": "Billing",
                 "contextEngineeringPlan": {"type": "none"}}]}],
        ),
    }  # fmt: skip
    saved_front = (await client.post("/assistant", json=front_desk)).json()
    billing = {
        "name": "Billing",
        "firstMessageMode": "assistant-speaks-first-with-model-generated-message",
        "voice": {"provider": "espeak", "voiceId": "en-gb"},
        "model": fake_model(
            llm, messages=[{"role": "system", "content": "Billing for {{hotel}}."}]
        ),
    }
    members = [{"assistantId": saved_front["id"]}, {"assistant": billing}]
    squad = (await client.post("/squad", json={"members": members})).json()
    llm.script(asking(FRONT_PROMPT), tool_call="handoff_to_Billing")
    body = {
        "squadId": squad["id"],
        "squadOverrides": {"variableValues": {"hotel": "the Grand"}},
        "transport": {"provider": "vapi.websocket"},
    }
    created = await client.post("/call", json=body)
    assert created.status_code == 201, created.text
    call = created.json()

    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        spoke = await speak_until_answered(caller)
        await caller.quiet(after=spoke)
        answer = caller.audio_since(spoke)

    assert seconds(answer) > 1 and loudness(answer) > 300
    # Billing's greeting came from its model, asked with its own prompt and nothing else.
    assert llm.requests[-1]["messages"] == [{"role": "system", "content": "Billing for the Grand."}]
    stored = await ended(client, call["id"])
    artifact = stored["artifact"]
    assert [m["message"] for m in artifact["messages"] if m["role"] == "bot"] == [GREETING, REPLY]
    assert [a["assistantName"] for a in artifact["assistantActivations"]] == [
        "Front desk",
        "Billing",
    ]
    assert artifact["variableValues"]["hotel"] == "the Grand"


async def test_a_lone_assistant_hands_off_to_a_saved_one_with_overrides(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    """No squad: the destination is a saved assistant named by id, adjusted by the
    destination's `assistantOverrides`; both are read when the call connects."""
    concierge = {
        "name": "Concierge",
        "firstMessage": "Concierge speaking.",
        "model": fake_model(llm, messages=[{"role": "system", "content": BILLING_PROMPT}]),
    }
    saved = (await client.post("/assistant", json=concierge)).json()
    destination = {
        "type": "assistant",
        "assistantId": saved["id"],
        "assistantOverrides": {"firstMessage": BILLING_GREETING},
    }
    call = await new_call(
        client,
        llm,
        model=fake_model(
            llm,
            messages=[{"role": "system", "content": FRONT_PROMPT}],
            tools=[{"type": "handoff", "destinations": [destination]}],
        ),
    )
    llm.script(asking(FRONT_PROMPT), tool_call=f"handoff_to_{saved['id']}")
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        spoke = await speak_until_answered(caller)
        await caller.quiet(after=spoke)
        started = caller.of_type("assistant.started")

    assert [s["newAssistant"]["firstMessage"] for s in started] == [BILLING_GREETING]
    artifact = (await ended(client, call["id"]))["artifact"]
    assert [m["message"] for m in artifact["messages"] if m["role"] == "bot"] == [
        GREETING,
        BILLING_GREETING,
    ]
    assert artifact["assistantActivations"][-1] == {
        "assistantName": "Concierge",
        "assistantId": saved["id"],
    }


async def test_a_squad_whose_member_was_deleted_ends_at_connect(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    member = {"name": "Gone", "model": fake_model(llm)}
    saved = (await client.post("/assistant", json=member)).json()
    squad = {"members": [{"assistantId": saved["id"]}]}
    body = {"squad": squad, "transport": {"provider": "vapi.websocket"}}
    created = await client.post("/call", json=body)
    assert created.status_code == 201, created.text
    assert (await client.delete(f"/assistant/{saved['id']}")).status_code == 200
    async with dial(socket_url(live_server, created.json())) as caller:
        await caller.closed.wait()
    assert caller.close_code == 1008
    stored = await ended(client, created.json()["id"])
    assert stored["endedReason"] == "call.start.error-get-assistant"
