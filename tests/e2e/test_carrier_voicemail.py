"""Voicemail detection on Telnyx and Vonage calls, all on loopback: an assistant whose
`voicemailDetection` is Vapi's Twilio plan has the carrier's own answering-machine detection run
on its outbound calls (Telnyx's `answering_machine_detection`, Vonage's
`advanced_machine_detection`); a machine whose greeting has ended hears `voicemailMessage` and
the call ends `voicemail`, a human goes on talking. Twilio's own: test_outbound_call.py."""

import asyncio
from typing import Any

import httpx
import pytest

from tests.e2e.fake_llm import FakeLLM
from tests.e2e.phone import CUSTOMER
from tests.e2e.test_assistant_request import heard
from tests.e2e.test_outbound_call import sounds_like, stored, text_of
from tests.e2e.test_telnyx_call import answered as telnyx_answered
from tests.e2e.test_telnyx_call import dialed as telnyx_dialed
from tests.e2e.test_telnyx_call import place as telnyx_place
from tests.e2e.test_vonage_call import dialed as vonage_dialed
from tests.e2e.test_vonage_call import front_desk, import_number
from tests.e2e.test_vonage_call import quiet as vonage_quiet
from tests.e2e.test_websocket_call import GREETING, ended
from tests.support.fake_telnyx import FakeTelnyx
from tests.support.fake_vonage import FakeCall, FakeVonage

pytestmark = pytest.mark.db
MESSAGE = "Please call the hotel back."
PLAN = {
    "provider": "twilio",
    "machineDetectionTimeout": 20,
    "machineDetectionSpeechThreshold": 2400,
    "machineDetectionSpeechEndThreshold": 1200,
    "machineDetectionSilenceTimeout": 5000,
}
VOICEMAIL = {"voicemailDetection": PLAN, "voicemailMessage": MESSAGE}


# Telnyx.


async def test_telnyx_dials_with_answering_machine_detection_only_when_the_plan_asks(
    client: httpx.AsyncClient, llm: FakeLLM, telnyx: FakeTelnyx
) -> None:
    await telnyx_place(client, telnyx, llm, **VOICEMAIL)
    phone = await telnyx_dialed(telnyx)
    assert phone.amd == {
        "answering_machine_detection": "greeting_end",
        "answering_machine_detection_config": {
            "total_analysis_time_millis": 20000,
            "greeting_duration_millis": 2400,
            "after_greeting_silence_millis": 1200,
            "initial_silence_millis": 5000,
        },
    }
    await telnyx_place(client, telnyx, llm, voicemailDetection={"provider": "twilio"})
    assert (await telnyx_dialed(telnyx)).amd == {"answering_machine_detection": "greeting_end"}
    for plan in ("off", {"provider": "twilio", "enabled": False}, {"provider": "openai"}):
        await telnyx_place(client, telnyx, llm, voicemailDetection=plan)
        assert (await telnyx_dialed(telnyx)).amd == {}
    await telnyx_place(client, telnyx, llm)
    assert (await telnyx_dialed(telnyx)).amd == {}


async def test_telnyx_a_machine_hears_the_message_once_its_greeting_ends(
    client: httpx.AsyncClient, llm: FakeLLM, telnyx: FakeTelnyx
) -> None:
    call, phone = await telnyx_answered(client, telnyx, llm, **VOICEMAIL)
    # A machine, its greeting still going: not yet (the plan waits for its end).
    assert (await phone.machine_detected("machine")).status_code == 204
    await asyncio.sleep(0.5)
    assert (await stored(client, call["id"]))["status"] == "in-progress"
    assert (await phone.greeting_ended("beep_detected")).status_code == 204
    await asyncio.wait_for(phone.stream_closed.wait(), 20)
    assert sounds_like(text_of(phone.heard_since(0)), f"{GREETING} {MESSAGE}")
    assert phone.commanded("hangup") == [{}]  # hung up through call control
    done = await ended(client, call["id"])
    assert done["endedReason"] == "voicemail"


async def test_telnyx_a_human_answering_changes_nothing(
    client: httpx.AsyncClient, llm: FakeLLM, telnyx: FakeTelnyx
) -> None:
    call, phone = await telnyx_answered(client, telnyx, llm, **VOICEMAIL)
    assert (await phone.machine_detected("human")).status_code == 204
    await asyncio.sleep(0.5)
    assert (await stored(client, call["id"]))["status"] == "in-progress"
    assert not phone.stream_closed.is_set() and phone.commanded("hangup") == []
    await phone.hang_up()
    assert (await ended(client, call["id"]))["endedReason"] == "customer-ended-call"


@pytest.mark.parametrize(
    ("types", "verdicts", "reason"),
    [
        # voicemailDetectionTypes keeps Twilio's meaning: a machine, its greeting still going.
        (["machine_start"], [("detection", "machine")], "voicemail"),
        # A greeting over in silence is one of the default types…
        (None, [("detection", "machine"), ("greeting", "ended")], "voicemail"),
        # …one Telnyx is not sure how it ended (machine_end_other) is not.
        (None, [("detection", "machine"), ("greeting", "not_sure")], "customer-ended-call"),
    ],
)
async def test_telnyx_verdicts_read_as_twilios(
    client: httpx.AsyncClient,
    llm: FakeLLM,
    telnyx: FakeTelnyx,
    types: list[str] | None,
    verdicts: list[tuple[str, str]],
    reason: str,
) -> None:
    plan = {"provider": "twilio", **({"voicemailDetectionTypes": types} if types else {})}
    call, phone = await telnyx_answered(client, telnyx, llm, voicemailDetection=plan)
    for webhook, result in verdicts:
        send = phone.machine_detected if webhook == "detection" else phone.greeting_ended
        assert (await send(result)).status_code == 204
    await asyncio.sleep(0.5)
    if reason != "voicemail":
        assert (await stored(client, call["id"]))["status"] == "in-progress"
        await phone.hang_up()
    assert (await ended(client, call["id"]))["endedReason"] == reason


