"""Placing an outbound call through Twilio: `Calls.json` with the TwiML that connects the
answered call to voxgate's media stream, status callbacks to status.py, and, when the call's
assistant asks Twilio for voicemail detection, asynchronous answering-machine detection whose
verdict reaches status.py too (`AnsweredBy`)."""

from typing import Any

from voxgate.config import get_settings
from voxgate.control.call.carriers import Document
from voxgate.telephony import voicemail
from voxgate.telephony.twilio import signature
from voxgate.telephony.twilio.client import TwilioRest
from voxgate.telephony.twilio.twiml import connect_stream

STATUS_PATH = "/twilio/status/{id}"  # POST: the call's status callbacks
AMD_PATH = "/twilio/amd/{id}"  # POST: the answering-machine detection's verdict

# TwilioVoicemailDetectionPlan field → Twilio's parameter (the library's keyword).
_AMD_TUNING = {
    "machineDetectionTimeout": "machine_detection_timeout",
    "machineDetectionSpeechThreshold": "machine_detection_speech_threshold",
    "machineDetectionSpeechEndThreshold": "machine_detection_speech_end_threshold",
    "machineDetectionSilenceTimeout": "machine_detection_silence_timeout",
}


def public(path: str, call_id: str, number: Document) -> str:
    """A callback URL of the call, with its token when `number` has no auth token."""
    url = get_settings().public_url.rstrip("/") + path.format(id=call_id)
    return signature.tokened(url, number, signature.call_subject(call_id))


def amd_options(call_id: str, plan: Document, number: Document) -> dict[str, Any]:
    """Twilio's asynchronous AMD: the call connects at once, the verdict comes later.
    `DetectMessageEnd` waits for the greeting's end, so a message left then is heard whole."""
    options: dict[str, Any] = {
        "machine_detection": "DetectMessageEnd",
        "async_amd": "true",
        "async_amd_status_callback": public(AMD_PATH, call_id, number),
        "async_amd_status_callback_method": "POST",
    }
    for field, value in voicemail.tuning(plan).items():
        options[_AMD_TUNING[field]] = value
    return options


async def place_call(call_id: str, call: Document, number: Document) -> Document:
    """Dials `call["customer"]["number"]` from the number; returns the call SID to store."""
    extra: dict[str, Any] = {}
    if (plan := await voicemail.call_plan(call)) is not None:
        extra = amd_options(call_id, plan, number)
    sid = await TwilioRest(number).dial(
        to=str(call["customer"]["number"]),
        from_=str(number.get("number") or number.get("twilioPhoneNumber")),
        twiml=connect_stream(call_id, number),
        status_url=public(STATUS_PATH, call_id, number),
        **extra,
    )
    return {"phoneCallProviderId": sid}
