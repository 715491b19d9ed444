"""Each process's live calls, marked alive in the database every few seconds (`call.alive_at`),
so that the others tell a process that died from one that only lost Redis.

With several processes (a Redis bus), a call no process claims over Redis is ended as
`…-worker-died` by the others (expiry.py), but only once its heartbeat is older than
`VOXGATE_CALL_LEASE_SECONDS`: a process cut off from Redis while it still reaches the database
keeps its calls. A process that died stops beating, so its calls still end, a lease later. A
call not beaten for yet (it went `in-progress` within the last heartbeat) counts from its last
write. Without Redis nothing is written: one process runs every call. The heartbeat is written
on one host's clock and read on another's, as the outbox's leases are: the hosts' clocks must
agree to well within a lease (NTP).
"""

import asyncio
from collections.abc import Collection
from datetime import timedelta

import structlog
from sqlalchemy import ColumnElement, and_, or_, update

from voxgate.db.models import Call as CallRow
from voxgate.db.outage import is_outage
from voxgate.db.session import get_sessionmaker
from voxgate.kit.time import utcnow

log = structlog.get_logger()


async def touch(call_ids: Collection[str]) -> None:
    """Marks these calls alive now, in one statement (none: no statement)."""
    if not call_ids:
        return
    async with get_sessionmaker()() as session:
        await session.execute(
            update(CallRow)
            .where(CallRow.id.in_(call_ids))
            .values(alive_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        await session.commit()


def lapsed(lease_seconds: float) -> ColumnElement[bool]:
    """The calls whose heartbeat (before their first one, their last write) is older than the
    lease: no process has said for that long that it runs them."""
    cutoff = utcnow() - timedelta(seconds=lease_seconds)
    never = and_(CallRow.alive_at.is_(None), CallRow.updated_at < cutoff)
    return or_(CallRow.alive_at < cutoff, never)


async def beat(live: set[str], period_seconds: float) -> None:
    """Runs until cancelled: marks this process's live calls (`runner.live_calls`) alive every
    period. It runs beside the calls, never in one: a failed write is logged, and the next
    beat writes again (the lease is several beats long)."""
    while True:
        await asyncio.sleep(period_seconds)
        try:
            await touch(list(live))  # a copy: calls come and go while it is written
        except Exception as error:
            if is_outage(error):
                log.warning("the heartbeat waits for the database", error=repr(error))
            else:
                log.exception("writing the heartbeat of live calls failed")
