"""Twilio numbers and the calls they receive, on loopback (the Twilio fake, tests/support/
fake_twilio.py): importing a number checks it with Twilio and points its voice URL at voxgate;
a call to it is routed as VAPI-BEHAVIOUR §4.2 says (the number's assistant, or its server's
`assistant-request`, or the fallback, or a hang-up), heard through the media stream."""

import asyncio
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from difflib import SequenceMatcher
from typing import Any

import httpx
import pytest
from pipecat.audio.utils import create_file_resampler, ulaw_to_pcm
from websockets.exceptions import InvalidStatus

from tests.e2e.fake_llm import FakeLLM
from tests.e2e.phone import CUSTOMER, NUMBER, import_number
from tests.e2e.test_assistant_request import heard
from tests.e2e.test_websocket_call import GREETING, ended, fake_model
from tests.support.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeCall, FakeTwilio, sid
from tests.support.fake_webhook import FakeWebhook, fake_webhook
from tests.support.reference import assert_matches
from tests.support.server import LiveServer
from voxgate.config import get_settings
from voxgate.control.call.expiry import end_unconnected
from voxgate.control.call.runner import live_calls

pytestmark = pytest.mark.db

INBOUND_URL = "https://voxgate.test/twilio/inbound_call"
FALLBACK = {"type": "number", "number": "+15550003333"}
NO_SERVER = "call-start-error-neither-assistant-nor-server-set"


@pytest.fixture
def webhook() -> Iterator[FakeWebhook]:
    with fake_webhook() as fake:
        yield fake


async def front_desk(client: httpx.AsyncClient, llm: FakeLLM) -> str:
    assistant = {"name": "Front desk", "firstMessage": GREETING, "model": fake_model(llm)}
    created = await client.post("/assistant", json=assistant)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def only_call(client: httpx.AsyncClient) -> dict[str, Any]:
    [call] = (await client.get("/call")).json()
    assert_matches(call, "Call")
    return dict(call)


async def greeting_heard(call: FakeCall, gap: float = 0.8, limit: float = 20.0) -> str:
    """Waits until the phone has heard speech and then silence for `gap` s; what it heard, as
    the offline transcriber reads it (μ-law 8 kHz decoded and resampled to 16 kHz)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        last = call.heard[-1][0] if call.heard else 0.0
        if last and time.monotonic() - last > gap:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the phone never heard the assistant finish")
    pcm = await ulaw_to_pcm(call.heard_since(), 8000, 16000, create_file_resampler())
    return heard(pcm)


def sounds_like(text: str, expected: str) -> bool:
    """The phone's 8 kHz μ-law blurs a word or two for the transcriber."""
    return SequenceMatcher(None, text.lower(), expected.lower()).ratio() > 0.7


async def until(check: Any, limit: float = 15.0) -> None:
    deadline = time.monotonic() + limit
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("waited in vain")
        await asyncio.sleep(0.05)


def inbound_form(call: FakeCall, twilio: FakeTwilio) -> dict[str, str]:
    return {**twilio.call_form(call, "inbound"), "CallStatus": "ringing"}


# Importing a number.


