"""Importing a Vonage number (`POST /phone-number` with `credentialId`, and a PATCH changing the
number or its credential): the credential's account must hold the number (Vapi's "Number Not
Found on Vonage."), which is then linked to the credential's application, so calls to it reach
voxgate's answer URL (inbound.py).

Vonage refusing is the client's mistake (a 400 in words that name the fix); Vonage unreachable
or failing is not (a 502).
"""

from voxgate.control.call.carriers import CarrierError, Document
from voxgate.telephony.vonage.application import BAD_CREDENTIALS
from voxgate.telephony.vonage.client import VonageRest

NOT_FOUND = "Number Not Found on Vonage."
NOT_CONNECTED = (
    "The Vonage credential has no application: connect it again (PATCH /credential with its "
    "`apiSecret`)."
)


def msisdn(number: str) -> str:
    """A number as Vonage writes it: digits, no +."""
    return number.strip().removeprefix("+")


async def connect_number(number: Document) -> None:
    credential = number.get("credential") or {}
    application_id = credential.get("vonageApplicationId")
    if not application_id:
        raise CarrierError(NOT_CONNECTED, 400)
    rest = VonageRest(credential)
    wanted = msisdn(str(number.get("number") or ""))
    try:
        found = await rest.find_number(wanted)
        if found is None:
            raise CarrierError(NOT_FOUND, 404)
        await rest.link_number(str(found.get("country") or ""), wanted, str(application_id))
    except CarrierError as error:
        if error.status in (401, 403):
            raise CarrierError(BAD_CREDENTIALS.format(said=error), 400) from error
        raise
