"""Telnyx's requests of voxgate: its webhooks (events.py: calls to imported numbers, and the
events of stored calls) and the media stream of an answered call (below).

Telnyx does not sign the media stream's websocket; it is accepted only for a stored Telnyx call
whose `start` event names the call's own call control id (which only Telnyx and voxgate know:
the dial's answer, or the signed `call.initiated`), once per call, while it is `queued` or
`ringing`.
"""

import asyncio

from fastapi import APIRouter, WebSocket

from voxgate.control.call.bus import runs_elsewhere
from voxgate.control.call.runner import POLICY_VIOLATION, live_calls, run_call
from voxgate.db.models import Call as CallRow
from voxgate.telephony.telnyx.calls import call_and_credential
from voxgate.telephony.telnyx.client import TelnyxRest
from voxgate.telephony.telnyx.events import router as events
from voxgate.telephony.telnyx.stream import AUDIO_FORMAT, TelnyxLeg, wait_for_start
from voxgate.telephony.telnyx.urls import STREAM_PATH

router = APIRouter()
router.include_router(events)
JOINABLE = ("queued", "ringing")  # the stream opens when the call is answered
# The dial's answer may be stored a moment after a fast callee answers: the id is read again.
ID_WAIT_SECONDS, ID_POLL_SECONDS = 2.0, 0.1


async def _known(call_id: str, call_control_id: str) -> tuple[CallRow, str] | None:
    """The call and its account's API key, if Telnyx's call control id is the call's."""
    for _ in range(int(ID_WAIT_SECONDS / ID_POLL_SECONDS)):
        found = await call_and_credential(call_id=call_id)
        if found is None:
            return None
        row, credential = found
        known = row.data.get("phoneCallProviderId")
        if known:
            return (row, str(credential.get("apiKey"))) if known == call_control_id else None
        await asyncio.sleep(ID_POLL_SECONDS)
    return None


@router.websocket(STREAM_PATH)
async def media_stream(websocket: WebSocket, id: str) -> None:
    await websocket.accept()
    start = await wait_for_start(websocket)
    call_control_id = str(((start or {}).get("start") or {}).get("call_control_id") or "")
    found = await _known(id, call_control_id) if call_control_id else None
    if start is None or found is None:
        await websocket.close(POLICY_VIOLATION)
        return
    row, api_key = found
    if row.status not in JOINABLE or id in live_calls or await runs_elsewhere(id):
        await websocket.close(POLICY_VIOLATION)
        return
    stream_id = str(start.get("stream_id") or "")
    leg = TelnyxLeg(websocket, TelnyxRest(api_key), call_control_id, stream_id)
    live_calls.add(id)
    try:
        await run_call(row, leg, AUDIO_FORMAT, phone=leg)
    finally:
        live_calls.discard(id)
