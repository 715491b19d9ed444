"""Importing a Twilio number (`POST /phone-number`, and a PATCH that changes the number or its
credentials): the account must hold the number, and its voice webhook is pointed at voxgate's
inbound route (inbound.py), so calls to it reach the number's assistant or server. A number
imported with an API key rather than its auth token gets that URL with its token (signature.py).

Twilio refusing is the client's mistake, said in words that name the fix: a number the account
does not hold (Vapi's "Number Not Found on Twilio."), credentials Twilio does not accept (its
401). Twilio unreachable or failing (no status, or a 5xx) is not: it stays a `CarrierError`
without a 4xx status, which the control plane answers with a 502.
"""

import re

from voxgate.config import get_settings
from voxgate.control.call.carriers import CarrierError, Document
from voxgate.telephony.twilio import signature
from voxgate.telephony.twilio.client import TwilioRest

INBOUND_PATH = "/twilio/inbound_call"  # Twilio's voice webhook: a call to an imported number
NOT_FOUND = "Number Not Found on Twilio."
BAD_CREDENTIALS = (
    "Twilio did not accept the credentials ({said}): check `twilioAccountSid` and "
    "`twilioAuthToken` (or `twilioApiKey` and `twilioApiSecret`)."
)

_ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}")
_CREDENTIALS = ("twilioAuthToken", "twilioApiKey", "twilioApiSecret")


def inbound_url(number: Document) -> str:
    """The number's voice webhook: the same route for every number, with the number's token
    when its requests cannot be signature-checked (signature.py)."""
    url = get_settings().public_url.rstrip("/") + INBOUND_PATH
    return signature.tokened(url, number, signature.inbound_subject(number))


def _check_shape(number: Document) -> None:
    """Refuses what Twilio could never accept (nor HTTP carry), before asking it."""
    if not _ACCOUNT_SID.fullmatch(str(number.get("twilioAccountSid"))):
        said = "twilioAccountSid must be a Twilio account SID: AC and 32 hexadecimal digits."
        raise CarrierError(said, 400)
    for field in _CREDENTIALS:
        value = number.get(field)
        if isinstance(value, str) and not (value.isascii() and value.isprintable()):
            raise CarrierError(f"{field} is not a Twilio credential.", 400)
    pair = number.get("twilioApiKey") and number.get("twilioApiSecret")
    if not number.get("twilioAuthToken") and not pair:
        said = "Importing a Twilio number needs `twilioAuthToken` (or `twilioApiKey` and "
        raise CarrierError(said + "`twilioApiSecret`).", 400)


async def connect_number(number: Document) -> None:
    """Checks that the number's account holds it, then points its voice URL at voxgate."""
    _check_shape(number)
    rest = TwilioRest(number)
    try:
        number_sid = await rest.find_number(str(number.get("number") or ""))
        if number_sid is None:
            raise CarrierError(NOT_FOUND, 404)
        # Pointed again on every import: a switch between auth token and API key changes it.
        await rest.point_voice_url(number_sid, inbound_url(number))
    except CarrierError as error:
        if error.status in (401, 403):
            raise CarrierError(BAD_CREDENTIALS.format(said=error), error.status) from error
        raise
