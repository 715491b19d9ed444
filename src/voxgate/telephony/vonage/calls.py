"""A stored Vonage call with what its webhooks are checked against: its number's credential."""

from typing import Any

from sqlalchemy import select

from voxgate.control.call.phone_number import call_phone_number
from voxgate.control.credential.service import attach
from voxgate.db.models import Call as CallRow
from voxgate.db.session import get_sessionmaker
from voxgate.errors import BadRequest


async def call_and_credential(call_id: str) -> tuple[CallRow, dict[str, Any]] | None:
    """The Vonage call `call_id` and its number's credential; None when either is unknown (a
    number deleted since, say: nothing can check the request then)."""
    sessions = get_sessionmaker()
    async with sessions() as session:  # in turn, never nested (nested, one hung on SQLite)
        row = await session.scalar(select(CallRow).where(CallRow.id == call_id))
    if row is None or row.data.get("phoneCallProvider") != "vonage":
        return None
    number = await call_phone_number(row.org_id, row.data)
    if number is None:
        return None
    async with sessions() as session:
        try:
            attached = await attach(session, row.org_id, number)
        except BadRequest:  # its credential is gone
            return None
    return row, attached["credential"]
