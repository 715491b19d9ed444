"""Session rules (VAPI-BEHAVIOUR §9.4): who a session's assistant is, and when it takes chats.

A session takes chats while it is `active` and younger than its `expirationSeconds` (86400 by
default, counted from its creation). Its messages are kept in the chat's stored form
(`control/chat/messages.py`); each chat naming it appends its input and its answer.
"""

import time
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voxgate.control.chat.messages import stored
from voxgate.control.crud import Document, Kind, Repository
from voxgate.db.models import Assistant as AssistantRow
from voxgate.db.models import PhoneNumber as PhoneNumberRow
from voxgate.db.models import Session as SessionRow
from voxgate.errors import BadRequest, NotFound
from voxgate.kit.time import utcnow
from voxgate.wire.session import DEFAULT_EXPIRATION_SECONDS

NO_SQUADS = "Sessions with a squad are not supported by voxgate yet. Use an assistant."
ONE_SOURCE = "Only one of `assistant` and `assistantId` may be set."

kind = Kind(
    SessionRow,
    "Session",
    columns=lambda data: {
        "name": data.get("name"),
        "assistant_id": data.get("assistantId"),
        "squad_id": data.get("squadId"),
        "phone_number_id": data.get("phoneNumberId"),
    },
)
# What a session may name, and what must then exist in the caller's org.
_NAMED: dict[str, Kind[Any]] = {
    "assistantId": Kind(AssistantRow, "Assistant"),
    "phoneNumberId": Kind(PhoneNumberRow, "Phone Number"),
}


def with_stored_messages(data: Document) -> Document:
    if not isinstance(data.get("messages"), list):  # absent, or null (unset) in a PATCH
        return data
    now_ms = int(time.time() * 1000)
    return {**data, "messages": [stored(message, now_ms) for message in data["messages"]]}


async def check_session(session: AsyncSession, org_id: str, data: Document) -> None:
    """A squad is refused; a named assistant or phone number must be the org's."""
    if "squad" in data or "squadId" in data:
        raise BadRequest(NO_SQUADS)
    if "assistant" in data and "assistantId" in data:
        raise BadRequest(ONE_SOURCE)
    for field, named in _NAMED.items():
        if field in data:
            try:
                await Repository(session, named, org_id).get(data[field])
            except NotFound:
                noun = named.noun
                raise BadRequest(
                    f"Couldn't Get {noun}. `{field}` {data[field]} Does Not Exist."
                ) from None


async def open_session(session: AsyncSession, org_id: str, session_id: str) -> Document:
    """The session a chat continues; a 400 when it is unknown, completed or expired."""
    try:
        row = await Repository(session, kind, org_id).get(session_id)
    except NotFound:
        raise BadRequest(
            f"Couldn't Get Session. `sessionId` {session_id} Does Not Exist."
        ) from None
    if row.data.get("status") == "completed":
        raise BadRequest(f"Session {session_id} is completed: it takes no more chats.")
    seconds = row.data.get("expirationSeconds", DEFAULT_EXPIRATION_SECONDS)
    if utcnow() >= row.created_at + timedelta(seconds=seconds):
        raise BadRequest(f"Session {session_id} has expired: it takes no more chats.")
    data: Document = row.data
    return data


async def append(session: AsyncSession, org_id: str, session_id: str, messages: list[Any]) -> None:
    """Adds a chat's messages to its session (unless the session was deleted meanwhile)."""
    repo = Repository(session, kind, org_id)
    try:
        row = await repo.get(session_id)
    except NotFound:
        return
    await repo.update(row, {**row.data, "messages": [*row.data.get("messages", []), *messages]})
