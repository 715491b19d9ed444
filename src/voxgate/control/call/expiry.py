"""Calls nobody will end: a websocket call whose client never connects, and calls a crashed
process left `in-progress` or `queued`.

- While the server runs, `expire_queued` ends a `vapi.websocketCall` still `queued`
  `websocket_connect_timeout_seconds` after it was created (`…-transport-never-connected`), and
  an `inboundPhoneCall` still `ringing` as long (the carrier never opened its media stream:
  the caller hung up first, or the stream was refused).
- While the server runs, `end_unanswered` ends an outbound phone call still `queued` or
  `ringing` `phone_ring_timeout_seconds` after it was dialed (15 min: Twilio stops ringing
  after 10 at most, so its final status callback was lost); an outbound phone call is never
  ended for the websocket's timeout, which does not apply to it.
- At startup, `recover` also ends every `in-progress` (or `forwarding`) call
  (`…-vapifault-worker-died`): one process serves every call, so none of them can still be live.

With several processes (a Redis bus, bus.py) a call another process runs is live: no sweep ends
it, and a process starting ends only the `in-progress` calls no process runs. Every process's
sweeper also ends those from then on, so a crashed process's calls end on the survivors. "No
process runs it" takes two witnesses: nobody claims it over Redis, and its heartbeat in the
database has lapsed (heartbeat.py), so a process that only lost Redis keeps its calls. A process
starting leaves alone a call whose heartbeat is fresh (another process is still beating for
it, or a process that died a moment ago was): the sweep ends it once the lease has passed.
"""

import asyncio
from collections.abc import Iterable
from datetime import timedelta

import structlog
from redis.exceptions import RedisError
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from voxgate.config import get_settings
from voxgate.control.call.bus import current, running_anywhere
from voxgate.control.call.heartbeat import lapsed
from voxgate.control.call.phone import failed_to_connect
from voxgate.control.call.unrun import end_unrun
from voxgate.db.models import Call as CallRow
from voxgate.db.outage import is_outage
from voxgate.db.session import get_sessionmaker
from voxgate.kit.time import utcnow

NEVER_CONNECTED = "call.in-progress.error-providerfault-transport-never-connected"
WORKER_DIED = "call.in-progress.error-vapifault-worker-died"
WEBSOCKET_CALL = "vapi.websocketCall"
INBOUND_CALL = "inboundPhoneCall"
PHONE_CALL = "outboundPhoneCall"
UNANSWERED = "customer-did-not-answer"
LIVE = ("in-progress", "forwarding")  # a call talking, or being transferred by its carrier
_ENDABLE = ("queued", "ringing", *LIVE)
ORPHAN_GRACE_SECONDS = 3.0
log = structlog.get_logger()

Sessions = async_sessionmaker[AsyncSession]


async def _end(
    ids: Iterable[str], reason: str, live: frozenset[str] | set[str] = frozenset()
) -> int:
    """Ends each call not `live` here or in another process, if it has not moved on meanwhile
    (a compare-and-set), and tells its server (`status-update`, `end-of-call-report`), as
    every end is told."""
    ids = list(ids)
    live = set(live) | await running_anywhere(ids)  # this process's, and the others' (bus.py)
    ended = 0
    for call_id in ids:
        if call_id not in live and await end_unrun(call_id, reason, _ENDABLE) is not None:
            ended += 1
    return ended


async def end_unconnected(
    timeout_seconds: float, live: set[str], sessions: Sessions | None = None
) -> int:
    """Ends the websocket calls queued (and the inbound calls ringing) longer than the timeout;
    `live` are calls whose client has just connected in this process (their row still says
    `queued` or `ringing` for a moment)."""
    sessions = sessions or get_sessionmaker()
    cutoff = utcnow() - timedelta(seconds=timeout_seconds)
    async with sessions() as session:
        ids = await session.scalars(
            select(CallRow.id).where(
                or_(
                    and_(CallRow.status == "queued", CallRow.type == WEBSOCKET_CALL),
                    and_(CallRow.status == "ringing", CallRow.type == INBOUND_CALL),
                ),
                CallRow.created_at < cutoff,
            )
        )
        stale = list(ids)
    return await _end(stale, NEVER_CONNECTED, live)


