"""Server messages as jobs of the queue (`VOXGATE_REDIS_URL`, worker/jobs.py), in place of the
outbox's polling loop: storing a delivery queues its job, an attempt that fails queues the
retry's job at the time `backoffPlan` gives, and an attempt of a call's delivery queues the
next of that call. The claims of outbox.py stay, so every job is harmless twice.

A job that finds its delivery held by another sender queues itself again for when that claim
runs out (the sender may have died mid-attempt). A slow sweep (`LOST_SECONDS`) queues again
any delivery overdue that long: the queue lost its job (Redis flushed or down), or a job ran
into a race. Delivery stays at least once, as with the loop.
"""

import asyncio
from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import select

from voxgate.db.models import ServerMessage
from voxgate.kit.time import utcnow
from voxgate.webhooks.outbox import Outbox, queue_delivery

LOST_SECONDS = 30.0
log = structlog.get_logger()


class QueuedDeliveries:
    """The job that sends one delivery, and the sweep that finds lost ones."""

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    async def send(self, ctx: Any, *, delivery: str) -> None:
        """The job (ctx is SAQ's)."""
        if await self.outbox.send(delivery) is not None:
            return
        # Not sent: done with already, held by another sender, or behind its call's earlier
        # one (whose attempt queues this again).
        async with self.outbox.sessions()() as session:
            row = await session.get(ServerMessage, delivery)
        if row is not None and row.status == "pending" and row.next_attempt_at > utcnow():
            await queue_delivery(row.id, row.next_attempt_at)

    async def sweep(self) -> int:
        """Queues the deliveries overdue by `LOST_SECONDS`; returns how many."""
        overdue = utcnow() - timedelta(seconds=LOST_SECONDS)
        async with self.outbox.sessions()() as session:
            ids = list(
                await session.scalars(
                    select(ServerMessage.id)
                    .where(ServerMessage.status == "pending")
                    .where(ServerMessage.next_attempt_at <= overdue)
                    .order_by(ServerMessage.created_at)
                )
            )
        for delivery in ids:
            await queue_delivery(delivery, None, after=":lost")
        return len(ids)

    async def run(self) -> None:
        """Sweeps until cancelled."""
        while True:
            await asyncio.sleep(LOST_SECONDS)
            try:
                await self.sweep()
            except Exception:  # a database hiccup must not stop the next sweep
                log.exception("queueing lost server messages failed")
