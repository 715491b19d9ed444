"""Twilio's voice webhook: a call to an imported number (numbers.py pointed it here).

The number is found by the call's `To` and `AccountSid`, and the request must carry Twilio's
signature made with that number's `twilioAuthToken`, or, for a number imported with an API key,
the number's token in the query string (signature.py), before anything is written (a 403
otherwise). A `CallSid` already stored is a replay: 409, nothing touched. Then the call is stored
and routed as telephony/inbound.py says, and Twilio is told so in TwiML: connect the media
stream, `<Dial>` the number's `fallbackDestination`, or hang up.
"""

from fastapi import APIRouter, Request, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voxgate.db.models import PhoneNumber as PhoneNumberRow
from voxgate.db.session import get_sessionmaker
from voxgate.errors import BadRequest, NotFound
from voxgate.telephony.inbound import answer
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


@router.post(INBOUND_PATH)
async def inbound_call(request: Request) -> Response:
    form = {key: str(value) for key, value in (await request.form()).items()}
    async with get_sessionmaker()() as session:
        number = await _number(session, form.get("To", ""), form.get("AccountSid", ""))
        if number is None:
            raise NotFound(UNKNOWN_NUMBER)
        signature.check(request, number.data, form, signature.inbound_subject(number.data))
        if not form.get("CallSid"):
            raise BadRequest("CallSid is missing.")
        answered = await answer(session, number, "twilio", form["CallSid"], form.get("From", ""))
        await session.commit()
    if answered.stream:
        said = twiml.connect_stream(answered.call_id, number.data)
    elif answered.fallback:
        said = twiml.transfer_twiml(answered.fallback)
    else:
        said = twiml.hang_up()
    return Response(said, media_type="application/xml")