async def _unbeaten(sessions: Sessions) -> list[str]:
    """The `in-progress` (or `forwarding`) calls; with several processes, only those whose
    heartbeat has lapsed (heartbeat.py): a process cut off from Redis still beats for its own."""
    query = select(CallRow.id).where(CallRow.status.in_(LIVE))
    if current() is not None:
        query = query.where(lapsed(get_settings().call_lease_seconds))
    async with sessions() as session:
        return list(await session.scalars(query))


async def end_orphans(
    sessions: Sessions | None = None, live: frozenset[str] | set[str] = frozenset()
) -> int:
    """Ends the `in-progress` (or `forwarding`) calls no process runs (their process died);
    `live` are this process's own (Redis, just back, may not know them yet)."""
    sessions = sessions or get_sessionmaker()
    orphans = await _unbeaten(sessions)
    if current() is not None and set(orphans) - await running_anywhere(orphans):
        # Seen twice, a while apart: a running process whose Redis connection has just come
        # back subscribes again in the meantime (`_end` asks again), and one whose heartbeat
        # was late has written it.
        await asyncio.sleep(ORPHAN_GRACE_SECONDS)
        still = set(await _unbeaten(sessions))
        orphans = [call_id for call_id in orphans if call_id in still]
    return await _end(orphans, WORKER_DIED, live)


async def recover(timeout_seconds: float, sessions: Sessions | None = None) -> None:
    """At startup: ends the calls a previous process left behind (with several processes,
    those whose heartbeat has lapsed: a fresh one is another process's, still running)."""
    sessions = sessions or get_sessionmaker()
    try:
        died = await end_orphans(sessions)
        expired = await end_unconnected(timeout_seconds, set(), sessions)
    except RedisError:  # which calls other processes run is unknown: the sweeps end them later
        log.warning("Redis is unreachable: calls left behind are ended once it is back")
        return
    if died or expired:
        log.warning("ended calls left by a previous process", in_progress=died, queued=expired)


async def end_unanswered(limit_seconds: float) -> int:
    """Ends the outbound phone calls dialed longer ago than the limit with no final status."""
    cutoff = utcnow() - timedelta(seconds=limit_seconds)
    async with get_sessionmaker()() as session:
        rows = await session.execute(
            select(CallRow.id, CallRow.status, CallRow.data["phoneCallProvider"].as_string()).where(
                CallRow.status.in_(("queued", "ringing")),
                CallRow.type == PHONE_CALL,
                CallRow.updated_at < cutoff,  # the dial (or the claim of a scheduled call)
            )
        )
        stale = [(row[0], row[1], row[2]) for row in rows]
    for call_id, status, provider in stale:
        # Never said to ring: the carrier's own failed-to-connect reason.
        never_placed = failed_to_connect({"provider": provider})
        await end_unrun(call_id, UNANSWERED if status == "ringing" else never_placed)
    return len(stale)


async def expire_queued(
    timeout_seconds: float, live: set[str], ring_timeout_seconds: float | None = None
) -> None:
    """Runs until cancelled, checking a few times per timeout (at most every 5 s)."""
    interval = min(5.0, max(0.2, timeout_seconds / 4))
    while True:
        await asyncio.sleep(interval)
        try:
            await end_unconnected(timeout_seconds, live)
            if ring_timeout_seconds is not None:
                await end_unanswered(ring_timeout_seconds)
            if current() is not None:  # several processes: one of them may have died
                await end_orphans(live=live)
        except Exception as error:  # a database hiccup must not stop the next sweep
            if isinstance(error, RedisError) or is_outage(error):
                log.warning("expiring calls waits for a backend", error=repr(error))
            else:
                log.exception("expiring queued calls failed")
