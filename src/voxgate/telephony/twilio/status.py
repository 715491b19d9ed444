"""Twilio's callbacks about a call voxgate placed: its status (`StatusCallback`) and its
answering-machine detection's verdict (`AsyncAmdStatusCallback`), each checked against
`X-Twilio-Signature` with the auth token of the call's number (or the call's token, for a
number with an API key: signature.py) before anything is written.

A status moves the stored call forward only (progress.py's compare-and-set, so a replayed or
late callback changes nothing): `ringing` while nobody has answered; `busy`, `no-answer`,
`failed` and `canceled` end it with Vapi's reason. `in-progress` is the media stream's to set
(the engine's Lifecycle, once the session runs), so a `completed` for a call whose session runs
is left to it (the stream's `stop` ended it as `customer-ended-call`); a `completed` for a call
whose stream never connected ends it. Either way the server is told (`status-update`, and the
`end-of-call-report` for an end).
"""

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import select

from voxgate.control.call.phone_number import call_phone_number
from voxgate.control.call.progress import advance
from voxgate.control.call.runner import live_calls
from voxgate.control.call.unrun import end_unrun, tell
from voxgate.db.models import Call as CallRow
from voxgate.db.session import get_sessionmaker
from voxgate.errors import Forbidden
from voxgate.telephony import voicemail
from voxgate.telephony.twilio import signature
from voxgate.telephony.twilio.outbound import AMD_PATH, STATUS_PATH

router = APIRouter()
ENDINGS = {
    "busy": "customer-busy",
    "no-answer": "customer-did-not-answer",
    "failed": "twilio-failed-to-connect-call",
    "canceled": "manually-canceled",  # only voxgate cancels a call it placed
    "completed": "customer-ended-call",  # answered, then hung up before the stream connected
}


async def signed_form(
    request: Request, call_id: str, same_call: bool = True
) -> tuple[CallRow, dict[str, str]]:
    """The call and the callback's fields, once the signature is checked (403 otherwise: an
    unknown call cannot be checked either); `same_call`: the callback's CallSid is the call's."""
    form = {key: str(value) for key, value in (await request.form()).items()}
    async with get_sessionmaker()() as session:
        row = await session.scalar(select(CallRow).where(CallRow.id == call_id))
    number: dict[str, Any] | None = None
    if row is not None and row.data.get("phoneCallProvider") == "twilio":
        number = await call_phone_number(row.org_id, row.data)
    signature.check(request, number, form, signature.call_subject(call_id))
    assert row is not None  # no number without a call
    known = row.data.get("phoneCallProviderId")
    if same_call and known and form.get("CallSid") != known:
        raise Forbidden("The callback is about another Twilio call.")
    return row, form


@router.post(STATUS_PATH)
async def call_status(id: str, request: Request) -> Response:
    row, form = await signed_form(request, id)
    status = form.get("CallStatus", "")
    if status == "ringing":
        call = await advance(row.id, {"status": "ringing"}, ("queued",))
        if call is not None:
            await tell(call)
    elif status in ENDINGS and not (status == "completed" and id in live_calls):
        await end_unrun(row.id, ENDINGS[status])
    return Response(status_code=204)


@router.post(AMD_PATH)
async def answered_by(id: str, request: Request) -> Response:
    """Twilio's verdict, already in AnsweredBy's words (voicemail.py: a machine's greeting
    ended leaves the message and ends the call; a human changes nothing)."""
    _, form = await signed_form(request, id)
    await voicemail.answered_by(id, form.get("AnsweredBy", ""))
    return Response(status_code=204)
