"""Telnyx's webhooks: JSON events (`data.event_type`, `data.payload`), each checked against
`telnyx-signature-ed25519` with the public key of the account the call runs on before anything
is written (signature.py).

- `POST /telnyx/inbound`, the Call Control Application's webhook: a `call.initiated` of an
  incoming call is a call to an imported number (inbound.py); any other event names a stored
  call by its call control id (a call voxgate hung up on, or sent to a fallback, before it got
  a route of its own).
- `POST /telnyx/events/{id}`, one stored call's own (its dial or answer set it).

A call's event moves it forward only (progress.py's compare-and-set, so a replayed or late
event changes nothing): an outbound `call.initiated` makes it `ringing`; `call.hangup` ends a
call no session runs with the reason its `hangup_cause` gives. `in-progress` is the media
stream's to set (the engine's Lifecycle), and a call whose session runs ends there (the
stream's `stop`: `customer-ended-call`). Either way the server is told (`status-update`, and
the `end-of-call-report` for an end). The answering-machine detection's verdicts (a dial that
asked for it: outbound.py) go to voicemail.py, in Twilio's words.
"""

import json
from typing import Any

from fastapi import APIRouter, Request, Response

from voxgate.control.call.phone import FAILED_TO_CONNECT as FAILED
from voxgate.control.call.progress import advance
from voxgate.control.call.runner import live_calls
from voxgate.control.call.unrun import end_unrun, tell
from voxgate.db.models import Call as CallRow
from voxgate.errors import BadRequest, Forbidden
from voxgate.telephony import voicemail
from voxgate.telephony.telnyx import signature
from voxgate.telephony.telnyx.calls import call_and_credential
from voxgate.telephony.telnyx.inbound import answer_call
from voxgate.telephony.telnyx.urls import EVENTS_PATH, INBOUND_PATH

router = APIRouter()
FAILED_TO_CONNECT = FAILED["telnyx"]
# `hangup_cause` of a call that ended before its stream ran → Vapi's endedReason (others: failed).
ENDINGS = {
    "user_busy": "customer-busy",
    "call_rejected": "customer-busy",  # declined on the phone: Twilio says `busy` too
    "timeout": "customer-did-not-answer",
    "no_answer": "customer-did-not-answer",
    "normal_clearing": "customer-ended-call",  # answered, then hung up before the stream
    "originator_cancel": "manually-canceled",  # only voxgate cancels a call it placed
}
# The answering-machine detection's webhooks: their `result` → Twilio's AnsweredBy. Who answered
# first; then, a machine's, how its greeting ended (`greeting_end`: a beep or a long silence).
VERDICTS = {
    "call.machine.detection.ended": {
        "human": voicemail.HUMAN,
        "machine": voicemail.MACHINE,
        "not_sure": voicemail.UNKNOWN,
    },
    "call.machine.greeting.ended": {
        "beep_detected": voicemail.BEEP,
        "ended": voicemail.SILENCE,
        "not_sure": voicemail.OTHER,
    },
}


def _event(raw: bytes) -> tuple[str, dict[str, Any]]:
    """(event type, payload) of a webhook body; a 400 for anything else."""
    try:
        data = json.loads(raw).get("data")
        payload = data["payload"]
        if isinstance(data["event_type"], str) and isinstance(payload, dict):
            return data["event_type"], payload
    except (ValueError, AttributeError, KeyError, TypeError):
        pass
    raise BadRequest("The body is not a Telnyx webhook event.")


def _reason(call: CallRow, payload: dict[str, Any]) -> str:
    if call.data.get("type") == "inboundPhoneCall":
        return "customer-ended-call"  # the caller hung up before the stream connected
    return ENDINGS.get(str(payload.get("hangup_cause")), FAILED_TO_CONNECT)


async def _move(row: CallRow, event_type: str, payload: dict[str, Any]) -> None:
    """What an event about a stored call does to it."""
    call_control_id = payload.get("call_control_id")
    if event_type == "call.initiated" and row.data.get("type") == "outboundPhoneCall":
        changes = {"status": "ringing", "phoneCallProviderId": call_control_id}
        call = await advance(row.id, changes, ("queued",))
        if call is not None:
            await tell(call)
    elif event_type == "call.hangup" and row.id not in live_calls:
        await end_unrun(row.id, _reason(row, payload))
    elif verdict := VERDICTS.get(event_type, {}).get(str(payload.get("result"))):
        await voicemail.answered_by(row.id, verdict)


async def _signed(request: Request, row: CallRow, credential: dict[str, Any]) -> None:
    """Checks the signature, then that the event is about this call."""
    raw = await request.body()
    signature.check(dict(request.headers), raw, credential.get("publicKey"))
    event_type, payload = _event(raw)
    known = row.data.get("phoneCallProviderId")
    if known and payload.get("call_control_id") != known:
        raise Forbidden("The event is about another Telnyx call.")
    await _move(row, event_type, payload)


@router.post(EVENTS_PATH)
async def call_event(id: str, request: Request) -> Response:
    found = await call_and_credential(call_id=id)
    if found is None:  # an unknown call cannot be checked either
        raise Forbidden(signature.FORGED)
    await _signed(request, *found)
    return Response(status_code=204)


@router.post(INBOUND_PATH)
async def application_event(request: Request) -> Response:
    raw = await request.body()
    event_type, payload = _event(raw)
    if event_type == "call.initiated" and payload.get("direction") == "incoming":
        await answer_call(request, raw, payload)
        return Response(status_code=204)
    found = await call_and_credential(call_control_id=str(payload.get("call_control_id")))
    if found is None:  # a call voxgate never stored: nothing to move, nothing to check with
        return Response(status_code=204)
    await _signed(request, *found)
    return Response(status_code=204)
