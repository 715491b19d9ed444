"""`POST /call` for an outbound phone call (VAPI-BEHAVIOUR §3.1, §3.2): the number it is
placed from, the customer it dials, what the server stores, then the dial itself through the
number's carrier (control/call/carriers.py).

The row is committed `queued` before the carrier is asked, so the carrier's status callbacks and
media stream find it. A carrier that refuses (or cannot be reached) gets the create a 400 in
Vapi's words and the row is deleted again: the client got no call id, so an `ended` row would
only be an orphan in its list, and a refused create leaves nothing behind (as every 400 does).
Once the carrier has placed the call, nothing after it turns the create into a 5xx: an SDK
would retry it and dial the customer twice.
"""

import re
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from voxgate.control.call.carriers import CARRIERS, CarrierError
from voxgate.control.call.progress import advance
from voxgate.control.credential.service import attach
from voxgate.control.crud import Document, render_envelope
from voxgate.control.secrets import masked
from voxgate.db.models import Call as CallRow
from voxgate.db.models import PhoneNumber as PhoneNumberRow
from voxgate.db.session import get_sessionmaker
from voxgate.errors import BadRequest

log = structlog.get_logger()
E164 = re.compile(r"^\+[1-9]\d{1,14}$")
NO_CUSTOMER = "Couldn't Get Customer. Need `customer.number` To Place A Phone Call."
NOT_E164 = (
    "customer.number must be a valid phone number in the E.164 format (a + and up to 15 digits, "
    "e.g. +14155550100). Set `customer.numberE164CheckEnabled` to false to dial it as written."
)
TRANSIENT_FIELDS = ("twilioPhoneNumber", "twilioAccountSid")
# A transient `phoneNumber` carries the carrier's secrets: stored whole, shown masked.
SECRETS = [("phoneNumber", "twilioAuthToken"), ("phoneNumber", "twilioApiSecret")]
EVERY_STATUS = ("scheduled", "queued", "ringing", "in-progress", "forwarding", "ended")


def shown(call: Document) -> Document:
    return masked(call, SECRETS)


def _no_carrier(provider: str) -> BadRequest:
    return BadRequest(
        f"voxgate does not place calls through {provider} numbers yet: only through "
        f"{', '.join(sorted(CARRIERS)) or 'no carrier'} numbers."
    )


def transient_number(number: Document) -> Document:
    """A call's own `phoneNumber` (`ImportTwilioPhoneNumberDTO`) as the Twilio number it is."""
    if missing := [field for field in TRANSIENT_FIELDS if not number.get(field)]:
        raise BadRequest([f"phoneNumber.{field} should not be empty" for field in missing])
    if not number.get("twilioAuthToken") and not (
        number.get("twilioApiKey") and number.get("twilioApiSecret")
    ):
        raise BadRequest(
            "Couldn't Get Phone Number. `phoneNumber` needs `twilioAuthToken`, or "
            "`twilioApiKey` and `twilioApiSecret`."
        )
    return {"provider": "twilio", "number": number["twilioPhoneNumber"], **number}


async def calling_number(session: AsyncSession, org_id: str, data: Document) -> Document:
    """The number the call is placed from, secrets included; a 400 when it is unknown or its
    carrier is not one voxgate dials through."""
    if "phoneNumberId" in data:
        number_id = data["phoneNumberId"]
        row = await session.get(PhoneNumberRow, number_id)
        if row is None or row.org_id != org_id:  # another org's is as unknown as a made-up one
            raise BadRequest(
                f"Couldn't Get Phone Number. `phoneNumberId` {number_id} Does Not Exist."
            )
        number: Document = row.data
    else:
        number = transient_number(data["phoneNumber"])
    provider = str(number.get("provider"))
    if provider not in CARRIERS:
        raise _no_carrier(provider)
    return await attach(session, org_id, number)


def check_customer(customer: Any) -> None:
    if not isinstance(customer, dict) or not customer.get("number"):
        raise BadRequest(NO_CUSTOMER)
    if customer.get("numberE164CheckEnabled", True) and not E164.match(customer["number"]):
        raise BadRequest(NOT_E164)


def phone_fields(number: Document) -> Document:
    """What the server sets on an outbound phone call (the monitor URLs come with it)."""
    return {
        "type": "outboundPhoneCall",
        "status": "queued",
        "cost": 0,
        "phoneCallProvider": number["provider"],
        "phoneCallTransport": "pstn",
    }


FAILED_TO_CONNECT = {
    "twilio": "twilio-failed-to-connect-call",
    "vonage": "vonage-failed-to-connect-call",
    # Vapi has no Telnyx reason: its Telnyx numbers are dialled over SIP, and fail as such.
    "telnyx": "call.in-progress.error-sip-outbound-call-failed-to-connect",
}


def failed_to_connect(number: Document) -> str:
    """The endedReason of a call its carrier would not place."""
    return FAILED_TO_CONNECT.get(str(number.get("provider")), "call.start.error-get-transport")


async def place(call: Document, number: Document) -> Document:
    """Places the committed `queued` call (rendered); returns it as stored after. Raises
    `CarrierError` when the carrier refuses."""
    placed = await CARRIERS[str(number["provider"])].dial(call["id"], call, number)
    try:
        # The call may have moved on already (a fast status callback): the SID joins it.
        stored = await advance(call["id"], placed, EVERY_STATUS)
    except Exception:  # the call is placed: a 5xx now would have the client dial it again
        log.exception("a placed call's carrier id was not stored", call_id=call["id"])
        stored = None
    return stored or {**call, **placed}


async def dial(row: CallRow, number: Document) -> Document:
    """`place` for a create: the carrier's refusal is a 400 and the row is deleted."""
    try:
        return await place(render_envelope(row), number)
    except CarrierError as error:
        await _forget(row.id)
        provider = str(number["provider"]).capitalize()
        raise BadRequest(f"Couldn't Create {provider} Call. {error}") from None


async def _forget(call_id: str) -> None:
    async with get_sessionmaker()() as session:
        row = await session.get(CallRow, call_id)
        if row is not None:
            await session.delete(row)
            await session.commit()
