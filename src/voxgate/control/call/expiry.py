"""Calls nobody will end: a websocket call whose client never connects, and calls a crashed
process left `in-progress` or `queued`.

- While the server runs, `expire_queued` ends a `vapi.websocketCall` still `queued`
  `websocket_connect_timeout_seconds` after it was created (`…-transport-never-connected`).
- At startup, `recover` also ends every `in-progress` (or `forwarding`) call
  (`…-vapifault-worker-died`): one process serves every call, so none of them can still be
  live. Issue 6's scale-out (many processes) replaces "at startup" with "by the surviving
  processes", per call's owner.
"""

import asyncio
from collections.abc import Iterable
from datetime import timedelta

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from voxgate.control.call.service import kind as calls
from voxgate.control.crud import Repository
from voxgate.db.models import Call as CallRow
from voxgate.db.session import get_sessionmaker
from voxgate.kit.time import iso, utcnow

NEVER_CONNECTED = "call.in-progress.error-providerfault-transport-never-connected"
WORKER_DIED = "call.in-progress.error-vapifault-worker-died"
WEBSOCKET_CALL = "vapi.websocketCall"
LIVE = ("in-progress", "forwarding")  # a call talking, or being transferred by its carrier
log = structlog.get_logger()

Sessions = async_sessionmaker[AsyncSession]


async def _end(
    sessions: Sessions,
    ids: Iterable[str],
    reason: str,
    live: frozenset[str] | set[str] = frozenset(),
) -> int:
    ended = 0
    async with sessions() as session:
        for call_id in ids:
            if call_id in live:
                continue  # its client has just connected
            row = await session.get(CallRow, call_id)  # read again: it may have moved on
            if row is None or row.status not in ("queued", *LIVE):
                continue
            repo = Repository(session, calls, row.org_id)
            changes = {"status": "ended", "endedAt": iso(utcnow()), "endedReason": reason}
            await repo.update(row, {**row.data, **changes})
            ended += 1
        await session.commit()
    return ended


async def end_unconnected(
    timeout_seconds: float, live: set[str], sessions: Sessions | None = None
) -> int:
    """Ends the websocket calls queued longer than the timeout; `live` are calls whose client
    has just connected in this process (their row still says `queued` for a moment)."""
    sessions = sessions or get_sessionmaker()
    cutoff = utcnow() - timedelta(seconds=timeout_seconds)
    async with sessions() as session:
        ids = await session.scalars(
            select(CallRow.id).where(
                CallRow.status == "queued",
                CallRow.type == WEBSOCKET_CALL,
                CallRow.created_at < cutoff,
            )
        )
        stale = list(ids)
    return await _end(sessions, stale, NEVER_CONNECTED, live)


async def recover(timeout_seconds: float, sessions: Sessions | None = None) -> None:
    """At startup: ends the calls a previous process left behind."""
    sessions = sessions or get_sessionmaker()
    async with sessions() as session:
        orphans = list(await session.scalars(select(CallRow.id).where(CallRow.status.in_(LIVE))))
    died = await _end(sessions, orphans, WORKER_DIED)
    expired = await end_unconnected(timeout_seconds, set(), sessions)
    if died or expired:
        log.warning("ended calls left by a previous process", in_progress=died, queued=expired)


async def expire_queued(timeout_seconds: float, live: set[str]) -> None:
    """Runs until cancelled, checking a few times per timeout (at most every 5 s)."""
    interval = min(5.0, max(0.2, timeout_seconds / 4))
    while True:
        await asyncio.sleep(interval)
        try:
            await end_unconnected(timeout_seconds, live)
        except Exception:  # a database hiccup must not stop the next sweep
            log.exception("expiring queued calls failed")