async def test_telnyx_a_forged_verdict_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, llm: FakeLLM, telnyx: FakeTelnyx
) -> None:
    call, phone = await telnyx_answered(client, telnyx, llm, **VOICEMAIL)
    payload = phone.payload(result="beep_detected")
    signed_otherwise = telnyx.sign("1", b"another body")
    forged = await telnyx.post(
        phone.webhook_url, "call.machine.greeting.ended", payload, signed_otherwise
    )
    assert forged.status_code == 403
    await asyncio.sleep(0.5)
    assert (await stored(client, call["id"]))["status"] == "in-progress"
    await phone.hang_up()
    assert (await ended(client, call["id"]))["endedReason"] == "customer-ended-call"


# Vonage.


async def vonage_place(
    client: httpx.AsyncClient, llm: FakeLLM, fields: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A call of the front desk (with `fields`) from the imported Vonage number, created."""
    number = await import_number(client)
    body = {"assistantId": await front_desk(client, llm, fields), "phoneNumberId": number["id"],
            "customer": {"number": CUSTOMER}}  # fmt: skip
    response = await client.post("/call", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def vonage_answered(
    client: httpx.AsyncClient, llm: FakeLLM, vonage: FakeVonage, fields: dict[str, Any]
) -> tuple[dict[str, Any], FakeCall]:
    """A call placed, answered by the customer, and its greeting heard to the end."""
    call = await vonage_place(client, llm, fields)
    phone = await vonage_dialed(vonage)
    await phone.answer()
    await vonage_quiet(phone, 0)
    return call, phone


async def test_vonage_places_the_call_with_machine_detection_only_when_the_plan_asks(
    client: httpx.AsyncClient, llm: FakeLLM, vonage: FakeVonage
) -> None:
    await vonage_place(client, llm, VOICEMAIL)
    phone = await vonage_dialed(vonage)
    # Asynchronous (the websocket connects on answer), beep included; 20 s is below Vonage's 45.
    assert phone.amd == {"behavior": "continue", "mode": "default", "beep_timeout": 45}
    await vonage_place(client, llm, {"voicemailDetection": {"provider": "twilio"}})
    assert (await vonage_dialed(vonage)).amd == {"behavior": "continue", "mode": "default"}
    for plan in ("off", {"provider": "twilio", "enabled": False}):
        await vonage_place(client, llm, {"voicemailDetection": plan})
        assert (await vonage_dialed(vonage)).amd is None
    await vonage_place(client, llm)
    assert (await vonage_dialed(vonage)).amd is None


async def test_vonage_a_machine_hears_the_message_once_its_beep_is_heard(
    client: httpx.AsyncClient, llm: FakeLLM, vonage: FakeVonage
) -> None:
    call, phone = await vonage_answered(client, llm, vonage, VOICEMAIL)
    assert (await phone.detected("machine")).status_code == 204  # greeting still going
    await asyncio.sleep(0.5)
    assert (await stored(client, call["id"]))["status"] == "in-progress"
    assert (await phone.detected("machine", "beep_start")).status_code == 204
    await asyncio.wait_for(phone.stream_closed.wait(), 20)
    assert sounds_like(heard(phone.heard_since(0)), f"{GREETING} {MESSAGE}")
    assert {"action": "hangup"} in phone.updates  # hung up through the Voice API
    done = await ended(client, call["id"])
    assert done["endedReason"] == "voicemail"


async def test_vonage_a_beep_timeout_is_machine_end_other(
    client: httpx.AsyncClient, llm: FakeLLM, vonage: FakeVonage
) -> None:
    """No beep heard in `beep_timeout`: only a plan that lists machine_end_other leaves the
    message (there is no message here: the call just ends)."""
    plan = {"provider": "twilio", "voicemailDetectionTypes": ["machine_end_other"]}
    call, phone = await vonage_answered(client, llm, vonage, {"voicemailDetection": plan})
    assert (await phone.detected("machine")).status_code == 204  # machine_start: not listed
    await asyncio.sleep(0.5)
    assert (await stored(client, call["id"]))["status"] == "in-progress"
    assert (await phone.detected("machine", "beep_timeout")).status_code == 204
    await asyncio.wait_for(phone.stream_closed.wait(), 20)
    assert (await ended(client, call["id"]))["endedReason"] == "voicemail"


async def test_vonage_a_human_answering_changes_nothing(
    client: httpx.AsyncClient, llm: FakeLLM, vonage: FakeVonage
) -> None:
    call, phone = await vonage_answered(client, llm, vonage, VOICEMAIL)
    assert (await phone.detected("human")).status_code == 204
    await asyncio.sleep(0.5)
    assert (await stored(client, call["id"]))["status"] == "in-progress"
    assert not phone.stream_closed.is_set() and phone.updates == []
    await phone.hang_up()
    assert (await ended(client, call["id"]))["endedReason"] == "customer-ended-call"


async def test_vonage_a_verdict_without_the_token_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, llm: FakeLLM, vonage: FakeVonage
) -> None:
    call, phone = await vonage_answered(client, llm, vonage, VOICEMAIL)
    assert phone.event_url
    unsigned = phone.event_url.split("?")[0] + "?token=forged"
    event = {**vonage.event_body(phone), "status": "machine", "sub_state": "beep_start"}
    assert (await vonage.post(unsigned, event)).status_code == 403
    await asyncio.sleep(0.5)
    assert (await stored(client, call["id"]))["status"] == "in-progress"
    await phone.hang_up()
    assert (await ended(client, call["id"]))["endedReason"] == "customer-ended-call"
