"""The org's concurrent-call limit (`VOXGATE_MAX_CONCURRENT_CALLS_PER_ORG`): a call that would
take the org past it is refused when it is created, as Vapi refuses it ("Over Concurrency
Limit", a 429 its SDKs retry with backoff).

The count is read from the database, so it holds whichever process created or runs the calls.
Two creates must not both read "one slot left": each first locks its org's row (`SELECT … FOR
UPDATE` on PostgreSQL, held until the create commits, so the second create counts the first's
call; on SQLite every transaction already holds the write lock from its start, db/session.py),
then counts and inserts in the same transaction.
"""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from voxgate.config import get_settings
from voxgate.db.models import Call as CallRow
from voxgate.db.models import Org
from voxgate.errors import TooManyRequests

# The statuses that hold a slot: every one before `ended`.
ACTIVE = ("queued", "ringing", "in-progress", "forwarding")
OVER_LIMIT = "Over Concurrency Limit"  # Vapi's words, as its users report them
# Where a call that arrives rather than is created (an inbound phone call) records the refusal.
ENDED_REASON = "call.start.error-subscription-concurrency-limit-reached"


class OverConcurrencyLimit(TooManyRequests):
    ended_reason = ENDED_REASON

    def __init__(self) -> None:
        super().__init__(OVER_LIMIT)


async def active_calls(session: AsyncSession, org_id: str) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(CallRow)
        .where(CallRow.org_id == org_id, CallRow.status.in_(ACTIVE))
    )
    return int(count or 0)


async def check_concurrency(session: AsyncSession, org_id: str) -> None:
    """Raises `OverConcurrencyLimit` when the org has no slot left; otherwise the caller's
    transaction holds the org until it commits, so insert the call in it."""
    limit = get_settings().max_concurrent_calls_per_org
    if limit is None:
        return
    await session.execute(select(Org.id).where(Org.id == org_id).with_for_update())
    if await active_calls(session, org_id) >= limit:
        raise OverConcurrencyLimit()
