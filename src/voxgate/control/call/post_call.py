"""A call's post-call work (engine/after_call.py: its analysis, then the `end-of-call-report`),
run so that it survives the death of the process that ran the call.

The call's end is written with the work due (`DbCallStore.end`): the column `post_call` holds the
assistant that had the call at its end and whether to analyse, `post_call_due` a lease held by
that process. Once the session's own messages are stored, `begin` runs the work: as a job of
the shared queue (`VOXGATE_REDIS_URL`), else in a task of this process (`AFTER_CALL`, which a
drain waits for), either handed that lease. `run` claims the row (a compare-and-set on the lease:
one runner at a time; taken once the lease ran out, or by whoever was handed it while nobody
else has claimed it since), rebuilds the call's store and server messenger from the database as
unrun.py does, runs the engine's `after_call`, waits for the report to be stored and clears the
marker. A failing LLM costs only the analysis; only the database failing leaves it due.

The sweep takes what a dead process left: every row whose lease ran out and, at the start of a
process without a queue (then the only process), every row due at all. A process that dies
after storing the report and before clearing the marker sends it twice: at least once, as every
server message.
"""

import asyncio
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import null, select, update
from sqlalchemy.orm import undefer
from structlog.contextvars import bound_contextvars

from voxgate.config import get_settings
from voxgate.control.call.live import DbCallStore
from voxgate.control.call.server_messages import DbServerMessages
from voxgate.control.crud import Document, render_envelope
from voxgate.db.models import Call as CallRow
from voxgate.db.outage import retrying
from voxgate.db.session import get_sessionmaker
from voxgate.engine.after_call import after_call, track
from voxgate.engine.ports import PostCall
from voxgate.engine.server_messages import ServerMessenger
from voxgate.kit.time import utcnow
from voxgate.worker import jobs

POST_CALL = "post-call"
_LONGEST_SWEEP_SECONDS = 30.0
log = structlog.get_logger()


class NotStored(Exception):
    """The report could not be stored: the work stays due."""


def _lease() -> float:
    return get_settings().post_call_lease_seconds


async def _claim(call_id: str, held: datetime | None) -> tuple[Document, PostCall] | None:
    """The call and its work, with the lease taken; None when it is not due, or another
    process holds it. `held` is the lease the caller holds (the one written with the call's
    end): once anyone has claimed the work since, it no longer lets the caller in."""
    async with get_sessionmaker()() as session:
        row = await session.get(CallRow, call_id, options=[undefer(CallRow.post_call)])
        if row is None or row.post_call_due is None or not isinstance(row.post_call, dict):
            return None
        now = utcnow()
        if row.post_call_due > now and row.post_call_due != held:
            return None
        call, work = render_envelope(row), row.post_call
        taken = await session.execute(
            update(CallRow)
            .where(CallRow.id == call_id, CallRow.post_call_due == row.post_call_due)
            .values(post_call_due=now + timedelta(seconds=_lease()))
            .execution_options(synchronize_session=False)
        )
        await session.commit()
    if getattr(taken, "rowcount", 0) != 1:
        return None  # another runner took it between the read and the write
    return call, PostCall(work.get("assistant") or {}, analyse=bool(work.get("analyse")))


async def _clear(call_id: str) -> None:
    async with get_sessionmaker()() as session:
        await session.execute(
            update(CallRow)
            .where(CallRow.id == call_id)
            .values(post_call=null(), post_call_due=None)  # its credentials go with it
            .execution_options(synchronize_session=False)
        )
        await session.commit()


async def run(call_id: str, held: datetime | None = None) -> bool:
    """The work of one call, if it is due and nobody else holds it; whether it ran. Raises
    when the database fails (the work stays due)."""
    claimed = await retrying(lambda: _claim(call_id, held), "post-call claim")
    if claimed is None:
        return False
    call, work = claimed
    store = DbCallStore(call["orgId"], call_id, call)
    port = DbServerMessages(store, work.assistant or None)
    server = ServerMessenger(port, work.assistant.get("serverMessages"), dict)
    with bound_contextvars(call_id=call_id, org_id=call["orgId"]):
        await after_call(call, work, store, server)
        await port.flush()
        if port.lost:
            raise NotStored(f"the end-of-call-report of call {call_id} was not stored")
        await retrying(lambda: _clear(call_id), "post-call done")
    return True


async def _here(call_id: str, held: datetime | None) -> None:
    try:
        await run(call_id, held)
    except Exception:  # left due: the sweep takes it again once the lease runs out
        log.exception("post-call work failed; it stays due", call_id=call_id)


async def job(ctx: Any, *, call: str, held: str | None = None) -> None:
    """The job (ctx is SAQ's): raising lets SAQ retry it."""
    await run(call, datetime.fromisoformat(held) if held else None)


async def _queue(call_id: str, key: str, held: datetime | None) -> bool:
    """Whether the job was queued (False: no queue, Redis unreachable, or the key taken)."""
    queue, lease = jobs.current(), held.isoformat() if held else None
    return queue is not None and await queue.enqueue(
        POST_CALL, key, None, _lease(), call=call_id, held=lease
    )


async def begin(store: DbCallStore) -> None:
    """Runs the post-call work of the call `store` ended, once its session's messages are
    stored (its report comes after them): a job, else (no queue, or unreachable) here."""
    held, key = store.post_call_due, f"{POST_CALL}:{store.call_id}"
    if held is not None and not await _queue(store.call_id, key, held):
        track(_here(store.call_id, held))


async def sweep(*, everything: bool = False) -> int:
    """Runs (or queues) the work of every call whose lease ran out, or with `everything` of
    every call due; returns how many."""
    query = select(CallRow.id, CallRow.post_call_due).where(CallRow.post_call_due.is_not(None))
    if not everything:
        query = query.where(CallRow.post_call_due <= utcnow())
    async with get_sessionmaker()() as session:
        due = [(row[0], row[1]) for row in await session.execute(query) if row[1] is not None]
    for call_id, lease in due:
        if jobs.current() is None:
            track(_here(call_id, lease if everything else None))
        else:  # one job per lease that ran out: one held by a dead worker does not block it
            await _queue(call_id, f"{POST_CALL}:{call_id}:{lease.timestamp():.0f}", None)
    return len(due)


async def sweep_due() -> None:
    """Runs until cancelled: a sweep at once (a process with no queue is the only one: every
    call due is left over from its last run), then every quarter lease, 30 s at most."""
    everything = jobs.current() is None
    while True:
        try:
            await sweep(everything=everything)
        except Exception:  # a database hiccup must not stop the next sweep
            log.exception("sweeping post-call work failed")
        everything = False
        await asyncio.sleep(min(_LONGEST_SWEEP_SECONDS, _lease() / 4))
