"""Placing an outbound call through Vonage's Voice API: `POST /v1/calls` with the NCCO that
connects the answered call to voxgate's websocket, and the call's events sent to events.py.
`phoneCallProviderId` is the call's `uuid`: the Voice API addresses a live call by it.

When the call's assistant asks for the carrier's voicemail detection (voicemail.py), Vonage's
Advanced Machine Detection runs too, asynchronously (`mode: default`, beep detection included):
the NCCO connects the websocket as soon as the call is answered and the verdicts come later to
the call's events. `detect_beep` would run it synchronously, holding the NCCO back until the
beep, so the session would start after the moment to leave the message had come and gone."""

from typing import Any

from voxgate.control.call.carriers import CarrierError, Document
from voxgate.telephony import voicemail
from voxgate.telephony.vonage import webhooks
from voxgate.telephony.vonage.client import VonageRest
from voxgate.telephony.vonage.numbers import NOT_CONNECTED

# How long Vonage may wait for a machine's beep: the plan's timeout, within what Vonage accepts.
BEEP_SECONDS = (45, 120)


def amd_options(plan: Document) -> dict[str, Any]:
    """The request's field for Vonage's Advanced Machine Detection: the call goes on whoever
    answers (voxgate decides, voicemail.py), the beep listened for."""
    detection: dict[str, Any] = {"behavior": "continue", "mode": "default"}
    if (seconds := voicemail.tuning(plan).get("machineDetectionTimeout")) is not None:
        low, high = BEEP_SECONDS
        detection["beep_timeout"] = min(max(int(seconds), low), high)
    return {"advanced_machine_detection": detection}


async def place_call(call_id: str, call: Document, number: Document) -> Document:
    credential = number.get("credential") or {}
    secret = webhooks.credential_token(credential)
    if secret is None or not credential.get("vonageApplicationId"):
        raise CarrierError(NOT_CONNECTED, 400)
    plan = await voicemail.call_plan(call)
    placed = await VonageRest(credential).dial(
        to=str(call["customer"]["number"]),
        from_=str(number.get("number")),
        ncco=webhooks.connect_stream(call_id, secret),
        event_url=webhooks.public(webhooks.CALL_EVENTS_PATH.format(id=call_id), secret),
        **(amd_options(plan) if plan is not None else {}),
    )
    return {"phoneCallProviderId": str(placed.get("uuid") or "")}
