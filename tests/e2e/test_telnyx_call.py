"""Phone calls through Telnyx, all on loopback (the Telnyx fake, tests/support/fake_telnyx.py):
`POST /call` dials through call control, the callee answers (webhooks, then the media stream)
or does not; a call to an imported number is answered with the media stream; every webhook is
checked against Telnyx's Ed25519 signature."""

import asyncio
import json
import time
from typing import Any

import httpx
import pytest

from tests.e2e.caller import ulaw_to_pcm
from tests.e2e.conftest import REPLY
from tests.e2e.dtmf_tones import keys_in
from tests.e2e.fake_llm import FakeLLM
from tests.e2e.phone import (
    CUSTOMER,
    KEYPAD_PLAN,
    TELNYX_NUMBER,
    import_telnyx_number,
    press_until_heard,
)
from tests.e2e.test_assistant_request import heard, set_org_server
from tests.e2e.test_outbound_call import assistant_id, pcm_8k, sounds_like, stored, text_of
from tests.e2e.test_phone_call import ask, pcm16k, result_heard, tool_result
from tests.e2e.test_websocket_call import GREETING, PROMPT, ended, fake_model
from tests.support.fake_telnyx import API_KEY, FakeCall, FakeTelnyx, new_id
from tests.support.fake_webhook import fake_webhook
from tests.support.reference import assert_matches
from tests.support.server import LiveServer

pytestmark = pytest.mark.db
PUBLIC = "https://voxgate.test"


