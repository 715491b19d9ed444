"""A Telnyx account (`POST /credential` with `provider: "telnyx"`) and its numbers
(`POST /phone-number` with the credential's `credentialId`).

Connecting the account checks its API key by making the Call Control Application voxgate's
calls run under: its webhook is voxgate's inbound route, and its id is stored on the credential
(`telnyxApplicationId`); a PATCH with a new key reuses the application when the account still
holds it, so its numbers stay assigned. Importing a number checks that the account holds it and
assigns it to that application, so calls to it reach the number's assistant or server.

Telnyx refusing is the client's mistake, said in words that name the fix: a number the account
does not hold ("Number Not Found on Telnyx."), an API key Telnyx does not accept (its 401).
Telnyx unreachable or failing (no status, or a 5xx) stays a `CarrierError` without a 4xx status,
which the control plane answers with a 502.
"""

from voxgate.control.call.carriers import CarrierError, Document
from voxgate.telephony.telnyx.client import TelnyxRest
from voxgate.telephony.telnyx.signature import public_key
from voxgate.telephony.telnyx.urls import INBOUND_PATH, public

APPLICATION_NAME = "voxgate"
NOT_FOUND = "Number Not Found on Telnyx."
BAD_KEY = "Telnyx did not accept the API key ({said}): check the credential's `apiKey`."
BAD_PUBLIC_KEY = (
    "publicKey must be the account's Ed25519 public key in base64 (Mission Control, Keys & "
    "Credentials, Public Key): Telnyx's webhooks are checked with it."
)
NO_APPLICATION = (
    "The Telnyx credential has no Call Control Application: send its `apiKey` again "
    "(PATCH /credential) so voxgate makes one."
)


def _key_refused(error: CarrierError) -> CarrierError:
    if error.status in (401, 403):
        return CarrierError(BAD_KEY.format(said=error), 400)
    return error


def _check_shape(credential: Document) -> None:
    key = credential.get("apiKey")
    if not isinstance(key, str) or not (key.isascii() and key.isprintable()):
        raise CarrierError("apiKey is not a Telnyx API key.", 400)
    try:
        public_key(str(credential.get("publicKey") or ""))
    except ValueError:
        raise CarrierError(BAD_PUBLIC_KEY, 400) from None


async def connect_account(credential: Document) -> Document:
    """Checks the API key by making the account's Call Control Application (or, when the
    credential has one the account still holds, pointing it at voxgate again: a rotated key
    keeps the numbers assigned to it); returns its id."""
    _check_shape(credential)
    rest, url = TelnyxRest(credential["apiKey"]), public(INBOUND_PATH)
    known = credential.get("telnyxApplicationId")
    try:
        if known and await rest.point_application(str(known), APPLICATION_NAME, url):
            return {"telnyxApplicationId": known}
        application = await rest.create_application(APPLICATION_NAME, url)
    except CarrierError as error:
        raise _key_refused(error) from error
    return {"telnyxApplicationId": application}


async def connect_number(number: Document) -> None:
    """Checks that the number's account holds it, then assigns it to voxgate's application."""
    credential = number.get("credential") or {}
    application = credential.get("telnyxApplicationId")
    if not application:
        raise CarrierError(NO_APPLICATION, 400)
    rest = TelnyxRest(str(credential.get("apiKey")))
    try:
        number_id = await rest.find_number(str(number.get("number") or ""))
        if number_id is None:
            raise CarrierError(NOT_FOUND, 404)
        await rest.assign_number(number_id, str(application))
    except CarrierError as error:
        raise _key_refused(error) from error
