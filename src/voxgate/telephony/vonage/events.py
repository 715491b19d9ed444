"""Vonage's event webhooks: the events of a call voxgate placed (`event_url` of `POST /v1/calls`)
and the application's own (inbound calls'), each refused unless it carries the token of the
call's credential (webhooks.py).

An event moves the stored call forward only (progress.py's compare-and-set, so a replayed or
late event changes nothing): `ringing` while nobody has answered; a final status of a call
whose websocket never ran ends it with Vapi's reason (ENDINGS). `in-progress` is the
websocket's to set (the engine's Lifecycle, once the session runs), and a call whose session
runs is ended by its websocket closing (`customer-ended-call`), so `completed` and
`disconnected` for it are left to the session. Events of the call's other legs (the websocket
leg an NCCO `connect` makes has a `uuid` of its own) change nothing. Advanced Machine
Detection's verdicts (a call placed with it: outbound.py) go to voicemail.py, in Twilio's words.
"""

from typing import Any

from fastapi import APIRouter, Request, Response

from voxgate.control.call.progress import advance
from voxgate.control.call.runner import live_calls
from voxgate.control.call.unrun import end_unrun, tell
from voxgate.errors import BadRequest
from voxgate.telephony import voicemail
from voxgate.telephony.vonage import webhooks
from voxgate.telephony.vonage.calls import call_and_credential

router = APIRouter()
# Vonage's call status → Vapi's endedReason, for a call that never ran (Voice API's event
# webhook reference says what each status means).
ENDINGS = {
    "busy": "customer-busy",  # the callee's line was busy
    "timeout": "customer-did-not-answer",  # it rang for the whole ringing_timer
    "unanswered": "customer-did-not-answer",  # unreachable, or declined without answering
    "rejected": "vonage-rejected",  # Vonage refused the attempt before it started
    "failed": "vonage-failed-to-connect-call",  # the outgoing call could not be connected
    "cancelled": "manually-canceled",  # only voxgate, the originator, cancels a call it placed
    # Answered, then over before voxgate's websocket ran: Vonage does not say who hung up,
    # so the carrier's own completion reason, not `customer-ended-call`.
    "completed": "vonage-completed",
    "disconnected": "vonage-disconnected",  # the connection to Vonage was lost
}
ENDED_BY_SESSION = ("completed", "disconnected")  # a running call: its websocket closing ends it
# Advanced Machine Detection's event (`status` human or machine; a machine's `sub_state` once its
# greeting is over: the beep heard, or none heard in `beep_timeout`) → Twilio's AnsweredBy.
MACHINE_ENDS = {"beep_start": voicemail.BEEP, "beep_timeout": voicemail.OTHER}


def verdict(event: dict[str, Any]) -> str:
    if event.get("status") == "human":
        return voicemail.HUMAN
    return MACHINE_ENDS.get(str(event.get("sub_state")), voicemail.MACHINE)


async def read_event(request: Request) -> dict[str, Any]:
    try:
        event = await request.json()
    except ValueError:
        event = None
    if not isinstance(event, dict):
        raise BadRequest("A Vonage event is a JSON object.")
    return event


@router.post(webhooks.CALL_EVENTS_PATH)
async def call_event(id: str, request: Request, token: str = "") -> Response:
    found = await call_and_credential(id)
    webhooks.check(found[1] if found else None, token)
    assert found is not None  # no credential without a call
    row, event = found[0], await read_event(request)
    known = row.data.get("phoneCallProviderId")
    if known and event.get("uuid") != known:
        return Response(status_code=204)  # another leg of the call (its websocket's)
    status = str(event.get("status") or "")
    if status == "ringing":
        call = await advance(row.id, {"status": "ringing"}, ("queued",))
        if call is not None:
            await tell(call)
    elif status in ENDINGS and not (status in ENDED_BY_SESSION and id in live_calls):
        await end_unrun(row.id, ENDINGS[status])
    elif status in ("human", "machine"):
        await voicemail.answered_by(row.id, verdict(event))
    return Response(status_code=204)


@router.post(webhooks.EVENTS_PATH)
async def application_event(request: Request) -> Response:
    """The application's events (an inbound call's `started`, `answered`, `completed`…): an
    inbound call is moved by its websocket alone (and ended by the expiry sweep when that never
    connects, as a Twilio call is), so these are acknowledged and change nothing."""
    return Response(status_code=204)
