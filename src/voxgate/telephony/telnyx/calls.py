"""What Telnyx's requests are checked against: a stored call, its number and the credential of
the account it runs on (the Telnyx public key and API key)."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voxgate.control.crud import Document
from voxgate.db.models import Call as CallRow
from voxgate.db.models import Credential as CredentialRow
from voxgate.db.models import PhoneNumber as PhoneNumberRow
from voxgate.db.session import get_sessionmaker


async def credential_of(session: AsyncSession, org_id: str, number: Document) -> Document | None:
    """The Telnyx credential the number names (of its org), or None."""
    credential_id = number.get("credentialId")
    row = await session.get(CredentialRow, credential_id) if credential_id else None
    if row is None or row.org_id != org_id or row.provider != "telnyx":
        return None
    found: Document = row.data
    return found


async def call_and_credential(
    call_id: str | None = None, call_control_id: str | None = None
) -> tuple[CallRow, Document] | None:
    """A Telnyx call (by voxgate's id, or by Telnyx's call control id) and its account's
    credential; None when either is unknown."""
    query = select(CallRow).where(CallRow.data["phoneCallProvider"].as_string() == "telnyx")
    if call_id is not None:
        query = query.where(CallRow.id == call_id)
    else:
        query = query.where(CallRow.provider_call_id == call_control_id)
    async with get_sessionmaker()() as session:
        row = await session.scalar(query.limit(1))
        if row is None:
            return None
        # One session: SQLite's sessions each hold the write lock (db/session.py), so a second
        # one opened inside this one (`call_phone_number`'s) would wait for it forever.
        number = await session.get(PhoneNumberRow, str(row.data.get("phoneNumberId")))
        if number is None or number.org_id != row.org_id:
            return None
        credential = await credential_of(session, row.org_id, number.data)
    return (row, credential) if credential is not None else None


async def number_of_application(
    session: AsyncSession, to: str, application_id: str
) -> tuple[PhoneNumberRow, Document] | None:
    """The imported number `to` assigned to the Call Control Application `application_id`,
    and its credential (the latest import, when the number was imported twice)."""
    query = select(PhoneNumberRow).where(
        PhoneNumberRow.provider == "telnyx", PhoneNumberRow.number == to
    )
    rows = (await session.scalars(query.order_by(PhoneNumberRow.updated_at.desc()))).all()
    for row in rows:
        credential: dict[str, Any] | None = await credential_of(session, row.org_id, row.data)
        if credential and credential.get("telnyxApplicationId") == application_id:
            return row, credential
    return None
