"""Importing a Twilio number (`POST /phone-number`, and a PATCH that changes the number or its
credentials): the account must hold the number, and its voice webhook is pointed at voxgate's
inbound route (inbound.py), so calls to it reach the number's assistant or server.

Twilio refusing is the client's mistake, said in words that name the fix: a number the account
does not hold (Vapi's "Number Not Found on Twilio."), credentials Twilio does not accept (its
401). Twilio unreachable or failing (no status, or a 5xx) is not: it stays a `CarrierError`
without a 4xx status, which the control plane answers with a 502.
"""

from voxgate.config import get_settings
from voxgate.control.call.carriers import CarrierError, Document
from voxgate.telephony.twilio.client import TwilioRest

INBOUND_PATH = "/twilio/inbound_call"  # Twilio's voice webhook: a call to an imported number
NOT_FOUND = "Number Not Found on Twilio."
BAD_CREDENTIALS = (
    "Twilio did not accept the credentials ({said}): check `twilioAccountSid` and "
    "`twilioAuthToken` (or `twilioApiKey` and `twilioApiSecret`)."
)


def inbound_url() -> str:
    return get_settings().public_url.rstrip("/") + INBOUND_PATH


async def connect_number(number: Document) -> None:
    """Checks that the number's account holds it, then points its voice URL at voxgate."""
    rest = TwilioRest(number)
    try:
        number_sid = await rest.find_number(str(number.get("number") or ""))
        if number_sid is None:
            raise CarrierError(NOT_FOUND, 404)
        await rest.point_voice_url(number_sid, inbound_url())
    except CarrierError as error:
        if error.status in (401, 403):
            raise CarrierError(BAD_CREDENTIALS.format(said=error), error.status) from error
        raise
