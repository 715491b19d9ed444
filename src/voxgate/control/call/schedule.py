"""Scheduled phone calls (`schedulePlan`, VAPI-BEHAVIOUR §3.1): a loop in the app's lifespan
dials each `scheduled` call once `earliestAt` has come, and ends the ones whose `latestAt` has
passed undialed.

A due call is claimed by moving it `scheduled` → `queued` with a compare-and-set
(progress.py): of two processes, or two sweeps, only one wins, and only the winner dials.
The assistant is resolved when the call connects, so a saved assistant edited (or deleted)
since the create is read as it is then. There is no column for `earliestAt`: scheduled calls
are few, and each sweep reads them by status (indexed) and checks their plan here.

With a job queue (`VOXGATE_REDIS_URL`, worker/jobs.py) a scheduled call is two jobs instead,
queued when it is created: one at `earliestAt` dials it, one at `latestAt` ends it if it is
still scheduled (`take_due`, the same check and claim as the sweep). The sweep then runs every
`LOST_SECONDS` only, queueing the jobs again (their keys refuse duplicates) in case the queue
lost them.
"""

import asyncio
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import select

from voxgate.control.call.carriers import CarrierError
from voxgate.control.call.outbound import queue_call
from voxgate.control.call.phone import calling_number, failed_to_connect, place
from voxgate.control.call.progress import advance
from voxgate.control.call.unrun import end_unrun
from voxgate.control.crud import Document, render_envelope
from voxgate.db.models import Call as CallRow
from voxgate.db.session import get_sessionmaker
from voxgate.errors import BadRequest
from voxgate.kit.time import utcnow
from voxgate.worker.jobs import current

# Vapi's enum has no "window passed": the one reason for a scheduled call taken off the
# schedule undialed is the nearest (docs/architecture.md says why).
WINDOW_PASSED = "scheduled-call-deleted"
NO_NUMBER = "call.start.error-get-phone-number"
INTERVAL_SECONDS = 1.0
LOST_SECONDS = 30.0  # the sweep's period with a queue: it only finds jobs the queue lost
log = structlog.get_logger()


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def _dial(call: Document) -> None:
    """Places a claimed call; one that cannot be placed ends (nobody is waiting on a 400)."""
    async with get_sessionmaker()() as session:
        try:
            number = await calling_number(session, call["orgId"], call)
        except BadRequest:  # its number was deleted (or its carrier dropped) since
            await end_unrun(call["id"], NO_NUMBER)
            return
    try:
        await place(call, number)
    except CarrierError as error:
        log.warning(
            "a scheduled call was refused by its carrier", call_id=call["id"], error=str(error)
        )
        await end_unrun(call["id"], failed_to_connect(number))


async def _take(row: CallRow, now: datetime) -> bool:
    """Ends the call if its window has passed, dials it if it is due; whether it dialed."""
    plan = row.data.get("schedulePlan") or {}
    earliest, latest = _moment(plan.get("earliestAt")), _moment(plan.get("latestAt"))
    if latest is not None and latest <= now:
        await end_unrun(row.id, WINDOW_PASSED)
    elif earliest is None or earliest <= now:
        claimed = await advance(row.id, {"status": "queued"}, ("scheduled",))
        if claimed is not None:  # else another process (or sweep, or job) has it
            await _dial({**render_envelope(row), **claimed})
            return True
    return False


async def run_due() -> int:
    """Dials the scheduled calls that are due, ends the expired; returns how many it dialed."""
    now = utcnow()
    async with get_sessionmaker()() as session:
        rows = list(await session.scalars(select(CallRow).where(CallRow.status == "scheduled")))
    return sum([await _take(row, now) for row in rows])


async def take_due(ctx: Any, *, call: str) -> None:
    """The job: the call dialed or ended if it is still scheduled and its moment has come."""
    async with get_sessionmaker()() as session:
        row = await session.get(CallRow, call)
    if row is not None and row.status == "scheduled":
        await _take(row, utcnow())


async def queue_scheduled() -> None:
    """Queues every scheduled call's jobs again: those the queue still has are refused."""
    async with get_sessionmaker()() as session:
        rows = list(await session.scalars(select(CallRow).where(CallRow.status == "scheduled")))
    for row in rows:
        await queue_call(row.id, row.data)


async def dial_scheduled() -> None:
    """Runs until cancelled: the sweep, or with a queue the jobs' safety net."""
    queued = current() is not None
    while True:
        if not queued:
            await asyncio.sleep(INTERVAL_SECONDS)
        try:  # with a queue, at once: calls stored while there was none have no jobs
            await (queue_scheduled() if queued else run_due())
        except Exception:  # a database hiccup must not stop the next sweep
            log.exception("dialing scheduled calls failed")
        if queued:
            await asyncio.sleep(LOST_SECONDS)
