"""Placing an outbound call through Vonage's Voice API: `POST /v1/calls` with the NCCO that
connects the answered call to voxgate's websocket, and the call's events sent to events.py.
`phoneCallProviderId` is the call's `uuid`: the Voice API addresses a live call by it."""

from voxgate.control.call.carriers import CarrierError, Document
from voxgate.telephony.vonage import webhooks
from voxgate.telephony.vonage.client import VonageRest
from voxgate.telephony.vonage.numbers import NOT_CONNECTED


async def place_call(call_id: str, call: Document, number: Document) -> Document:
    credential = number.get("credential") or {}
    secret = webhooks.credential_token(credential)
    if secret is None or not credential.get("vonageApplicationId"):
        raise CarrierError(NOT_CONNECTED, 400)
    placed = await VonageRest(credential).dial(
        to=str(call["customer"]["number"]),
        from_=str(number.get("number")),
        ncco=webhooks.connect_stream(call_id, secret),
        event_url=webhooks.public(webhooks.CALL_EVENTS_PATH.format(id=call_id), secret),
    )
    return {"phoneCallProviderId": str(placed.get("uuid") or "")}
