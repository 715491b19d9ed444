"""The engine's `ServerMessages` port for a live call: each message gets the common fields
(VAPI-BEHAVIOUR §5.1: `call` as last written, `assistant`, `customer`) and is stored for the
outbox (webhooks/outbox.py), in a task of its own so the call never waits on the database.
A message that needs a reply is posted at once (webhooks/request.py) and its reply returned.
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
from voxgate.webhooks.request import request
from voxgate.webhooks.target import Target, choose

log = structlog.get_logger()


async def org_server(org_id: str) -> dict[str, Any] | None:
    async with get_sessionmaker()() as session:
        server = await session.scalar(select(Org.server).where(Org.id == org_id))
    return server if isinstance(server, dict) else None


class DbServerMessages:
    """Queues one call's server messages, in the order they were sent."""

    def __init__(self, store: DbCallStore, assistant: dict[str, Any]) -> None:
        self._store = store
        self.use_assistant(assistant)
        self._org_server: dict[str, Any] | None = None
        self._org_read = False
        self._order = asyncio.Lock()  # waiters acquire in FIFO order: rows keep send order
        self._writes: set[asyncio.Task[None]] = set()

    def use_assistant(self, assistant: dict[str, Any]) -> None:
        self._assistant = assistant
        # Its credentials (vendor keys, the webhook's own secrets) stay here: the body travels.
        self._shown = {k: v for k, v in assistant.items() if k != "credentials"}

    def _full(self, message: dict[str, Any]) -> dict[str, Any]:
        """The message with the common fields, copied: the engine's lists keep growing."""
        call = self._store.snapshot
        full = {**message, "call": call, "assistant": self._shown}
        if isinstance(call.get("customer"), dict):
            full["customer"] = call["customer"]
        copied: dict[str, Any] = json.loads(json.dumps(full))
        return copied

    async def _target(
        self, tool_server: dict[str, Any] | None = None, assistant: dict[str, Any] | None = None
    ) -> Target | None:
        if not self._org_read:  # read once per call
            self._org_server = await org_server(self._store.org_id)
            self._org_read = True
        return choose(assistant or self._assistant, self._org_server, tool_server=tool_server)

    async def has_server(self, tool_server: dict[str, Any] | None = None) -> bool:
        return await self._target(tool_server) is not None

    async def request(
        self,
        message: dict[str, Any],
        *,
        tool_server: dict[str, Any] | None = None,
        timeout_seconds: float | None = None,
    ) -> dict[str, Any] | None:
        target = await self._target(tool_server)
        if target is None:
            return None
        store = self._store
        full = self._full(message)
        return await request(store.org_id, store.call_id, target, full, timeout_seconds)

    async def send(self, message: dict[str, Any]) -> None:
        # The assistant as of now: a squad's switch must not redirect what was sent before it.
        task = asyncio.create_task(self._write(self._full(message), self._assistant))
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def _write(self, message: dict[str, Any], assistant: dict[str, Any]) -> None:
        async with self._order:
            try:
                if (target := await self._target(assistant=assistant)) is not None:
                    await enqueue(self._store.org_id, self._store.call_id, target, message)
            except Exception:  # a lost message must not end the call
                log.exception("server message not stored", type=message.get("type"))

    async def flush(self) -> None:
        """Waits until every message sent so far is stored (the call is over)."""
        while self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)
