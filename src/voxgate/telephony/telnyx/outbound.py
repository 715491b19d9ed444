"""Placing an outbound call through Telnyx's call control: `POST /v2/calls` under the account's
Call Control Application, its webhooks sent to the call's events route (events.py) and, once
answered, its audio to voxgate's media stream both ways (stream.py)."""

from voxgate.control.call.carriers import CarrierError, Document
from voxgate.telephony.telnyx.client import TelnyxRest
from voxgate.telephony.telnyx.numbers import NO_APPLICATION
from voxgate.telephony.telnyx.urls import streaming

# Telnyx stops ringing after this (`call.hangup` with `timeout`): Vapi's default dial timeout.
RING_SECONDS = 60


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
    call_control_id = await TelnyxRest(str(credential.get("apiKey"))).dial(body)
    return {"phoneCallProviderId": call_control_id}
