"""A call's status moved by something other than its running session: a carrier's status
callback, the scheduler, a sweep. Statuses only move forward, and each move is a compare-and-set
on the row (its status and `updatedAt` as read), so two writers (a replayed callback, a second
process, the session itself) never both win and neither overwrites what the other wrote.
"""

from collections.abc import Collection

from sqlalchemy import update

from voxgate.control.crud import Document, render_envelope
from voxgate.db.models import Call as CallRow
from voxgate.db.session import get_sessionmaker
from voxgate.kit.time import iso, utcnow

ORDER = ("scheduled", "queued", "ringing", "in-progress", "forwarding", "ended")
NOT_RUN = ("scheduled", "queued", "ringing")  # no session has the call (yet)
_ATTEMPTS = 5


async def advance(call_id: str, changes: Document, from_: Collection[str]) -> Document | None:
    """Writes `changes` onto the call if its status is one of `from_` (re-read on a clash);
    returns the call as written, or None when it is gone or has moved past `from_`."""
    sessions = get_sessionmaker()
    for _ in range(_ATTEMPTS):
        async with sessions() as session:
            row = await session.get(CallRow, call_id)
            if row is None or row.status not in from_:
                return None
            data = {**row.data, **changes}
            now = max(utcnow(), row.updated_at)
            written = await session.execute(
                update(CallRow)
                .where(
                    CallRow.id == call_id,
                    CallRow.status == row.status,
                    CallRow.updated_at == row.updated_at,
                )
                .values(data=data, status=data["status"], updated_at=now)
                .execution_options(synchronize_session=False)
            )
            await session.commit()
            if getattr(written, "rowcount", 0) == 1:
                return {**render_envelope(row), **data, "updatedAt": iso(now)}
    return None


def ended(reason: str) -> Document:
    return {"status": "ended", "endedAt": iso(utcnow()), "endedReason": reason}
