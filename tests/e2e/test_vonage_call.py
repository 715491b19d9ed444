"""Vonage, all on loopback (the Vonage fake, tests/support/fake_vonage.py): a credential makes
the account's application, a number of the account is imported and linked to it, calls are
placed through the Voice API and received through the answer webhook, and each is heard over
the websocket (16 kHz L16) and stored as a user of Vapi would see it."""

import asyncio
import json
import time
from difflib import SequenceMatcher
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pipecat.audio.utils import create_file_resampler
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.e2e.caller import fixture_pcm
from tests.e2e.conftest import REPLY
from tests.e2e.dtmf_tones import keys_in
from tests.e2e.fake_llm import FakeLLM
from tests.e2e.phone import CUSTOMER, KEYPAD_PLAN, NUMBER, press_until_heard
from tests.e2e.test_assistant_request import heard, set_org_server
from tests.e2e.test_phone_call import DESK, ask, result_heard, tool_result
from tests.e2e.test_websocket_call import GREETING, PROMPT, ended, fake_model
from tests.support.fake_vonage import API_KEY, API_SECRET, FRAME, RATE, FakeCall, FakeVonage
from tests.support.fake_webhook import fake_webhook
from tests.support.reference import assert_matches
from tests.support.server import LiveServer, free_port
from voxgate.config import get_settings
from voxgate.control.call import expiry

pytestmark = pytest.mark.db
PUBLIC = "https://voxgate.test"
CREDENTIAL = {"provider": "vonage", "apiKey": API_KEY, "apiSecret": API_SECRET}


