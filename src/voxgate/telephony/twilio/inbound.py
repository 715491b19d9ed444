"""Twilio's voice webhook: a call to an imported number (numbers.py pointed it here).

The number is found by the call's `To` and `AccountSid`, and the request must carry Twilio's
signature made with that number's `twilioAuthToken` before anything is written (a forged one is
a 403). A `CallSid` already stored is a replay: 409, nothing touched. Then, as VAPI-BEHAVIOUR
§4.2 routes it, the call is stored `inboundPhoneCall` and:

- the number names an assistant or squad (static routing), or a server will be asked for one
  (the number's, then the org's: `assistant-request` when the stream connects, runner.py):
  the call is `ringing` and Twilio is told to connect its audio to the media stream — unless
  the org has no call left under its concurrent-call limit (concurrency.py): then it is stored
  ended `call.start.error-subscription-concurrency-limit-reached` and hung up on;
- neither: the call is stored ended, `call-start-error-neither-assistant-nor-server-set`, and
  the caller is sent to the number's `fallbackDestination` (a `<Dial>`) when it has one, or
  hung up on. The reason stays the same when forwarded: it says why no assistant answered.
"""

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voxgate import telemetry
from voxgate.control.call.assistant_request import NO_SERVER
from voxgate.control.call.concurrency import OverConcurrencyLimit, check_concurrency
from voxgate.control.call.phone_number import number_server
from voxgate.control.call.service import kind as calls
from voxgate.control.call.service import monitor_fields, org_has_server
from voxgate.control.crud import Document, Repository
from voxgate.db.base import new_id
from voxgate.db.models import Assistant as AssistantRow
from voxgate.db.models import Call as CallRow
from voxgate.db.models import PhoneNumber as PhoneNumberRow
from voxgate.db.session import get_sessionmaker
from voxgate.errors import BadRequest, Conflict, NotFound
from voxgate.kit.time import iso, utcnow
from voxgate.telephony.twilio import signature, twiml
from voxgate.telephony.twilio.numbers import INBOUND_PATH

router = APIRouter()
UNKNOWN_NUMBER = "No Twilio number of this account is imported into voxgate."
REPLAYED = "This call has been received already."
ROUTED = ("assistantId", "squadId")  # static routing: no `assistant-request`


async def _number(session: AsyncSession, to: str, account: str) -> PhoneNumberRow | None:
    """The imported number `to` of Twilio account `account` (the latest import, when the same
    number was imported twice: that import pointed Twilio here last)."""
    query = select(PhoneNumberRow).where(
        PhoneNumberRow.provider == "twilio", PhoneNumberRow.number == to
    )
    rows = (await session.scalars(query.order_by(PhoneNumberRow.updated_at.desc()))).all()
    return next((row for row in rows if row.data.get("twilioAccountSid") == account), None)


async def _received(session: AsyncSession, org_id: str, call_sid: str) -> bool:
    query = select(CallRow.id).where(
        CallRow.org_id == org_id, CallRow.data["phoneCallProviderId"].as_string() == call_sid
    )
    return (await session.scalar(query.limit(1))) is not None


async def _monitor(session: AsyncSession, number: PhoneNumberRow, call_id: str) -> Document:
    """The call's `monitor`, as `POST /call` hands it out (the saved assistant's `monitorPlan`
    may turn either URL off)."""
    plan: dict[str, Any] = {}
    if assistant_id := number.data.get("assistantId"):
        assistant = await session.get(AssistantRow, assistant_id)
        if assistant is not None and assistant.org_id == number.org_id:
            plan = assistant.data.get("monitorPlan") or {}
    return monitor_fields(call_id, plan)


async def _answer(session: AsyncSession, number: PhoneNumberRow, form: dict[str, str]) -> str:
    """Stores the call and returns the TwiML that answers it."""
    call_id, routed = new_id(), {k: number.data[k] for k in ROUTED if number.data.get(k)}
    call: Document = {
        "type": "inboundPhoneCall",
        "phoneNumberId": number.id,
        "customer": {"number": form.get("From", "")},
        "phoneCallProvider": "twilio",
        "phoneCallTransport": "pstn",
        "phoneCallProviderId": form["CallSid"],
        "cost": 0,
        **routed,
    }
    repository = Repository(session, calls, number.org_id)

    async def ended(reason: str) -> None:
        changes = {"status": "ended", "endedReason": reason, "endedAt": iso(utcnow())}
        await repository.create({**call, **changes}, id=call_id)
        telemetry.observer().call_ended(reason)

    if routed or number_server(number.data) or await org_has_server(session, number.org_id):
        try:
            await check_concurrency(session, number.org_id)
        except OverConcurrencyLimit as refused:  # the org's calls are all taken: not answered
            await ended(refused.ended_reason)
            return twiml.hang_up()
        monitor = await _monitor(session, number, call_id)
        await repository.create({**call, "status": "ringing", **monitor}, id=call_id)
        return twiml.connect_stream(call_id)
    await ended(NO_SERVER)
    fallback = number.data.get("fallbackDestination")
    return twiml.transfer_twiml(fallback) if fallback else twiml.hang_up()


@router.post(INBOUND_PATH)
async def inbound_call(request: Request) -> Response:
    form = {key: str(value) for key, value in (await request.form()).items()}
    async with get_sessionmaker()() as session:
        number = await _number(session, form.get("To", ""), form.get("AccountSid", ""))
        if number is None:
            raise NotFound(UNKNOWN_NUMBER)
        signature.check(request, number.data.get("twilioAuthToken"), form)
        if not form.get("CallSid"):
            raise BadRequest("CallSid is missing.")
        if await _received(session, number.org_id, form["CallSid"]):
            raise Conflict(REPLAYED)
        answer = await _answer(session, number, form)
        await session.commit()
    return Response(answer, media_type="application/xml")
