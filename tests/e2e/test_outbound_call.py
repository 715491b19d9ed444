"""Outbound phone calls through Twilio, all on loopback: `POST /call` dials through the Twilio
fake's REST API, the callee answers (status callbacks, then the media stream) or does not, and
the call is stored, heard and hung up as a user of Vapi would see it."""

import asyncio
import time
from datetime import UTC, datetime, timedelta
from difflib import SequenceMatcher
from typing import Any

import httpx
import numpy as np
import pytest
import soxr
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from tests.e2e.caller import fixture_pcm, ulaw_to_pcm
from tests.e2e.conftest import REPLY
from tests.e2e.fake_llm import FakeLLM
from tests.e2e.phone import CUSTOMER, NUMBER, import_number
from tests.e2e.test_assistant_request import heard, set_org_server
from tests.e2e.test_websocket_call import GREETING, PROMPT, ended, fake_model
from tests.support.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeCall, FakeTwilio
from tests.support.fake_webhook import fake_webhook
from tests.support.reference import assert_matches
from tests.support.server import LiveServer
from voxgate.config import get_settings
from voxgate.control.call import expiry
from voxgate.db.models import Call as CallRow

pytestmark = pytest.mark.db
PUBLIC = "https://voxgate.test"


async def assistant_id(client: httpx.AsyncClient, llm: FakeLLM, **fields: Any) -> str:
    body = {
        "name": "Front desk",
        "firstMessage": GREETING,
        "model": fake_model(llm, messages=[{"role": "system", "content": PROMPT}]),
        **fields,
    }
    created = await client.post("/assistant", json=body)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def place(
    client: httpx.AsyncClient,
    llm: FakeLLM,
    assistant: dict[str, Any] | None = None,
    number: dict[str, Any] | None = None,
    **call: Any,
) -> dict[str, Any]:
    """A call of the front desk from `number` (else the imported number) to `CUSTOMER`, created."""
    number = number or await import_number(client)
    body = {
        "assistantId": await assistant_id(client, llm, **(assistant or {})),
        "phoneNumberId": number["id"],
        "customer": {"number": CUSTOMER},
        **call,
    }
    response = await client.post("/call", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def dialed(twilio: FakeTwilio) -> FakeCall:
    return await asyncio.wait_for(twilio.dialed.get(), 15)


async def stored(client: httpx.AsyncClient, call_id: str) -> dict[str, Any]:
    body: dict[str, Any] = (await client.get(f"/call/{call_id}")).json()
    return body


def text_of(ulaw: bytes) -> str:
    """What the callee heard (8 kHz μ-law), as the offline transcriber reads it at 16 kHz."""
    pcm8k = np.frombuffer(ulaw_to_pcm(ulaw), dtype=np.int16)
    pcm16k = soxr.resample(pcm8k, 8000, 16000).astype(np.int16)
    return heard(pcm16k.tobytes()).lower()


def sounds_like(heard: str, said: str) -> bool:
    """The phone's 8 kHz μ-law costs the offline transcriber a word here and there."""
    return SequenceMatcher(None, heard, said.lower()).ratio() > 0.7


def pcm_8k(name: str) -> bytes:
    pcm16k = np.frombuffer(fixture_pcm(name), dtype=np.int16)
    return bytes(soxr.resample(pcm16k, 16000, 8000).astype(np.int16).tobytes())


async def quiet(call: FakeCall, after: float, gap: float = 0.8, limit: float = 30) -> None:
    """Until audio sent after `after` has started and then stopped for `gap` seconds."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        times = [at for at, _ in call.heard if at >= after]
        if times and time.monotonic() - times[-1] > gap:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the callee heard nothing, or it never stopped")


async def until_ended(client: httpx.AsyncClient, call_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        call = await stored(client, call_id)
        if call["status"] == "ended":
            return call
        await asyncio.sleep(0.1)
    raise AssertionError("the call never ended")


async def test_a_whole_outbound_call(
    client: httpx.AsyncClient, llm: FakeLLM, twilio: FakeTwilio
) -> None:
    call = await place(client, llm)
    assert_matches(call, "Call")
    assert {k: call[k] for k in ("type", "status", "phoneCallProvider", "phoneCallTransport")} == {
        "type": "outboundPhoneCall", "status": "queued",
        "phoneCallProvider": "twilio", "phoneCallTransport": "pstn",
    }  # fmt: skip
    assert set(call["monitor"]) == {"listenUrl", "controlUrl"}
    assert "transport" not in call

    phone = await dialed(twilio)
    assert (phone.to, phone.from_) == (CUSTOMER, NUMBER)
    assert f'url="wss://voxgate.test/twilio/stream/{call["id"]}"' in phone.twiml
    assert phone.status_callback == f"{PUBLIC}/twilio/status/{call['id']}"
    [create] = [r for r in twilio.requests if r.path.endswith("/Calls.json")]
    assert create.auth == (ACCOUNT_SID, AUTH_TOKEN)
    assert "MachineDetection" not in create.form  # the assistant asked for no detection
    assert call["phoneCallProviderId"] == phone.sid

    await phone.answer()
    assert (await stored(client, call["id"]))["status"] in ("ringing", "in-progress")
    await quiet(phone, 0)
    assert sounds_like(text_of(phone.heard_since(0)), GREETING)
    assert (await stored(client, call["id"]))["status"] == "in-progress"

    await phone.say(pcm_8k("weather-today.wav"))
    spoke = time.monotonic()
    while not phone.heard_since(spoke) and time.monotonic() - spoke < 15:
        await phone.say(b"\x00" * 1600)  # a line is never silent: 0.1 s of silence
    await quiet(phone, spoke)
    assert sounds_like(text_of(phone.heard_since(spoke)), REPLY)

    control = twilio.to_live(call["monitor"]["controlUrl"])
    async with httpx.AsyncClient() as http:
        assert (await http.post(control, json={"type": "end-call"})).status_code == 200
    await asyncio.wait_for(phone.stream_closed.wait(), 15)
    assert {"Status": "completed"} in phone.updates  # hung up through Twilio's REST API

    done = await ended(client, call["id"])
    assert_matches(done, "Call")
    assert done["endedReason"] == "manually-canceled"
    assert done["startedAt"] <= done["endedAt"]
    transcript = done["artifact"]["transcript"]
    assert transcript.startswith(f"AI: {GREETING}") and "sunny" in transcript.lower()


async def test_the_customer_hangs_up(
    client: httpx.AsyncClient, llm: FakeLLM, twilio: FakeTwilio
) -> None:
    call = await place(client, llm)
    phone = await dialed(twilio)
    await phone.answer()
    await quiet(phone, 0)
    await phone.hang_up()
    done = await ended(client, call["id"])
    assert_matches(done, "Call")
    assert done["endedReason"] == "customer-ended-call"
    assert not [u for u in phone.updates if u.get("Status") == "completed"]  # nothing to hang up


@pytest.mark.parametrize(
    ("callee", "reason"),
    [
        ("busy", "customer-busy"),
        ("no_answer", "customer-did-not-answer"),
        ("fail", "twilio-failed-to-connect-call"),
    ],
)
async def test_a_call_nobody_answers_ends_and_is_reported(
    client: httpx.AsyncClient, llm: FakeLLM, twilio: FakeTwilio, callee: str, reason: str
) -> None:
    with fake_webhook() as webhook:
        await set_org_server(client, {"url": webhook.url})
        call = await place(client, llm)
        phone = await dialed(twilio)
        await getattr(phone, callee)()
        done = await until_ended(client, call["id"])
        assert_matches(done, "Call")
        assert done["endedReason"] == reason and done["endedAt"] >= done["createdAt"]
        assert "startedAt" not in done and "artifact" not in done

        [report] = await webhook.wait_for("end-of-call-report")
        assert_matches(report.message, "ServerMessageEndOfCallReport")
        assert report.message["endedReason"] == reason
        statuses = [r.message["status"] for r in webhook.of_type("status-update")]
    assert statuses == (["ringing", "ended"] if callee != "fail" else ["ended"])


async def test_twilio_refusing_the_dial_is_a_400_and_leaves_no_call(
    client: httpx.AsyncClient, llm: FakeLLM, twilio: FakeTwilio
) -> None:
    number = await import_number(client)
    twilio.refuse_dial = (400, "The 'To' number +15550002222 is not a valid phone number.")
    body = {
        "assistantId": await assistant_id(client, llm),
        "phoneNumberId": number["id"],
        "customer": {"number": CUSTOMER},
    }
    response = await client.post("/call", json=body)
    assert response.status_code == 400
    assert response.json() == {
        "message": "Couldn't Create Twilio Call. Twilio Error: Unable to create record: "
        "The 'To' number +15550002222 is not a valid phone number.",
        "error": "Bad Request",
        "statusCode": 400,
    }
    assert (await client.get("/call")).json() == []


async def test_a_forged_status_callback_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, llm: FakeLLM, twilio: FakeTwilio
) -> None:
    call = await place(client, llm)
    phone = await dialed(twilio)
    before = await stored(client, call["id"])
    form = {**twilio.call_form(phone), "CallStatus": "busy"}
    forged = await twilio.post(phone.status_callback or "", form, signature="Zm9yZ2Vk")
    assert forged.status_code == 403
    # Signed with another account's token: as forged.
    twilio.auth_token = "someone-else"
    other = await twilio.post(phone.status_callback or "", form)
    twilio.auth_token = AUTH_TOKEN
    assert other.status_code == 403
    assert await stored(client, call["id"]) == before
    await phone.no_answer()  # the real callee ends it
    assert (await until_ended(client, call["id"]))["endedReason"] == "customer-did-not-answer"


async def test_a_replayed_or_late_callback_changes_nothing(
    client: httpx.AsyncClient, llm: FakeLLM, twilio: FakeTwilio
) -> None:
    call = await place(client, llm)
    phone = await dialed(twilio)
    await phone.busy()
    done = await until_ended(client, call["id"])
    for status in ("ringing", "busy", "no-answer", "completed"):
        response = await phone.report(status)
        assert response is not None and response.status_code == 204
    assert await stored(client, call["id"]) == done


async def test_a_batch_dials_each_customer_and_reports_the_failures(
    client: httpx.AsyncClient, llm: FakeLLM, twilio: FakeTwilio
) -> None:
    number = await import_number(client)
    twilio.refuse_dial = (400, "Account not authorized to call +15550003333.")
    guest = {"number": CUSTOMER, "assistantOverrides": {"variableValues": {"guest": "Ada"}}}
    customers = [{"number": "+15550003333"}, guest, {"number": "555-0101"}]
    body = {
        "assistantId": await assistant_id(client, llm),
        "assistantOverrides": {"variableValues": {"hotel": "Ritz"}},
        "phoneNumberId": number["id"],
        "customers": customers,
    }
    response = await client.post("/call", json=body)
    assert response.status_code == 201, response.text
    batch = response.json()
    assert_matches(batch, "CallBatchResponse")
    [placed] = batch["results"]
    assert placed["customer"] == guest and "customers" not in placed
    # The customer's own overrides are laid over the call's.
    assert placed["assistantOverrides"] == {"variableValues": {"hotel": "Ritz", "guest": "Ada"}}
    assert [(e["customer"]["number"], e["error"][:40]) for e in batch["errors"]] == [
        ("+15550003333", "Couldn't Create Twilio Call. Twilio Erro"),
        ("555-0101", "customer.number must be a valid phone nu"),
    ]
    phone = await dialed(twilio)
    assert phone.to == CUSTOMER and placed["phoneCallProviderId"] == phone.sid
    assert [c["id"] for c in (await client.get("/call")).json()] == [placed["id"]]
    await phone.no_answer()
    await until_ended(client, placed["id"])


async def test_a_scheduled_call_is_dialed_at_earliest_at(
    client: httpx.AsyncClient, llm: FakeLLM, twilio: FakeTwilio
) -> None:
    number = await import_number(client)
    body = {"assistantId": await assistant_id(client, llm), "phoneNumberId": number["id"],
            "customer": {"number": CUSTOMER}}  # fmt: skip
    # Time enough for the create (its first check loads the offline transcriber).
    earliest = datetime.now(UTC) + timedelta(seconds=5)
    plan = {"earliestAt": earliest.isoformat().replace("+00:00", "Z")}
    response = await client.post("/call", json={**body, "schedulePlan": plan})
    assert response.status_code == 201, response.text
    call = response.json()
    assert_matches(call, "Call")
    assert call["status"] == "scheduled" and "phoneCallProviderId" not in call
    phone = await dialed(twilio)
    assert datetime.now(UTC) >= earliest
    assert phone.to == CUSTOMER
    now = await stored(client, call["id"])
    while "phoneCallProviderId" not in now:  # stored once Twilio's answer is back
        await asyncio.sleep(0.05)
        now = await stored(client, call["id"])
    assert now["status"] == "queued" and now["phoneCallProviderId"] == phone.sid
    assert twilio.dialed.empty()  # dialed once
    await phone.busy()
    assert (await until_ended(client, call["id"]))["endedReason"] == "customer-busy"


async def test_a_scheduled_call_whose_window_passed_ends_undialed(
    client: httpx.AsyncClient, llm: FakeLLM, twilio: FakeTwilio
) -> None:
    plan = {"earliestAt": "2099-01-01T09:00:00Z", "latestAt": "2099-01-01T10:00:00Z"}
    call = await place(client, llm, schedulePlan=plan)
    # The window closes: as if the server had been down through it.
    passed = {**plan, "earliestAt": "2020-01-01T09:00:00Z", "latestAt": "2020-01-01T10:00:00Z"}
    engine = create_async_engine(get_settings().resolved_database_url)
    async with AsyncSession(engine) as session:
        row = await session.get(CallRow, call["id"])
        assert row is not None
        data = {**row.data, "schedulePlan": passed}
        await session.execute(update(CallRow).where(CallRow.id == row.id).values(data=data))
        await session.commit()
    await engine.dispose()
    done = await until_ended(client, call["id"])
    assert_matches(done, "Call")
    assert done["endedReason"] == "scheduled-call-deleted"
    assert twilio.dialed.empty() and not [r for r in twilio.requests if "Calls" in r.path]


async def test_voicemail_gets_the_message_then_the_call_hangs_up(
    client: httpx.AsyncClient, llm: FakeLLM, twilio: FakeTwilio
) -> None:
    assistant = {
        "voicemailDetection": {"provider": "twilio", "machineDetectionTimeout": 20},
        "voicemailMessage": "Please call the hotel back.",
    }
    call = await place(client, llm, assistant)
    phone = await dialed(twilio)
    assert {k: phone.form.get(k) for k in ("MachineDetection", "AsyncAmd")} == {
        "MachineDetection": "DetectMessageEnd", "AsyncAmd": "true",
    }  # fmt: skip
    assert phone.form["AsyncAmdStatusCallback"] == f"{PUBLIC}/twilio/amd/{call['id']}"
    assert phone.form["MachineDetectionTimeout"] == "20"
    await phone.answer()
    await quiet(phone, 0)
    assert (await phone.amd("machine_end_beep")).status_code == 204
    await asyncio.wait_for(phone.stream_closed.wait(), 20)
    assert sounds_like(text_of(phone.heard_since(0)), f"{GREETING} Please call the hotel back.")
    assert {"Status": "completed"} in phone.updates
    done = await ended(client, call["id"])
    assert done["endedReason"] == "voicemail"


async def test_a_human_answering_changes_nothing(
    client: httpx.AsyncClient, llm: FakeLLM, twilio: FakeTwilio
) -> None:
    call = await place(client, llm, {"voicemailDetection": {"provider": "twilio"}})
    phone = await dialed(twilio)
    await phone.answer()
    await quiet(phone, 0)
    assert (await phone.amd("human")).status_code == 204
    assert (await stored(client, call["id"]))["status"] == "in-progress"
    await phone.hang_up()
    assert (await ended(client, call["id"]))["endedReason"] == "customer-ended-call"


async def test_a_transient_number_dials_a_number_as_written(
    client: httpx.AsyncClient, llm: FakeLLM, twilio: FakeTwilio
) -> None:
    number = {
        "twilioPhoneNumber": NUMBER, "twilioAccountSid": ACCOUNT_SID, "twilioAuthToken": AUTH_TOKEN,
    }  # fmt: skip
    body = {
        "assistantId": await assistant_id(client, llm),
        "phoneNumber": number,
        "customer": {"number": "5550101", "numberE164CheckEnabled": False},
    }
    response = await client.post("/call", json=body)
    assert response.status_code == 201, response.text
    call = response.json()
    assert_matches(call, "Call")
    assert call["phoneNumber"]["twilioAuthToken"] != AUTH_TOKEN  # masked
    assert call["phoneNumber"]["twilioAuthToken"].endswith(AUTH_TOKEN[-4:])
    phone = await dialed(twilio)
    assert (phone.to, phone.from_) == ("5550101", NUMBER)
    await phone.no_answer()  # signed with the transient number's token: accepted
    assert (await until_ended(client, call["id"]))["endedReason"] == "customer-did-not-answer"


async def test_a_phone_call_nobody_hears_from_ends_after_the_ring_timeout(
    client: httpx.AsyncClient, llm: FakeLLM, twilio: FakeTwilio, live_server: LiveServer
) -> None:
    silent = await place(client, llm)  # Twilio never calls back about this one
    await dialed(twilio)
    ringing = await place(client, llm)
    await (await dialed(twilio)).report("ringing")
    assert (await stored(client, ringing["id"]))["status"] == "ringing"
    # The websocket connect timeout is not a phone call's.
    await live_server.run(expiry.end_unconnected(0.0, set()))
    assert (await stored(client, silent["id"]))["status"] == "queued"

    assert await live_server.run(expiry.end_unanswered(0.0)) >= 2
    quiet_end, ringing_end = [await stored(client, c["id"]) for c in (silent, ringing)]
    assert quiet_end["endedReason"] == "twilio-failed-to-connect-call"
    assert ringing_end["endedReason"] == "customer-did-not-answer"