async def credential(client: httpx.AsyncClient) -> dict[str, Any]:
    created = await client.post("/credential", json=CREDENTIAL)
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def import_number(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    """`NUMBER`, imported with a new credential of the fake account."""
    body = {"provider": "vonage", "number": NUMBER,
            "credentialId": (await credential(client))["id"], **fields}  # fmt: skip
    response = await client.post("/phone-number", json=body)
    assert response.status_code == 201, response.text
    number: dict[str, Any] = response.json()
    return number


async def front_desk(
    client: httpx.AsyncClient, llm: FakeLLM, fields: dict[str, Any] | None = None, **model: Any
) -> str:
    """The front desk assistant (with `fields` on it, `model` on its model), created."""
    messages = [{"role": "system", "content": PROMPT}]
    body = {"name": "Front desk", "firstMessage": GREETING,
            "model": fake_model(llm, messages=messages, **model), **(fields or {})}  # fmt: skip
    created = await client.post("/assistant", json=body)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def place(client: httpx.AsyncClient, llm: FakeLLM) -> dict[str, Any]:
    number = await import_number(client)
    body = {"assistantId": await front_desk(client, llm), "phoneNumberId": number["id"],
            "customer": {"number": CUSTOMER}}  # fmt: skip
    response = await client.post("/call", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def dialed(vonage: FakeVonage) -> FakeCall:
    return await asyncio.wait_for(vonage.dialed.get(), 15)


async def stored(client: httpx.AsyncClient, call_id: str) -> dict[str, Any]:
    body: dict[str, Any] = (await client.get(f"/call/{call_id}")).json()
    return body


async def until_ended(client: httpx.AsyncClient, call_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if (call := await stored(client, call_id))["status"] == "ended":
            return call
        await asyncio.sleep(0.1)
    raise AssertionError("the call never ended")


async def quiet(call: FakeCall, after: float, gap: float = 0.8, limit: float = 30) -> None:
    """Until audio sent after `after` has started and then stopped for `gap` seconds."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        times = [at for at, _ in call.heard if at >= after]
        if times and time.monotonic() - times[-1] > gap:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the phone heard nothing, or it never stopped")


def sounds_like(text: str, said: str) -> bool:
    return SequenceMatcher(None, text.lower(), said.lower()).ratio() > 0.7


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


# The credential: an application for the account's calls.


async def test_a_credential_makes_the_accounts_application(
    client: httpx.AsyncClient, vonage: FakeVonage
) -> None:
    body = await credential(client)
    assert_matches(body, "VonageCredential")
    [app] = vonage.applications.values()
    assert body["vonageApplicationId"] == app["id"]
    key = body["vonageApplicationPrivateKey"]
    assert "PRIVATE KEY" not in key and set(key[:-4]) == {"*"}  # masked
    assert body["apiSecret"] == "*" * 20 + API_SECRET[-4:]
    [made] = vonage.requests
    assert (made.method, made.path, made.auth) == (
        "POST",
        "/v2/applications",
        (API_KEY, API_SECRET),
    )
    hooks = app["capabilities"]["voice"]["webhooks"]
    answer, event = hooks["answer_url"], hooks["event_url"]
    assert answer["address"].startswith(f"{PUBLIC}/vonage/answer?token=")
    assert event["address"].startswith(f"{PUBLIC}/vonage/event?token=")
    assert answer["http_method"] == event["http_method"] == "POST"
    assert len(token_of(answer["address"])) >= 43  # 256 bits
    assert "BEGIN PUBLIC KEY" in app["keys"]["public_key"]
    assert (await client.get(f"/credential/{body['id']}")).json() == body


async def test_a_key_vonage_refuses_is_a_400_naming_the_fix(
    client: httpx.AsyncClient, vonage: FakeVonage
) -> None:
    response = await client.post("/credential", json={**CREDENTIAL, "apiSecret": "wrong"})
    assert response.status_code == 400, response.text
    message = response.json()["message"]
    assert message.startswith("Vonage did not accept the credentials (Vonage Error: Invalid")
    assert "check `apiKey` and `apiSecret`" in message
    assert (await client.get("/credential")).json() == [] and not vonage.applications


async def test_vonage_unreachable_is_a_502_and_nothing_is_stored(
    client: httpx.AsyncClient, vonage: FakeVonage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOXGATE_VONAGE_API_URL", f"http://127.0.0.1:{free_port()}")
    get_settings.cache_clear()
    response = await client.post("/credential", json=CREDENTIAL)
    assert response.status_code == 502, response.text
    assert response.json()["message"].startswith("Vonage could not be reached")
    assert (await client.get("/credential")).json() == []


async def test_connecting_again_gives_the_same_application_a_new_key(
    client: httpx.AsyncClient, llm: FakeLLM, vonage: FakeVonage
) -> None:
    number = await import_number(client, assistantId=await front_desk(client, llm))
    [app] = vonage.applications.values()
    before = {**app}
    old_answer = vonage.answer_url(NUMBER[1:])
    vonage.api_secret = "Rotated-Secret-9876543210"
    path = f"/credential/{number['credentialId']}"
    patched = await client.patch(path, json={"apiSecret": vonage.api_secret})
    assert patched.status_code == 200, patched.text
    assert patched.json()["vonageApplicationId"] == app["id"] and len(vonage.applications) == 1
    after = vonage.applications[app["id"]]
    assert after["keys"]["public_key"] != before["keys"]["public_key"]
    assert vonage.requests[-1].method == "PUT"  # replaced in place
    assert vonage.answer_url(NUMBER[1:]) != old_answer  # a new token
    ring = {"to": NUMBER[1:], "from": CUSTOMER[1:], "uuid": "replayed-uuid"}
    assert (await vonage.post(old_answer, ring)).status_code == 403  # the old one is dead
    phone, answered = await vonage.ring(NUMBER, CUSTOMER)  # still linked, new token
    assert answered.status_code == 200, answered.text
    await quiet(phone, 0)
    await phone.hang_up()


# Numbers.


async def test_importing_a_number_links_it_to_the_application(
    client: httpx.AsyncClient, vonage: FakeVonage
) -> None:
    number = await import_number(client, name="Front line")
    assert_matches(number, "VonagePhoneNumber")
    [app] = vonage.applications.values()
    assert vonage.numbers[NUMBER[1:]]["app_id"] == app["id"]
    listed, linked = vonage.requests[1:]
    assert (listed.method, listed.path, listed.body["pattern"]) == ("GET", "/account/numbers",
                                                                    NUMBER[1:])  # fmt: skip
    assert linked.body == {"country": "US", "msisdn": NUMBER[1:], "app_id": app["id"]}


async def test_a_number_the_account_does_not_hold_is_a_400(
    client: httpx.AsyncClient, vonage: FakeVonage
) -> None:
    body = {"provider": "vonage", "number": "+15550009999",
            "credentialId": (await credential(client))["id"]}  # fmt: skip
    response = await client.post("/phone-number", json=body)
    assert response.status_code == 400
    assert response.json()["message"] == "Number Not Found on Vonage."
    assert (await client.get("/phone-number")).json() == []


# Outbound calls.


async def test_a_whole_outbound_call(
    client: httpx.AsyncClient, llm: FakeLLM, vonage: FakeVonage
) -> None:
    call = await place(client, llm)
    assert_matches(call, "Call")
    assert (call["status"], call["phoneCallProvider"]) == ("queued", "vonage")
    phone = await dialed(vonage)
    [app] = vonage.applications.values()
    [dial] = [r for r in vonage.requests if r.path == "/v1/calls"]
    assert dial.claims is not None and dial.claims["application_id"] == app["id"]  # RS256
    assert (phone.to, phone.from_) == (CUSTOMER[1:], NUMBER[1:])
    assert phone.stream_url().startswith(f"wss://voxgate.test/vonage/stream/{call['id']}?token=")
    assert phone.event_url and phone.event_url.startswith(f"{PUBLIC}/vonage/event/{call['id']}")
    assert call["phoneCallProviderId"] == phone.uuid

    await phone.answer()
    await quiet(phone, 0)
    assert sounds_like(heard(phone.heard_since(0)), GREETING)
    assert (await stored(client, call["id"]))["status"] == "in-progress"

    await phone.say(fixture_pcm("weather-today.wav"))
    spoke = time.monotonic()
    while not phone.heard_since(spoke) and time.monotonic() - spoke < 15:
        await phone.say(b"\x00" * 3200)  # a line is never silent: 0.1 s of silence
    await quiet(phone, spoke)
    assert sounds_like(heard(phone.heard_since(spoke)), REPLY)
    assert phone.odd_messages() == []  # every message 20 ms, as Vonage takes them

    async with httpx.AsyncClient() as http:
        control = vonage.to_live(call["monitor"]["controlUrl"])
        assert (await http.post(control, json={"type": "end-call"})).status_code == 200
    await asyncio.wait_for(phone.stream_closed.wait(), 15)
    assert {"action": "hangup"} in phone.updates  # hung up through the Voice API
    done = await ended(client, call["id"])
    assert_matches(done, "Call")
    assert done["endedReason"] == "manually-canceled"
    assert done["artifact"]["transcript"].startswith(f"AI: {GREETING}")


async def test_the_customer_hangs_up(
    client: httpx.AsyncClient, llm: FakeLLM, vonage: FakeVonage
) -> None:
    call = await place(client, llm)
    phone = await dialed(vonage)
    await phone.answer()
    await quiet(phone, 0)
    await phone.hang_up()
    done = await ended(client, call["id"])
    assert done["endedReason"] == "customer-ended-call"
    assert phone.updates == []  # nothing to hang up


@pytest.mark.parametrize(
    ("callee", "reason"),
    [
        ("busy", "customer-busy"),
        ("time_out", "customer-did-not-answer"),
        ("reject", "vonage-rejected"),
        ("fail", "vonage-failed-to-connect-call"),
    ],
)
async def test_a_call_nobody_answers_ends_and_is_reported(
    client: httpx.AsyncClient, llm: FakeLLM, vonage: FakeVonage, callee: str, reason: str
) -> None:
    with fake_webhook() as webhook:
        await set_org_server(client, {"url": webhook.url})
        call = await place(client, llm)
        phone = await dialed(vonage)
        await getattr(phone, callee)()
        done = await until_ended(client, call["id"])
        assert_matches(done, "Call")
        assert done["endedReason"] == reason and "startedAt" not in done
        [report] = await webhook.wait_for("end-of-call-report")
        assert report.message["endedReason"] == reason
    # Late or replayed events change nothing.
    for status in ("ringing", "answered", "completed"):
        response = await phone.report(status)
        assert response is not None and response.status_code == 204
    assert await stored(client, call["id"]) == done


async def test_a_call_vonage_never_reports_on_ends_after_the_ring_timeout(
    client: httpx.AsyncClient, llm: FakeLLM, vonage: FakeVonage, live_server: LiveServer
) -> None:
    call = await place(client, llm)
    await dialed(vonage)  # and no event ever comes
    assert await live_server.run(expiry.end_unanswered(0.0)) >= 1
    assert (await stored(client, call["id"]))["endedReason"] == "vonage-failed-to-connect-call"


# Inbound calls.


async def test_a_call_to_a_number_with_an_assistant_is_answered_by_it(
    client: httpx.AsyncClient, llm: FakeLLM, vonage: FakeVonage
) -> None:
    number = await import_number(client, assistantId=await front_desk(client, llm))
    phone, response = await vonage.ring(NUMBER, CUSTOMER)
    assert response.status_code == 200, response.text
    assert phone.stream_url().startswith("wss://voxgate.test/vonage/stream/")
    await quiet(phone, 0)
    assert sounds_like(heard(phone.heard_since(0)), GREETING)
    [call] = (await client.get("/call")).json()
    assert_matches(call, "Call")
    assert {k: call[k] for k in ("type", "status", "phoneNumberId", "phoneCallProvider",
                                 "phoneCallProviderId", "customer")} == {
        "type": "inboundPhoneCall", "status": "in-progress", "phoneNumberId": number["id"],
        "phoneCallProvider": "vonage", "phoneCallProviderId": phone.uuid,
        "customer": {"number": CUSTOMER},
    }  # fmt: skip
    await phone.hang_up()
    assert (await ended(client, call["id"]))["endedReason"] == "customer-ended-call"


async def test_a_number_without_an_assistant_asks_its_server(
    client: httpx.AsyncClient, llm: FakeLLM, vonage: FakeVonage
) -> None:
    assistant = {"name": "Night desk", "firstMessage": "Good evening.", "model": fake_model(llm)}
    with fake_webhook() as webhook:
        webhook.answers["assistant-request"] = {"assistant": assistant}
        await import_number(client, server={"url": webhook.url})
        phone, response = await vonage.ring(NUMBER, CUSTOMER)
        assert response.status_code == 200, response.text
        await quiet(phone, 0)
        assert sounds_like(heard(phone.heard_since(0)), "Good evening.")
        [sent] = webhook.of_type("assistant-request")
        assert sent.message["customer"] == {"number": CUSTOMER}
        shown = sent.message["phoneNumber"]
        assert (shown["provider"], shown["number"]) == ("vonage", NUMBER)
        assert API_SECRET.encode() not in sent.body
        [call] = (await client.get("/call")).json()
        assert call["type"] == "inboundPhoneCall" and "assistantId" not in call
        await phone.hang_up()
        assert (await ended(client, call["id"]))["endedReason"] == "customer-ended-call"
        await webhook.wait_for("end-of-call-report")


async def test_a_number_with_no_assistant_and_no_server_sends_the_caller_to_its_fallback(
    client: httpx.AsyncClient, vonage: FakeVonage
) -> None:
    fallback = {"type": "number", "number": "+15550003333"}
    await import_number(client, fallbackDestination=fallback)
    phone, response = await vonage.ring(NUMBER, CUSTOMER)
    assert response.json() == [
        {"action": "connect", "endpoint": [{"type": "phone", "number": "15550003333"}]}
    ]
    assert phone.ws is None  # no websocket: no assistant answers
    [call] = (await client.get("/call")).json()
    assert_matches(call, "Call")
    assert call["endedReason"] == "call-start-error-neither-assistant-nor-server-set"
    # Without a fallback: an empty NCCO, and Vonage ends the call.
    number = (await client.get("/phone-number")).json()[0]
    path = f"/phone-number/{number['id']}"
    assert (await client.patch(path, json={"fallbackDestination": None})).status_code == 200
    _, response = await vonage.ring(NUMBER, CUSTOMER)
    assert response.status_code == 200 and response.json() == []


# Forged requests.


async def test_forged_webhooks_are_refused_and_change_nothing(
    client: httpx.AsyncClient, llm: FakeLLM, vonage: FakeVonage, live_server: LiveServer
) -> None:
    call = await place(client, llm)
    phone = await dialed(vonage)
    before = await stored(client, call["id"])
    assert phone.event_url
    forged = phone.event_url.split("?")[0] + "?token=" + "A" * 43
    event = {**vonage.event_body(phone), "status": "busy"}
    for url in (forged, phone.event_url.split("?")[0]):
        assert (await vonage.post(url, event)).status_code == 403
    assert await stored(client, call["id"]) == before

    # The websocket with another token is refused before it opens.
    stream = phone.stream_url().split("?")[0] + "?token=" + "A" * 43
    with pytest.raises(InvalidStatus):
        async with connect(vonage.to_live(stream)):
            pass
    # An answer webhook without the application's token stores no call.
    ring = {**vonage.event_body(phone, "inbound"), "to": NUMBER[1:], "uuid": "forged-uuid"}
    answered = await vonage.post(f"{PUBLIC}/vonage/answer?token={'A' * 43}", ring)
    assert answered.status_code == 403
    assert [c["id"] for c in (await client.get("/call")).json()] == [call["id"]]

    await phone.busy()  # the real callee ends it
    assert (await until_ended(client, call["id"]))["endedReason"] == "customer-busy"


# In the call.


async def test_a_transfer_moves_the_call_to_a_connect_ncco_once_the_words_are_played(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, vonage: FakeVonage
) -> None:
    llm.tool_calls = [("transferCall", {"destination": DESK["number"]})]
    tools = [{"type": "transferCall", "destinations": [DESK]}]
    await import_number(client, assistantId=await front_desk(client, llm, tools=tools))
    phone, _ = await vonage.ring(NUMBER, CUSTOMER)
    await quiet(phone, 0)
    [call] = (await client.get("/call")).json()
    asked = await ask(live_server, call["id"], "Can I talk to a person?")
    done = await ended(client, call["id"])

    [update] = phone.updates  # the transfer, and no hang-up after it
    connect_desk = {
        "action": "connect",
        "from": NUMBER[1:],
        "endpoint": [{"type": "phone", "number": "14155550100", "dtmfAnswer": "12"}],
    }
    assert update == {"action": "transfer",
                      "destination": {"type": "ncco", "ncco": [connect_desk]}}  # fmt: skip
    assert phone.unplayed_at_update == [0.0]  # the phone had played the words first
    assert phone.of_action("notify")
    assert "front" in heard(phone.heard_since(asked)).lower()
    assert_matches(done, "Call")
    assert done["endedReason"] == "assistant-forwarded-call" and done["destination"] == DESK


async def test_the_dtmf_tool_plays_the_keys_into_the_call(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, vonage: FakeVonage
) -> None:
    llm.tool_calls = [("dtmf", {"keys": "1w5#"})]
    tools = [{"type": "dtmf"}]
    await import_number(client, assistantId=await front_desk(client, llm, tools=tools))
    phone, _ = await vonage.ring(NUMBER, CUSTOMER)
    await quiet(phone, 0)
    [call] = (await client.get("/call")).json()
    asked = await ask(live_server, call["id"], "Press one, then five and pound.")
    await quiet(phone, await result_heard(llm))
    assert tool_result(llm) == "Pressed 1w5#."
    pcm8k = await create_file_resampler().resample(phone.heard_since(asked), RATE, 8000)
    assert keys_in(pcm8k) == "15#"
    await phone.hang_up()
    assert (await ended(client, call["id"]))["endedReason"] == "customer-ended-call"


async def keypad_call(client: httpx.AsyncClient, llm: FakeLLM, vonage: FakeVonage) -> FakeCall:
    """A call to the number, answered by an assistant with a keypadInputPlan, greeting done."""
    assistant = await front_desk(client, llm, {"keypadInputPlan": KEYPAD_PLAN})
    await import_number(client, assistantId=assistant)
    phone, _ = await vonage.ring(NUMBER, CUSTOMER)
    await quiet(phone, 0)
    return phone


async def test_keys_the_caller_presses_reach_the_llm_with_a_keypad_input_plan(
    client: httpx.AsyncClient, llm: FakeLLM, vonage: FakeVonage
) -> None:
    phone = await keypad_call(client, llm, vonage)
    await press_until_heard(phone, llm, "1234#", silence=bytes(FRAME))
    await phone.hang_up()
    [call] = (await client.get("/call")).json()
    assert (await ended(client, call["id"]))["endedReason"] == "customer-ended-call"


MALFORMED_KEYS: list[dict[str, Any]] = [
    {"event": "websocket:dtmf"},  # no digit
    {"event": "websocket:dtmf", "digit": "x"},
    {"event": "websocket:dtmf", "digit": ["1"]},
    {"event": "websocket:dtmf", "dtmf": None},
]


async def test_a_malformed_key_event_is_skipped_and_the_call_goes_on(
    client: httpx.AsyncClient, llm: FakeLLM, vonage: FakeVonage
) -> None:
    phone = await keypad_call(client, llm, vonage)
    assert phone.ws is not None
    for event in MALFORMED_KEYS:
        await phone.ws.send(json.dumps(event))
    await phone.ws.send("[1]")  # JSON, but not an event
    await press_until_heard(phone, llm, "7#", silence=bytes(FRAME))  # the call still listens
    [call] = (await client.get("/call")).json()
    assert call["status"] == "in-progress"
    assert not phone.stream_closed.is_set() and {"action": "hangup"} not in phone.updates
    await phone.hang_up()
    assert (await ended(client, call["id"]))["endedReason"] == "customer-ended-call"


async def test_the_caller_talking_over_the_greeting_clears_what_vonage_buffered(
    client: httpx.AsyncClient, llm: FakeLLM, vonage: FakeVonage
) -> None:
    assistant = {"name": "Front desk", "firstMessage": " ".join([GREETING] * 4),
                 "firstMessageInterruptionsEnabled": True, "model": fake_model(llm)}  # fmt: skip
    created = (await client.post("/assistant", json=assistant)).json()
    await import_number(client, assistantId=created["id"])
    phone, _ = await vonage.ring(NUMBER, CUSTOMER)
    while not phone.heard:
        await asyncio.sleep(0.05)
    await phone.say(fixture_pcm("weather-today.wav"))
    deadline = time.monotonic() + 10
    while not phone.of_action("clear") and time.monotonic() < deadline:
        await phone.say(bytes(640))  # a phone line keeps carrying silence
    assert phone.of_action("clear") == [{"action": "clear"}]
    await phone.hang_up()
