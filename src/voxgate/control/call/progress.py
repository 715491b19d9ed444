"""A call's status moved by something other than its running session: a carrier's status
callback, the scheduler, a sweep. Statuses only move forward, and each move is a compare-and-set
on the row (its status and `updatedAt` as read), so two writers (a replayed callback, a second
process, the session itself) never both win and neither overwrites what the other wrote.
"""

from collections.abc import Callable, Collection
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from voxgate.control.crud import Document, merge, storable
from voxgate.db.models import Call as CallRow
from voxgate.db.session import get_sessionmaker
from voxgate.kit.time import iso, utcnow

ORDER = ("scheduled", "queued", "ringing", "in-progress", "forwarding", "ended")
NOT_RUN = ("scheduled", "queued", "ringing")  # no session has the call (yet)
_ATTEMPTS = 5


def columns(data: Document) -> dict[str, Any]:
    """The call's columns kept from its document (list filters read them)."""
    return {
        "type": data["type"],
        "status": data["status"],
        "assistant_id": data.get("assistantId"),
        "phone_number_id": data.get("phoneNumberId"),
        "provider_call_id": data.get("phoneCallProviderId") or None,
    }


async def advance(call_id: str, changes: Document, from_: Collection[str]) -> Document | None:
    """Writes `changes` onto the call if its status is one of `from_` (re-read on a clash);
    returns the call as written, or None when it is gone or has moved past `from_`."""
    written = await _compare_and_set(call_id, changes, lambda status: status in from_, {})
    return written[1] if written else None


async def write(
    call_id: str, changes: Document, also: dict[str, Any] | None = None
) -> tuple[str, Document] | None:
    """Writes `changes` onto the call whatever its status (re-read on a clash, so no other
    writer's change is lost), except that an ended call stays ended: a late `in-progress`
    does not revive it. A `None` unsets its key. `also` sets columns outside the document in
    the same write (post_call.py's). Returns the status before and the call as written, or
    None when it is gone."""
    return await _compare_and_set(call_id, changes, lambda status: True, also or {})


async def _compare_and_set(
    call_id: str, changes: Document, accept: Callable[[str], bool], also: dict[str, Any]
) -> tuple[str, Document] | None:
    sessions = get_sessionmaker()
    for _ in range(_ATTEMPTS):
        async with sessions() as session:
            row = await session.get(CallRow, call_id)
            if row is None or not accept(row.status):
                return None
            data = storable(merge(row.data, changes))
            if row.status == "ended":  # final, whatever a late writer says
                data["status"] = "ended"
            # Always later than the read: a clash within one millisecond is still a clash.
            now = max(utcnow(), row.updated_at + timedelta(milliseconds=1))
            written = await session.execute(
                update(CallRow)
                .where(
                    CallRow.id == call_id,
                    CallRow.status == row.status,
                    CallRow.updated_at == row.updated_at,
                )
                .values(data=data, **columns(data), **also, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            await session.commit()
            if getattr(written, "rowcount", 0) == 1:
                return row.status, {
                    "id": row.id, "orgId": row.org_id, **data,
                    "createdAt": iso(row.created_at), "updatedAt": iso(now),
                }  # fmt: skip
    return None


def ended(reason: str) -> Document:
    return {"status": "ended", "endedAt": iso(utcnow()), "endedReason": reason}
