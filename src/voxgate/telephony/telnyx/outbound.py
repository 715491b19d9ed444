"""Placing an outbound call through Telnyx's call control: `POST /v2/calls` under the account's
Call Control Application, its webhooks sent to the call's events route (events.py) and, once
answered, its audio to voxgate's media stream both ways (stream.py). When the call's assistant
asks for the carrier's voicemail detection (voicemail.py), Telnyx's answering-machine detection
runs too, its verdicts sent to events.py with the call's other webhooks."""

from typing import Any

from voxgate.control.call.carriers import CarrierError, Document
from voxgate.telephony import voicemail
from voxgate.telephony.telnyx.client import TelnyxRest
from voxgate.telephony.telnyx.numbers import NO_APPLICATION
from voxgate.telephony.telnyx.urls import streaming

# Telnyx stops ringing after this (`call.hangup` with `timeout`): Vapi's default dial timeout.
RING_SECONDS = 60
# The greeting's end told by a beep or by a long silence, as Twilio's `DetectMessageEnd` does
# (`detect_beep` sends nothing for a greeting that ends without a beep).
AMD_MODE = "greeting_end"
# TwilioVoicemailDetectionPlan field → Telnyx's `answering_machine_detection_config` field and
# what turns the plan's unit into its milliseconds. Same measures, not the same verdicts: a long
# initial silence is `unknown` to Twilio, `machine` to Telnyx.
_AMD_CONFIG = {
    "machineDetectionTimeout": ("total_analysis_time_millis", 1000),  # seconds
    "machineDetectionSpeechThreshold": ("greeting_duration_millis", 1),  # longer: a machine
    "machineDetectionSpeechEndThreshold": ("after_greeting_silence_millis", 1),  # then: human
    "machineDetectionSilenceTimeout": ("initial_silence_millis", 1),
}


def amd_options(plan: Document) -> dict[str, Any]:
    """The dial's fields for Telnyx's answering-machine detection, tuned as the plan says."""
    config = {}
    for field, value in voicemail.tuning(plan).items():
        name, scale = _AMD_CONFIG[field]
        config[name] = int(value * scale)
    options: dict[str, Any] = {"answering_machine_detection": AMD_MODE}
    if config:
        options["answering_machine_detection_config"] = config
    return options


async def place_call(call_id: str, call: Document, number: Document) -> Document:
    """Dials `call["customer"]["number"]` from the number; returns the call control id."""
    credential = number.get("credential") or {}
    if not credential.get("telnyxApplicationId"):
        raise CarrierError(NO_APPLICATION, 400)
    body = {
        "connection_id": credential["telnyxApplicationId"],
        "to": str(call["customer"]["number"]),
        "from": str(number.get("number")),
        "timeout_secs": RING_SECONDS,
        **streaming(call_id),
    }
    if (plan := await voicemail.call_plan(call)) is not None:
        body.update(amd_options(plan))
    call_control_id = await TelnyxRest(str(credential.get("apiKey"))).dial(body)
    return {"phoneCallProviderId": call_control_id}
