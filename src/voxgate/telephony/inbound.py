"""A call to an imported number, whatever its carrier: stored as VAPI-BEHAVIOUR §4.2 routes it.
Each carrier's webhook finds the number and checks the request is the carrier's, then asks
`answer` what to tell its carrier (TwiML, an NCCO…):

- the number names an assistant or squad (static routing), or a server will be asked for one
  (the number's, then the org's: `assistant-request` when the stream connects, runner.py):
  the call is `ringing` and its audio is to be connected to voxgate's stream — unless the org
  has no call left under its concurrent-call limit (concurrency.py): then it is stored ended
  `call.start.error-subscription-concurrency-limit-reached` and hung up on;
- neither: the call is stored ended, `call-start-error-neither-assistant-nor-server-set`, and
  the caller is sent to the number's `fallbackDestination` when it has one, or hung up on. The
  reason stays the same when forwarded: it says why no assistant answered.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
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
from voxgate.errors import Conflict
from voxgate.kit.time import iso, utcnow

REPLAYED = "This call has been received already."
ROUTED = ("assistantId", "squadId")  # static routing: no `assistant-request`


@dataclass(frozen=True)
class Answer:
    """What to tell the carrier: stream the call (`call_id`'s stream), or not (then forward
    the caller to `fallback` when set, else hang up)."""

    call_id: str
    stream: bool
    fallback: Document | None = None


async def _received(session: AsyncSession, org_id: str, provider_id: str) -> bool:
    """Whether the carrier's call `provider_id` is stored already (a replayed webhook)."""
    query = select(CallRow.id).where(
        CallRow.org_id == org_id, CallRow.provider_call_id == provider_id
    )
    return (await session.scalar(query)) is not None


async def _monitor(session: AsyncSession, number: PhoneNumberRow, call_id: str) -> Document:
    """The call's `monitor`, as `POST /call` hands it out (the saved assistant's `monitorPlan`
    may turn either URL off)."""
    plan: dict[str, Any] = {}
    if assistant_id := number.data.get("assistantId"):
        assistant = await session.get(AssistantRow, assistant_id)
        if assistant is not None and assistant.org_id == number.org_id:
            plan = assistant.data.get("monitorPlan") or {}
    return monitor_fields(call_id, plan)


async def answer(
    session: AsyncSession, number: PhoneNumberRow, provider: str, provider_id: str, caller: str
) -> Answer:
    """Stores the carrier's call `provider_id` from `caller` to `number` (not committed).
    Raises `Conflict` when it is stored already: a replayed webhook touches nothing. Two
    replays at once both pass the lookup, but only one insert (the unique index) does."""
    if await _received(session, number.org_id, provider_id):
        raise Conflict(REPLAYED)
    call_id, routed = new_id(), {k: number.data[k] for k in ROUTED if number.data.get(k)}
    call: Document = {
        "type": "inboundPhoneCall",
        "phoneNumberId": number.id,
        "customer": {"number": caller},
        "phoneCallProvider": provider,
        "phoneCallTransport": "pstn",
        "phoneCallProviderId": provider_id,
        "cost": 0,
        **routed,
    }
    repository = Repository(session, calls, number.org_id)

    async def store(data: Document) -> None:
        try:
            await repository.create(data, id=call_id)
        except IntegrityError:
            raise Conflict(REPLAYED) from None

    async def ended(reason: str) -> None:
        changes = {"status": "ended", "endedReason": reason, "endedAt": iso(utcnow())}
        await store({**call, **changes})
        telemetry.observer().call_ended(reason)

    if routed or number_server(number.data) or await org_has_server(session, number.org_id):
        try:
            await check_concurrency(session, number.org_id)
        except OverConcurrencyLimit as refused:  # the org's calls are all taken: not answered
            await ended(refused.ended_reason)
            return Answer(call_id, stream=False)
        monitor = await _monitor(session, number, call_id)
        await store({**call, "status": "ringing", **monitor})
        return Answer(call_id, stream=True)
    await ended(NO_SERVER)
    return Answer(call_id, stream=False, fallback=number.data.get("fallbackDestination") or None)