async def place(
    client: httpx.AsyncClient, telnyx: FakeTelnyx, llm: FakeLLM, **assistant: Any
) -> dict[str, Any]:
    """A call of the front desk from the imported Telnyx number to `CUSTOMER`, created."""
    number = await import_telnyx_number(client, telnyx.public_key)
    body = {
        "assistantId": await assistant_id(client, llm, **assistant),
        "phoneNumberId": number["id"],
        "customer": {"number": CUSTOMER},
    }
    response = await client.post("/call", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def dialed(telnyx: FakeTelnyx) -> FakeCall:
    return await asyncio.wait_for(telnyx.dialed.get(), 15)


async def answered(
    client: httpx.AsyncClient, telnyx: FakeTelnyx, llm: FakeLLM, **assistant: Any
) -> tuple[dict[str, Any], FakeCall]:
    """A call placed, answered by the customer, and its greeting heard to the end."""
    call = await place(client, telnyx, llm, **assistant)
    phone = await dialed(telnyx)
    await phone.answer()
    await quiet(phone, 0)
    return call, phone


async def quiet(call: FakeCall, after: float, gap: float = 0.8, limit: float = 30) -> None:
    """Until audio sent after `after` has started and then stopped for `gap` seconds."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        times = [at for at, _ in call.heard if at >= after]
        if times and time.monotonic() - times[-1] > gap:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the phone heard nothing, or it never stopped")


async def until_ended(client: httpx.AsyncClient, call_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        call = await stored(client, call_id)
        if call["status"] == "ended":
            return call
        await asyncio.sleep(0.1)
    raise AssertionError("the call never ended")


# Outbound.


async def test_a_whole_outbound_call(
    client: httpx.AsyncClient, llm: FakeLLM, telnyx: FakeTelnyx
) -> None:
    call = await place(client, telnyx, llm)
    assert_matches(call, "Call")
    assert (call["type"], call["status"], call["phoneCallProvider"]) == (
        "outboundPhoneCall", "queued", "telnyx"
    )  # fmt: skip

    phone = await dialed(telnyx)
    assert (phone.to, phone.from_) == (CUSTOMER, TELNYX_NUMBER)
    assert call["phoneCallProviderId"] == phone.call_control_id
    assert phone.dial["connection_id"] == telnyx.application_id
    assert phone.dial["stream_url"] == f"wss://voxgate.test/telnyx/stream/{call['id']}"
    assert phone.dial["webhook_url"] == f"{PUBLIC}/telnyx/events/{call['id']}"
    assert (phone.dial["stream_bidirectional_mode"], phone.dial["stream_bidirectional_codec"]) == (
        "rtp", "PCMU"
    )  # fmt: skip
    assert {r.api_key for r in telnyx.requests} == {API_KEY}

    await phone.answer()
    await quiet(phone, 0)
    assert sounds_like(text_of(phone.heard_since(0)), GREETING)
    assert (await stored(client, call["id"]))["status"] == "in-progress"

    await phone.say(pcm_8k("weather-today.wav"))
    spoke = time.monotonic()
    while not phone.heard_since(spoke) and time.monotonic() - spoke < 15:
        await phone.say(b"\x00" * 1600)  # a line is never silent: 0.1 s of silence
    await quiet(phone, spoke)
    assert sounds_like(text_of(phone.heard_since(spoke)), REPLY)

    control = telnyx.to_live(call["monitor"]["controlUrl"])
    async with httpx.AsyncClient() as http:
        assert (await http.post(control, json={"type": "end-call"})).status_code == 200
    await asyncio.wait_for(phone.stream_closed.wait(), 15)
    assert phone.commanded("hangup") == [{}]  # hung up through call control

    done = await ended(client, call["id"])
    assert_matches(done, "Call")
    assert done["endedReason"] == "manually-canceled"
    transcript = done["artifact"]["transcript"]
    assert transcript.startswith(f"AI: {GREETING}") and "sunny" in transcript.lower()


async def test_the_customer_hangs_up(
    client: httpx.AsyncClient, llm: FakeLLM, telnyx: FakeTelnyx
) -> None:
    call, phone = await answered(client, telnyx, llm)
    await phone.hang_up()
    done = await ended(client, call["id"])
    assert done["endedReason"] == "customer-ended-call"
    assert phone.commanded("hangup") == []  # nothing to hang up


@pytest.mark.parametrize(
    ("callee", "reason"),
    [
        ("busy", "customer-busy"),
        ("no_answer", "customer-did-not-answer"),
        ("fail", "call.in-progress.error-sip-outbound-call-failed-to-connect"),
    ],
)
async def test_a_call_nobody_answers_ends_and_is_reported(
    client: httpx.AsyncClient, llm: FakeLLM, telnyx: FakeTelnyx, callee: str, reason: str
) -> None:
    with fake_webhook() as webhook:
        await set_org_server(client, {"url": webhook.url})
        call = await place(client, telnyx, llm)
        phone = await dialed(telnyx)
        await getattr(phone, callee)()
        done = await until_ended(client, call["id"])
        assert_matches(done, "Call")
        assert done["endedReason"] == reason and "startedAt" not in done
        [report] = await webhook.wait_for("end-of-call-report")
        assert report.message["endedReason"] == reason
        statuses = [r.message["status"] for r in webhook.of_type("status-update")]
    assert statuses == ["ringing", "ended"]


async def test_a_dial_telnyx_refuses_is_a_400_and_leaves_no_call(
    client: httpx.AsyncClient, llm: FakeLLM, telnyx: FakeTelnyx
) -> None:
    number = await import_telnyx_number(client, telnyx.public_key)
    telnyx.refuse_dial = (422, "The destination number is invalid.")
    body = {
        "assistantId": await assistant_id(client, llm),
        "phoneNumberId": number["id"],
        "customer": {"number": CUSTOMER},
    }
    response = await client.post("/call", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["message"] == (
        "Couldn't Create Telnyx Call. Telnyx Error: The destination number is invalid."
    )
    assert (await client.get("/call")).json() == []


async def test_a_transfer_hands_the_call_to_telnyx_and_ends_it_forwarded(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, telnyx: FakeTelnyx
) -> None:
    desk = {"type": "number", "number": "+14155550100", "callerId": TELNYX_NUMBER,
            "message": "Putting you through to the front desk now."}  # fmt: skip
    llm.tool_calls = [("transferCall", {"destination": desk["number"]})]
    tools = [{"type": "transferCall", "destinations": [desk]}]
    model = fake_model(llm, messages=[{"role": "system", "content": PROMPT}], tools=tools)
    call, phone = await answered(client, telnyx, llm, model=model)
    asked = await ask(live_server, call["id"], "Can I talk to a person?")
    done = await ended(client, call["id"])
    assert done["endedReason"] == "assistant-forwarded-call"
    assert done["destination"] == desk
    assert phone.commanded("transfer") == [{"to": desk["number"], "from": TELNYX_NUMBER}]
    assert phone.commanded("hangup") == []  # the transfer took the call: nothing to hang up
    words = heard(await pcm16k(phone.heard_since(asked))).lower()
    assert "front" in words, words  # the caller heard the words before the transfer


async def test_the_dtmf_tool_plays_the_keys_into_the_call(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, telnyx: FakeTelnyx
) -> None:
    llm.tool_calls = [("dtmf", {"keys": "1w5#"})]
    model = fake_model(llm, messages=[{"role": "system", "content": PROMPT}],
                       tools=[{"type": "dtmf"}])  # fmt: skip
    call, phone = await answered(client, telnyx, llm, model=model)
    asked = await ask(live_server, call["id"], "Press one, then five and pound.")
    await quiet(phone, await result_heard(llm))
    assert tool_result(llm) == "Pressed 1w5#."
    assert keys_in(ulaw_to_pcm(phone.heard_since(asked))) == "15#"
    await phone.hang_up()
    assert (await ended(client, call["id"]))["endedReason"] == "customer-ended-call"


async def test_the_caller_talking_over_the_greeting_clears_what_telnyx_buffered(
    client: httpx.AsyncClient, llm: FakeLLM, telnyx: FakeTelnyx
) -> None:
    call = await place(client, telnyx, llm, firstMessage=" ".join([GREETING] * 4),
                       firstMessageInterruptionsEnabled=True)  # fmt: skip
    phone = await dialed(telnyx)
    await phone.answer()
    await asyncio.wait_for(_heard_something(phone), 20)
    await phone.say(pcm_8k("weather-today.wav"))
    deadline = time.monotonic() + 10
    clears: list[dict[str, Any]] = []
    while not clears and time.monotonic() < deadline:
        await phone.say(bytes(320))  # a phone line keeps carrying silence
        clears = [e for e in phone.events if e.get("event") == "clear"]
    assert clears and clears[0] == {"event": "clear"}, phone.events
    await phone.hang_up()
    assert (await ended(client, call["id"]))["endedReason"] == "customer-ended-call"


async def test_keys_the_caller_presses_reach_the_llm_with_a_keypad_input_plan(
    client: httpx.AsyncClient, llm: FakeLLM, telnyx: FakeTelnyx
) -> None:
    call, phone = await answered(client, telnyx, llm, keypadInputPlan=KEYPAD_PLAN)
    await press_until_heard(phone, llm, "1234#", silence=bytes(320))
    await phone.hang_up()
    assert (await ended(client, call["id"]))["endedReason"] == "customer-ended-call"


MALFORMED_KEYS: list[dict[str, Any]] = [
    {"event": "dtmf", "dtmf": {}},  # no digit
    {"event": "dtmf", "dtmf": {"digit": "x"}},
    {"event": "dtmf", "dtmf": {"digit": 5}},
    {"event": "dtmf", "dtmf": None},
    {"event": "dtmf"},
]


async def test_a_malformed_key_event_is_skipped_and_the_call_goes_on(
    client: httpx.AsyncClient, llm: FakeLLM, telnyx: FakeTelnyx
) -> None:
    call, phone = await answered(client, telnyx, llm, keypadInputPlan=KEYPAD_PLAN)
    assert phone.ws is not None
    for event in MALFORMED_KEYS:
        await phone.ws.send(json.dumps({**event, "stream_id": phone.stream_id}))
    await press_until_heard(phone, llm, "7#", silence=bytes(320))  # the call still listens
    assert (await stored(client, call["id"]))["status"] == "in-progress"
    assert not phone.stream_closed.is_set() and phone.commanded("hangup") == []
    await phone.hang_up()
    assert (await ended(client, call["id"]))["endedReason"] == "customer-ended-call"


# Inbound.


async def front_desk(client: httpx.AsyncClient, llm: FakeLLM) -> str:
    return await assistant_id(client, llm)


async def only_call(client: httpx.AsyncClient) -> dict[str, Any]:
    [call] = (await client.get("/call")).json()
    assert_matches(call, "Call")
    return dict(call)


async def test_a_call_to_a_number_with_an_assistant_is_answered_by_it(
    client: httpx.AsyncClient, telnyx: FakeTelnyx, llm: FakeLLM
) -> None:
    number = await import_telnyx_number(
        client, telnyx.public_key, assistantId=await front_desk(client, llm)
    )
    phone, response = await telnyx.ring(TELNYX_NUMBER, CUSTOMER)
    assert response.status_code == 204, response.text
    call = await only_call(client)
    assert (call["type"], call["phoneNumberId"]) == ("inboundPhoneCall", number["id"])
    assert call["customer"] == {"number": CUSTOMER}
    assert (call["phoneCallProvider"], call["phoneCallProviderId"]) == (
        "telnyx", phone.call_control_id
    )  # fmt: skip
    [answer] = phone.commanded("answer")
    assert answer["stream_url"] == f"wss://voxgate.test/telnyx/stream/{call['id']}"
    assert answer["webhook_url"] == f"{PUBLIC}/telnyx/events/{call['id']}"

    await asyncio.wait_for(_heard_something(phone), 20)
    await quiet(phone, 0)
    assert sounds_like(text_of(phone.heard_since(0)), GREETING)
    await phone.hang_up()
    done = await ended(client, call["id"])
    assert done["endedReason"] == "customer-ended-call"
    assert phone.commanded("hangup") == []


async def _heard_something(phone: FakeCall) -> None:
    while not phone.heard:
        await asyncio.sleep(0.05)


async def test_a_number_without_an_assistant_asks_its_server(
    client: httpx.AsyncClient, telnyx: FakeTelnyx, llm: FakeLLM
) -> None:
    assistant = {"name": "Night desk", "firstMessage": "Good evening.", "model": fake_model(llm)}
    with fake_webhook() as webhook:
        webhook.answers["assistant-request"] = {"assistant": assistant}
        await import_telnyx_number(client, telnyx.public_key, server={"url": webhook.url})
        phone, _ = await telnyx.ring(TELNYX_NUMBER, CUSTOMER)
        await asyncio.wait_for(_heard_something(phone), 20)
        await quiet(phone, 0)
        assert sounds_like(text_of(phone.heard_since(0)), "Good evening.")
        [sent] = webhook.of_type("assistant-request")
        assert sent.message["customer"] == {"number": CUSTOMER}
        shown = sent.message["phoneNumber"]
        assert (shown["provider"], shown["number"]) == ("telnyx", TELNYX_NUMBER)
        assert API_KEY.encode() not in sent.body
    await phone.hang_up()
    done = await ended(client, (await only_call(client))["id"])
    assert (done["assistant"]["name"], done["endedReason"]) == ("Night desk", "customer-ended-call")


async def test_a_number_with_no_assistant_and_no_server_sends_the_caller_to_its_fallback(
    client: httpx.AsyncClient, telnyx: FakeTelnyx
) -> None:
    fallback = {"type": "number", "number": "+15550003333"}
    await import_telnyx_number(client, telnyx.public_key, fallbackDestination=fallback)
    phone, response = await telnyx.ring(TELNYX_NUMBER, CUSTOMER)
    assert response.status_code == 204
    call = await only_call(client)
    assert (call["status"], call["endedReason"]) == (
        "ended", "call-start-error-neither-assistant-nor-server-set"
    )  # fmt: skip
    assert phone.commanded("transfer") == [{"to": "+15550003333"}]
    assert phone.commanded("answer") == []


# Signatures.


async def test_forged_stale_and_replayed_webhooks_are_refused(
    client: httpx.AsyncClient, telnyx: FakeTelnyx, llm: FakeLLM
) -> None:
    await import_telnyx_number(client, telnyx.public_key, assistantId=await front_desk(client, llm))
    phone = FakeCall(
        telnyx, new_id("v3:"), TELNYX_NUMBER, CUSTOMER, "incoming", f"{PUBLIC}/telnyx/inbound"
    )
    telnyx.calls[phone.call_control_id] = phone
    forged = telnyx.sign("1", b"another body")
    refused = await telnyx.post(phone.webhook_url, "call.initiated", phone.payload(), forged)
    assert refused.status_code == 403
    assert refused.json()["message"] == "The request does not carry a valid Telnyx signature."
    stale = await telnyx.post(
        phone.webhook_url, "call.initiated", phone.payload(), timestamp=time.time() - 3600
    )
    assert stale.status_code == 403
    assert (await client.get("/call")).json() == []
    assert phone.commands == []

    first = await phone.event("call.initiated")
    assert first.status_code == 204
    call = await only_call(client)
    # Signed, and replayed (the answer sent the call's own events elsewhere since).
    again = await telnyx.post(f"{PUBLIC}/telnyx/inbound", "call.initiated", phone.payload())
    assert again.status_code == 409

    # The call's own route: a forged hang-up ends nothing.
    await asyncio.wait_for(_heard_something(phone), 20)
    events = f"{PUBLIC}/telnyx/events/{call['id']}"
    payload = phone.payload(hangup_cause="normal_clearing")
    assert (await telnyx.post(events, "call.hangup", payload, forged)).status_code == 403
    assert (await stored(client, call["id"]))["status"] == "in-progress"
    await phone.hang_up()
    assert (await ended(client, call["id"]))["endedReason"] == "customer-ended-call"


async def test_a_media_stream_naming_another_call_is_refused(
    client: httpx.AsyncClient, telnyx: FakeTelnyx, llm: FakeLLM
) -> None:
    call = await place(client, telnyx, llm)
    phone = await dialed(telnyx)
    await phone.event("call.initiated")
    await phone.open_stream(call_control_id="v3:someone-elses")
    await asyncio.wait_for(phone.stream_closed.wait(), 10)
    assert phone.heard == []
    assert (await stored(client, call["id"]))["status"] == "ringing"
