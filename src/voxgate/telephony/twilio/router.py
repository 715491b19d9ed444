"""Twilio's requests of voxgate: a call to an imported number (inbound.py), the status
callbacks of a call voxgate placed (status.py), a warm transfer's whisper (whisper.py) and the
media stream of an answered call (below).
Every request is checked first, against `X-Twilio-Signature` with the auth token of the call's
number, or against the token its URL carries when the number has an API key instead
(signature.py)."""

from typing import Any

from fastapi import APIRouter, WebSocket
from sqlalchemy import select

from voxgate.control.call.bus import runs_elsewhere
from voxgate.control.call.phone_number import call_phone_number
from voxgate.control.call.runner import POLICY_VIOLATION, live_calls, run_call
from voxgate.db.models import Call as CallRow
from voxgate.db.session import get_sessionmaker
from voxgate.telephony.twilio import signature
from voxgate.telephony.twilio.client import TwilioRest
from voxgate.telephony.twilio.inbound import router as inbound
from voxgate.telephony.twilio.status import router as status
from voxgate.telephony.twilio.stream import AUDIO_FORMAT, TwilioLeg, wait_for_start
from voxgate.telephony.twilio.twiml import STREAM_PATH, whisper_url
from voxgate.telephony.twilio.whisper import router as whisper

router = APIRouter()
router.include_router(inbound)

router.include_router(status)  # status.py: the status and AMD callbacks of calls placed
router.include_router(whisper)  # whisper.py: what a warm transfer's destination hears first
JOINABLE = ("queued", "ringing")  # the stream opens when the call is answered


async def _call_and_number(call_id: str) -> tuple[CallRow, dict[str, Any]] | None:
    async with get_sessionmaker()() as session:
        row = await session.scalar(select(CallRow).where(CallRow.id == call_id))
    if row is None or row.data.get("phoneCallProvider") != "twilio":
        return None
    number = await call_phone_number(row.org_id, row.data)
    return (row, number) if number is not None else None


@router.websocket(STREAM_PATH)
@router.websocket(STREAM_PATH + signature.STREAM_TOKEN)
async def media_stream(websocket: WebSocket, id: str) -> None:
    found = await _call_and_number(id)
    number = found[1] if found else None
    if found is None or not signature.genuine(websocket, number, {}, signature.call_subject(id)):
        await websocket.close(POLICY_VIOLATION)  # refused before the handshake completes
        return
    row, number = found
    await websocket.accept()
    start = await wait_for_start(websocket)
    call_sid = (start or {}).get("callSid")
    known = row.data.get("phoneCallProviderId")
    if start is None or not call_sid or (known and known != call_sid):
        await websocket.close(POLICY_VIOLATION)
        return
    if row.status not in JOINABLE or id in live_calls or await runs_elsewhere(id):
        await websocket.close(POLICY_VIOLATION)
        return
    stream_sid = str(start.get("streamSid", ""))
    leg = TwilioLeg(websocket, TwilioRest(number), call_sid, stream_sid, whisper_url(id, number))
    live_calls.add(id)
    try:
        await run_call(row, leg, AUDIO_FORMAT, phone=leg)
    finally:
        live_calls.discard(id)
