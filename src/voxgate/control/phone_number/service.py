"""Phone-number rules beyond plain storage: legacy server fields, secrets, search.

Importing a number (twilio, vonage, telnyx) only stores it: nothing calls the carrier yet, so
credentials are not checked and no webhook is configured there. That comes with the telephony
issue, which will do it here, before the row is written.
"""

from typing import Any

from sqlalchemy import ColumnElement, or_

from voxgate.control.crud import Document, render_envelope
from voxgate.control.secrets import keep_masked_echoes, masked
from voxgate.db.models import PhoneNumber as PhoneNumberRow
from voxgate.wire.phone_number import SECRETS

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
