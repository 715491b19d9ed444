"""Phone-number rules beyond plain storage: legacy server fields, secrets, search, and
importing a number from its carrier.

A provider with a registered carrier (control/call/carriers.py: Twilio) is asked, before the row
is written, whether its account holds the number, and points the number's calls at voxgate; a
PATCH that changes the number or its credentials asks again, so a stored number always answers.
The carrier refusing is a 400 in its words (nothing stored), the carrier unreachable a 502.
A Telnyx or Vonage number reaches its carrier with the credential its `credentialId` names.
Providers without a carrier are stored as sent.
"""

from typing import Any

from sqlalchemy import ColumnElement, or_

from voxgate.control.call.carriers import CARRIERS, CarrierError, refused
from voxgate.control.credential.service import attach
from voxgate.control.crud import Document, render_envelope
from voxgate.control.secrets import keep_masked_echoes, masked
from voxgate.control.variants import Caller
from voxgate.db.models import PhoneNumber as PhoneNumberRow
from voxgate.wire.phone_number import SECRETS

# What the carrier checks: a change to any of them is checked again.
_CARRIER_FIELDS = (
    "number",
    "twilioAccountSid",
    "twilioAuthToken",
    "twilioApiKey",
    "twilioApiSecret",
    "credentialId",
)

# Legacy top-level field → the `server` key it stands for (VAPI-BEHAVIOUR §1.8, §4.1).
_LEGACY_SERVER_FIELDS = {"serverUrl": "url", "serverUrlSecret": "secret"}


def _apply_legacy_server_fields(changes: Document, stored: Document) -> Document:
    """`serverUrl`/`serverUrlSecret` are kept as sent and also set `server.url`/`server.secret`.

    A `server` object in the same body wins over them; `null` unsets both spellings.
    """
    sent = {legacy: key for legacy, key in _LEGACY_SERVER_FIELDS.items() if legacy in changes}
    if not sent:
        return changes
    base = changes["server"] if "server" in changes else stored.get("server")
    server = dict(base or {})
    for legacy, key in sent.items():
        explicit = isinstance(changes.get("server"), dict) and key in changes["server"]
        if explicit:
            continue
        if changes[legacy] is None:
            server.pop(key, None)
        else:
            server[key] = changes[legacy]
    return {**changes, "server": server or None}


def prepare(changes: Document, stored: Document | None) -> Document:
    if stored is None:
        # No carrier can activate or block a number yet: every stored number is usable.
        return {**_apply_legacy_server_fields(changes, {}), "status": "active"}
    changes = keep_masked_echoes(changes, stored, SECRETS)
    return _apply_legacy_server_fields(changes, stored)


async def connect(number: Document, stored: Document | None, caller: Caller) -> None:
    """Imports `number` from its carrier (on create, or when what the carrier checks changed)."""
    carrier = CARRIERS.get(str(number.get("provider")))
    if carrier is None:
        return
    if stored is not None and all(number.get(f) == stored.get(f) for f in _CARRIER_FIELDS):
        return
    try:
        await carrier.import_number(await attach(caller.session, caller.org_id, number))
    except CarrierError as error:
        raise refused(error) from error


def render(row: PhoneNumberRow) -> Document:
    return masked(render_envelope(row), SECRETS)


def _text(data: Document, key: str, size: int) -> str | None:
    value = data.get(key)
    # The columns only serve `search`; the full value stays in `data`.
    return value[:size] if isinstance(value, str) else None


def columns(data: Document) -> dict[str, Any]:
    return {
        "provider": data["provider"],
        "number": _text(data, "number", 64),
        "name": _text(data, "name", 64),
        "sip_uri": _text(data, "sipUri", 256),
    }


def search(text: str) -> ColumnElement[bool]:
    """Case-insensitive partial match on name, number or SIP URI; `%` and `_` match themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    table = PhoneNumberRow
    return or_(
        *(col.ilike(pattern, escape="\\") for col in (table.name, table.number, table.sip_uri))
    )
