"""A call's phone number as server messages need it (VAPI-BEHAVIOUR §5.1): its `server`, the
third step of the target precedence (tool → assistant → phone number → org), and the
`phoneNumber` common field.

The number is the stored one the call names (`phoneNumberId`, looked up in the call's org) or
the call's transient `phoneNumber`. The field is the number as its `Create…PhoneNumberDTO`:
the envelope (`id`, `orgId`, dates, `status`) is left out, and so is every secret: the carrier's
(`twilioAuthToken`, `twilioApiSecret`), the SIP digest credentials, and the number's own server
secret and static headers, which may go to a different server than the number's (the assistant's).
"""

from typing import Any

from voxgate.control.crud import Document
from voxgate.db.models import PhoneNumber as PhoneNumberRow
from voxgate.db.session import get_sessionmaker
from voxgate.wire.phone_number import PHONE_NUMBER_MODELS

_SECRET_FIELDS = ("twilioAuthToken", "twilioApiSecret", "serverUrlSecret", "authentication")
_SECRET_SERVER_FIELDS = ("secret", "headers")


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


async def call_phone_number(org_id: str, call: Document) -> Document | None:
    """The call's number, whole (its secrets included: the target needs the server's), or
    None when it names none (or a number of another org, or one deleted since)."""
    if isinstance(call.get("phoneNumber"), dict):
        found: Document = call["phoneNumber"]
        return found
    number_id = call.get("phoneNumberId")
    if not isinstance(number_id, str):
        return None
    async with get_sessionmaker()() as session:
        row = await session.get(PhoneNumberRow, number_id)
    if row is None or row.org_id != org_id:
        return None
    stored: Document = row.data
    return stored


def number_server(number: Document | None) -> Document | None:
    """The number's `server`, or the legacy `serverUrl`/`serverUrlSecret` of a transient one
    (a stored number has them folded into `server` already)."""
    number = _object(number)
    server = dict(_object(number.get("server")))
    if not server.get("url") and isinstance(number.get("serverUrl"), str):
        server["url"] = number["serverUrl"]
        if number.get("serverUrlSecret") and not server.get("secret"):
            server["secret"] = number["serverUrlSecret"]
    return server or None


def without_secrets(number: Document) -> Document:
    """The number with no secret (the call's own `phoneNumber`, in the shape it was sent)."""
    shown = {k: v for k, v in number.items() if k not in _SECRET_FIELDS}
    if isinstance(shown.get("server"), dict):
        shown["server"] = {
            k: v for k, v in shown["server"].items() if k not in _SECRET_SERVER_FIELDS
        }
    return shown


def message_field(number: Document) -> Document:
    """The `phoneNumber` common field: the create DTO's fields, no secret. A transient number
    sent in the shape `CreateCallDTO` documents (`ImportTwilioPhoneNumberDTO`: no `provider`,
    `twilioPhoneNumber`) is told as the Twilio number it is."""
    if "provider" not in number and "twilioPhoneNumber" in number:
        rest = {k: v for k, v in number.items() if k != "twilioPhoneNumber"}
        number = {"provider": "twilio", "number": number["twilioPhoneNumber"], **rest}
    model = PHONE_NUMBER_MODELS.create.get(str(number.get("provider")))
    known = (
        {field.alias or name for name, field in model.model_fields.items()}
        if model is not None
        else set(number)
    )
    return without_secrets({k: v for k, v in number.items() if k in known})