async def test_importing_a_number_points_its_voice_url_at_voxgate(
    client: httpx.AsyncClient, twilio: FakeTwilio
) -> None:
    number = await import_number(client, name="Front line")
    assert_matches(number, "TwilioPhoneNumber")
    assert number["twilioAuthToken"] != AUTH_TOKEN and number["twilioAuthToken"].endswith("ests")
    assert twilio.numbers[NUMBER]["voice_url"] == INBOUND_URL
    listed, pointed = twilio.requests
    assert (listed.method, listed.form) == ("GET", {"PhoneNumber": NUMBER, "PageSize": "1"})
    assert pointed.method == "POST" and pointed.path.endswith(
        f"/IncomingPhoneNumbers/{twilio.numbers[NUMBER]['sid']}.json"
    )
    assert pointed.form == {"VoiceUrl": INBOUND_URL, "VoiceMethod": "POST"}
    assert {r.auth for r in twilio.requests} == {(ACCOUNT_SID, AUTH_TOKEN)}

    # A rename asks Twilio nothing; a new number is checked again, and refused if not held.
    path = f"/phone-number/{number['id']}"
    renamed = await client.patch(path, json={"name": "Night line"})
    assert renamed.status_code == 200 and len(twilio.requests) == 2
    moved = await client.patch(path, json={"number": "+15550009999"})
    assert moved.status_code == 400
    assert moved.json()["message"] == "Number Not Found on Twilio."
    assert (await client.get(path)).json() == renamed.json()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"number": "+15550009999"}, "Number Not Found on Twilio."),
        ({"twilioAuthToken": "not-the-token"}, "Twilio did not accept the credentials"),
        ({"twilioAccountSid": "AC" + "9" * 32}, "Twilio did not accept the credentials"),
    ],
)
async def test_a_number_twilio_does_not_confirm_is_not_stored(
    client: httpx.AsyncClient, twilio: FakeTwilio, fields: dict[str, str], message: str
) -> None:
    body = {"provider": "twilio", "number": NUMBER, "twilioAccountSid": ACCOUNT_SID}
    response = await client.post("/phone-number", json={**body, "twilioAuthToken": AUTH_TOKEN,
                                                        **fields})  # fmt: skip
    assert response.status_code == 400, response.text
    assert response.json()["message"].startswith(message)
    assert "not-the-token" not in response.text
    assert (await client.get("/phone-number")).json() == []
    assert twilio.numbers[NUMBER]["voice_url"] == ""


