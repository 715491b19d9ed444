"""The engine's `ServerMessages` port for a live call: each message gets the common fields
(VAPI-BEHAVIOUR §5.1: `call` as last written, `assistant`, `customer`) and is stored for the
outbox (webhooks/outbox.py), in a task of its own so the call never waits on the database.
"""

import asyncio
import json
from typing import Any

import structlog
from sqlalchemy import select

from voxgate.control.call.live import DbCallStore
from voxgate.db.models import Org
from voxgate.db.session import get_sessionmaker
from voxgate.webhooks.outbox import enqueue
from voxgate.webhooks.target import Target, choose

log = structlog.get_logger()


async def org_server(org_id: str) -> dict[str, Any] | None:
    async with get_sessionmaker()() as session:
        server = await session.scalar(select(Org.server).where(Org.id == org_id))
    return server if isinstance(server, dict) else None


class DbServerMessages:
    """Queues one call's server messages, in the order they were sent."""

    def __init__(self, store: DbCallStore, assistant: dict[str, Any]) -> None:
        self._store, self._assistant = store, assistant
        # Its credentials (vendor keys, the webhook's own secrets) stay here: the body travels.
        self._shown = {k: v for k, v in assistant.items() if k != "credentials"}
        self._target: Target | None = None
        self._resolved = False
        self._order = asyncio.Lock()  # waiters acquire in FIFO order: rows keep send order
        self._writes: set[asyncio.Task[None]] = set()

    async def send(self, message: dict[str, Any]) -> None:
        call = self._store.snapshot
        full = {**message, "call": call, "assistant": self._shown}
        if isinstance(call.get("customer"), dict):
            full["customer"] = call["customer"]
        # A copy now: the engine's lists keep growing after this returns.
        task = asyncio.create_task(self._write(json.loads(json.dumps(full))))
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def _write(self, message: dict[str, Any]) -> None:
        async with self._order:
            try:
                if not self._resolved:
                    self._target = choose(self._assistant, await org_server(self._store.org_id))
                    self._resolved = True
                if self._target is not None:
                    await enqueue(self._store.org_id, self._store.call_id, self._target, message)
            except Exception:  # a lost message must not end the call
                log.exception("server message not stored", type=message.get("type"))

    async def flush(self) -> None:
        """Waits until every message sent so far is stored (the call is over)."""
        while self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)
