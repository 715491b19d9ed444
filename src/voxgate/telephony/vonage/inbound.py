"""Vonage's answer webhook: a call to a number linked to a credential's application
(numbers.py). The number is found by the call's `to` (digits, as Vonage writes numbers) among
the imported Vonage numbers whose credential's token the URL carries (webhooks.py: anything
else is a 403, nothing written). The call's `uuid` already stored is a replay: 409. Then the
call is stored and routed as telephony/inbound.py says, and Vonage is answered with an NCCO:
connect the websocket, `connect` the number's `fallbackDestination`, or nothing (hang up).
"""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voxgate.control.credential.service import attach
from voxgate.db.models import PhoneNumber as PhoneNumberRow
from voxgate.db.session import get_sessionmaker
from voxgate.errors import BadRequest, Forbidden
from voxgate.telephony.inbound import answer
from voxgate.telephony.vonage import webhooks
from voxgate.telephony.vonage.events import read_event

router = APIRouter()


async def _number(session: AsyncSession, to: str, token: str) -> PhoneNumberRow | None:
    """The imported number `to` whose credential's token is `token` (the latest import, when
    the same number was imported twice: that import linked it last)."""
    digits = to.strip().removeprefix("+")
    query = select(PhoneNumberRow).where(
        PhoneNumberRow.provider == "vonage", PhoneNumberRow.number.in_((f"+{digits}", digits))
    )
    rows = (await session.scalars(query.order_by(PhoneNumberRow.updated_at.desc()))).all()
    for row in rows:
        try:
            credential = (await attach(session, row.org_id, row.data))["credential"]
        except BadRequest:  # its credential is gone
            continue
        if webhooks.genuine(credential, token):
            return row
    return None


@router.post(webhooks.ANSWER_PATH)
async def answer_call(request: Request, token: str = "") -> JSONResponse:
    event = await read_event(request)
    async with get_sessionmaker()() as session:
        number = await _number(session, str(event.get("to") or ""), token)
        if number is None:
            raise Forbidden(webhooks.FORGED)
        call_uuid = str(event.get("uuid") or "")
        if not call_uuid:
            raise BadRequest("uuid is missing.")
        caller = str(event.get("from") or "")
        caller = f"+{caller}" if caller.isdigit() else caller
        answered = await answer(session, number, "vonage", call_uuid, caller)
        await session.commit()
    if answered.stream:
        ncco = webhooks.connect_stream(answered.call_id, token)
    elif answered.fallback:
        ncco = webhooks.transfer_ncco(answered.fallback)
    else:
        ncco = webhooks.hang_up()
    return JSONResponse(ncco)