async def test_twilio_unreachable_is_a_502_and_nothing_is_stored(
    client: httpx.AsyncClient, twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOXGATE_TWILIO_API_URL", "http://127.0.0.1:9")  # nothing listens
    get_settings.cache_clear()
    body = {"provider": "twilio", "number": NUMBER, "twilioAccountSid": ACCOUNT_SID,
            "twilioAuthToken": AUTH_TOKEN}  # fmt: skip
    response = await client.post("/phone-number", json=body)
    assert response.status_code == 502, response.text
    assert response.json()["message"].startswith("Twilio could not be reached")
    assert (await client.get("/phone-number")).json() == []


# Inbound calls.


async def test_a_call_to_a_number_with_an_assistant_is_answered_by_it(
    client: httpx.AsyncClient, twilio: FakeTwilio, llm: FakeLLM
) -> None:
    number = await import_number(client, assistantId=await front_desk(client, llm))
    call, answer = await twilio.ring(NUMBER, CUSTOMER)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/xml"
    stored = await only_call(client)
    assert call.stream_url() == f"wss://voxgate.test/twilio/stream/{stored['id']}"
    assert stored["type"] == "inboundPhoneCall" and stored["phoneNumberId"] == number["id"]
    assert stored["customer"] == {"number": CUSTOMER}
    assert stored["assistantId"] == number["assistantId"]
    assert (stored["phoneCallProvider"], stored["phoneCallTransport"]) == ("twilio", "pstn")
    assert stored["phoneCallProviderId"] == call.sid
    assert set(stored["monitor"]) == {"listenUrl", "controlUrl"}

    assert sounds_like(await greeting_heard(call), GREETING)
    await call.hang_up()
    done = await ended(client, stored["id"])
    assert_matches(done, "Call")
    assert done["endedReason"] == "customer-ended-call"
    assert not [u for u in call.updates if u.get("Status") == "completed"]  # nothing to hang up


async def test_a_call_over_the_orgs_concurrency_limit_is_not_answered(
    client: httpx.AsyncClient, twilio: FakeTwilio, llm: FakeLLM
) -> None:
    assistant_id = await front_desk(client, llm)
    await import_number(client, assistantId=assistant_id)
    body = {"assistantId": assistant_id, "transport": {"provider": "vapi.websocket"}}
    waiting = (await client.post("/call", json=body)).json()  # queued: it holds the org's slot
    settings = get_settings()
    settings.max_concurrent_calls_per_org = 1
    try:
        call, answer = await twilio.ring(NUMBER, CUSTOMER)
    finally:
        settings.max_concurrent_calls_per_org = None
    assert [element.tag for element in ET.fromstring(answer.text)] == ["Hangup"]
    assert call.ws is None  # no media stream: nobody answers
    [refused] = [c for c in (await client.get("/call")).json() if c["id"] != waiting["id"]]
    assert_matches(refused, "Call")
    assert (refused["type"], refused["status"]) == ("inboundPhoneCall", "ended")
    assert refused["endedReason"] == "call.start.error-subscription-concurrency-limit-reached"


async def test_a_number_without_an_assistant_asks_its_server(
    client: httpx.AsyncClient, twilio: FakeTwilio, llm: FakeLLM, webhook: FakeWebhook
) -> None:
    assistant = {"name": "Night desk", "firstMessage": "Good evening.", "model": fake_model(llm)}
    webhook.answers["assistant-request"] = {"assistant": assistant}
    number = await import_number(client, server={"url": webhook.url, "secret": "s" * 20})
    call, _ = await twilio.ring(NUMBER, CUSTOMER)

    assert sounds_like(await greeting_heard(call), "Good evening.")
    [sent] = webhook.of_type("assistant-request")
    assert_matches(sent.message, "ServerMessageAssistantRequest")
    assert sent.message["customer"] == {"number": CUSTOMER}
    shown = sent.message["phoneNumber"]
    assert shown["number"] == NUMBER and shown["provider"] == "twilio"
    assert "twilioAuthToken" not in shown and AUTH_TOKEN.encode() not in sent.body
    assert sent.message["call"]["phoneNumberId"] == number["id"]

    await call.hang_up()
    done = await ended(client, (await only_call(client))["id"])
    assert done["assistant"]["name"] == "Night desk"
    assert done["endedReason"] == "customer-ended-call"


async def test_a_failed_assistant_request_sends_the_caller_to_the_fallback(
    client: httpx.AsyncClient, twilio: FakeTwilio, webhook: FakeWebhook
) -> None:
    webhook.answers["assistant-request"] = "this is not json"
    await import_number(client, server={"url": webhook.url}, fallbackDestination=FALLBACK)
    call, _ = await twilio.ring(NUMBER, CUSTOMER)

    await until(lambda: call.updates)
    [redirect] = call.updates
    dial = ET.fromstring(redirect["Twiml"]).find("./Dial/Number")
    assert dial is not None and dial.text == FALLBACK["number"]
    done = await ended(client, (await only_call(client))["id"])
    assert_matches(done, "Call")
    assert done["endedReason"] == "assistant-request-failed"
    await asyncio.wait_for(call.stream_closed.wait(), 10)


async def test_a_destination_from_the_server_forwards_the_caller_there(
    client: httpx.AsyncClient, twilio: FakeTwilio, webhook: FakeWebhook
) -> None:
    destination = {"type": "sip", "sipUri": "sip:desk@pbx.example.com"}
    webhook.answers["assistant-request"] = {"destination": destination}
    await import_number(client, server={"url": webhook.url}, fallbackDestination=FALLBACK)
    call, _ = await twilio.ring(NUMBER, CUSTOMER)

    await until(lambda: call.updates)
    [redirect] = call.updates  # the server's destination, not the fallback
    sip = ET.fromstring(redirect["Twiml"]).find("./Dial/Sip")
    assert sip is not None and sip.text == destination["sipUri"]
    done = await ended(client, (await only_call(client))["id"])
    assert_matches(done, "Call")
    assert done["endedReason"] == "assistant-request-returned-forwarding-phone-number"
    assert done["destination"] == destination
    assert not [u for u in call.updates if u.get("Status") == "completed"]  # handed on, not hung up


@pytest.mark.parametrize("fallback", [None, FALLBACK], ids=["hang-up", "fallback"])
async def test_a_number_with_no_assistant_and_no_server(
    client: httpx.AsyncClient, twilio: FakeTwilio, fallback: dict[str, str] | None
) -> None:
    await import_number(client, **({"fallbackDestination": fallback} if fallback else {}))
    call, answer = await twilio.ring(NUMBER, CUSTOMER)
    assert answer.status_code == 200 and call.ws is None
    twiml = ET.fromstring(answer.text)
    if fallback is None:
        assert [element.tag for element in twiml] == ["Hangup"]
    else:
        dial = twiml.find("./Dial/Number")
        assert dial is not None and dial.text == FALLBACK["number"]
    stored = await only_call(client)
    assert stored["status"] == "ended" and stored["endedReason"] == NO_SERVER
    assert stored["phoneCallProviderId"] == call.sid


async def test_a_call_to_a_number_voxgate_does_not_know_is_a_404(
    client: httpx.AsyncClient, twilio: FakeTwilio
) -> None:
    await import_number(client)
    twilio.add_number("+15550004444")  # on the account, never imported
    twilio.numbers["+15550004444"]["voice_url"] = INBOUND_URL
    _, answer = await twilio.ring("+15550004444", CUSTOMER)
    assert answer.status_code == 404
    assert (await client.get("/call")).json() == []


async def test_forged_and_replayed_webhooks_are_refused(
    client: httpx.AsyncClient, twilio: FakeTwilio
) -> None:
    await import_number(client)
    call = FakeCall(twilio, sid("CA"), NUMBER, CUSTOMER, "")
    forged = await twilio.post(INBOUND_URL, inbound_form(call, twilio), signature="forged")
    assert forged.status_code == 403
    assert forged.json()["message"] == "Invalid Twilio signature."
    assert (await client.get("/call")).json() == []

    first = await twilio.post(INBOUND_URL, inbound_form(call, twilio))
    assert first.status_code == 200
    stored = await only_call(client)
    again = await twilio.post(INBOUND_URL, inbound_form(call, twilio))  # signed, and replayed
    assert again.status_code == 409
    assert (await client.get("/call")).json() == [stored]


async def test_a_webhook_replayed_at_the_same_instant_stores_one_call(
    client: httpx.AsyncClient, twilio: FakeTwilio
) -> None:
    # Both requests may find no call stored yet; the carrier's id is unique all the same.
    await import_number(client)
    call = FakeCall(twilio, sid("CA"), NUMBER, CUSTOMER, "")
    form = inbound_form(call, twilio)
    answers = await asyncio.gather(*(twilio.post(INBOUND_URL, form) for _ in range(4)))
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
    assert {a.json()["message"] for a in answers if a.status_code == 409} == {
        "This call has been received already."
    }
    await only_call(client)


async def test_a_forged_media_stream_is_refused(
    client: httpx.AsyncClient, twilio: FakeTwilio, llm: FakeLLM
) -> None:
    await import_number(client, assistantId=await front_desk(client, llm))
    call = FakeCall(twilio, sid("CA"), NUMBER, CUSTOMER, "")
    twilio.calls[call.sid] = call
    call.twiml = (await twilio.post(INBOUND_URL, inbound_form(call, twilio))).text
    with pytest.raises(InvalidStatus):
        await call.open_stream(signature="forged")
    stored = await only_call(client)
    assert stored["status"] == "ringing" and "startedAt" not in stored

    await call.open_stream()  # Twilio's own, signed: the call runs
    assert sounds_like(await greeting_heard(call), GREETING)
    await call.hang_up()
    assert (await ended(client, stored["id"]))["endedReason"] == "customer-ended-call"


async def test_a_call_whose_stream_never_opens_expires(
    client: httpx.AsyncClient, twilio: FakeTwilio, llm: FakeLLM, live_server: LiveServer
) -> None:
    await import_number(client, assistantId=await front_desk(client, llm))
    call = FakeCall(twilio, sid("CA"), NUMBER, CUSTOMER, "")
    answered = await twilio.post(INBOUND_URL, inbound_form(call, twilio))  # the caller hangs up
    assert answered.status_code == 200 and (await only_call(client))["status"] == "ringing"
    await live_server.run(end_unconnected(0.001, live_calls))  # the server's sweep, at once
    stored = await only_call(client)
    assert stored["status"] == "ended"
    assert stored["endedReason"] == "call.in-progress.error-providerfault-transport-never-connected"
