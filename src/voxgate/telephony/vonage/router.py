"""Vonage's requests of voxgate: a call to a linked number (inbound.py), the events of its calls
(events.py) and the websocket of an answered call (below). Every one carries the token of the
call's credential (webhooks.py), checked first."""

from fastapi import APIRouter, WebSocket

from voxgate.control.call.bus import runs_elsewhere
from voxgate.control.call.runner import POLICY_VIOLATION, live_calls, run_call
from voxgate.telephony.vonage import webhooks
from voxgate.telephony.vonage.calls import call_and_credential
from voxgate.telephony.vonage.client import VonageRest
from voxgate.telephony.vonage.events import router as events
from voxgate.telephony.vonage.inbound import router as inbound
from voxgate.telephony.vonage.stream import AUDIO_FORMAT, VonageLeg, wait_for_connected

router = APIRouter()
router.include_router(inbound)
router.include_router(events)
JOINABLE = ("queued", "ringing")  # the websocket opens when the call is answered


@router.websocket(webhooks.STREAM_PATH)
async def call_stream(websocket: WebSocket, id: str, token: str = "") -> None:
    found = await call_and_credential(id)
    if found is None or not webhooks.genuine(found[1], token):
        await websocket.close(POLICY_VIOLATION)  # refused before the handshake completes
        return
    row, credential = found
    if row.status not in JOINABLE or id in live_calls or await runs_elsewhere(id):
        await websocket.close(POLICY_VIOLATION)
        return
    await websocket.accept()
    if await wait_for_connected(websocket) is None:
        await websocket.close(POLICY_VIOLATION)
        return
    call_uuid = row.data.get("phoneCallProviderId")
    if not call_uuid:  # answered before the dial's answer was stored: read it again
        again = await call_and_credential(id)
        call_uuid = again[0].data.get("phoneCallProviderId") if again else None
    leg = VonageLeg(websocket, VonageRest(credential), call_uuid or None)
    live_calls.add(id)
    try:
        await run_call(row, leg, AUDIO_FORMAT, phone=leg)
    finally:
        live_calls.discard(id)
