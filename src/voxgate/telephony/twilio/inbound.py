"""Twilio's voice webhook: a call to an imported number (numbers.py pointed it here).

The number is found by the call's `To` and `AccountSid`, and the request must carry Twilio's
signature made with that number's `twilioAuthToken` before anything is written (a forged one is
a 403). A `CallSid` already stored is a replay: 409, nothing touched. Then the call is stored
and routed as every carrier's is (control/call/inbound.py), and its `Answer` told to Twilio as
TwiML: `<Connect><Stream>`, `<Hangup>`, or the fallback's `<Dial>`.
"""

from fastapi import APIRouter, Request, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voxgate.control.call.inbound import REPLAYED, receive, received
from voxgate.db.models import PhoneNumber as PhoneNumberRow
from voxgate.db.session import get_sessionmaker
from voxgate.errors import BadRequest, Conflict, NotFound
from voxgate.telephony.twilio import signature, twiml
from voxgate.telephony.twilio.numbers import INBOUND_PATH

router = APIRouter()
UNKNOWN_NUMBER = "No Twilio number of this account is imported into voxgate."


async def _number(session: AsyncSession, to: str, account: str) -> PhoneNumberRow | None:
    """The imported number `to` of Twilio account `account` (the latest import, when the same
    number was imported twice: that import pointed Twilio here last)."""
    query = select(PhoneNumberRow).where(
        PhoneNumberRow.provider == "twilio", PhoneNumberRow.number == to
    )
    rows = (await session.scalars(query.order_by(PhoneNumberRow.updated_at.desc()))).all()
    return next((row for row in rows if row.data.get("twilioAccountSid") == account), None)


async def _answer(session: AsyncSession, number: PhoneNumberRow, form: dict[str, str]) -> str:
    """Stores the call and returns the TwiML that answers it."""
    answer = await receive(session, number, "twilio", form["CallSid"], form.get("From", ""))
    if answer.action == "stream":
        return twiml.connect_stream(answer.call_id)
    if answer.action == "transfer" and answer.fallback:
        return twiml.transfer_twiml(answer.fallback)
    return twiml.hang_up()


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
        if await received(session, number.org_id, form["CallSid"]):
            raise Conflict(REPLAYED)
        answer = await _answer(session, number, form)
        await session.commit()
    return Response(answer, media_type="application/xml")
