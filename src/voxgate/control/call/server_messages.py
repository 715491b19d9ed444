"""The engine's `ServerMessages` port for a live call: each message gets the common fields
(VAPI-BEHAVIOUR §5.1: `call` as last written, `assistant`, `customer`, `phoneNumber`) and is
stored for the outbox (webhooks/outbox.py), in a task of its own so the call never waits on the
database (retried while it is unreachable: db/outage.py). A message that needs a reply is
posted at once (webhooks/request.py) and its reply returned. The target follows the precedence
tool → assistant → phone number → org; the number and the org's server are read once per call.
"""

import asyncio
import json
from typing import Any

import structlog
from sqlalchemy import select

from voxgate.control.call.live import DbCallStore
from voxgate.control.call.phone_number import (
    call_phone_number,
    message_field,
    number_server,
    without_secrets,
)
from voxgate.db.models import Org
from voxgate.db.outage import retrying
from voxgate.db.session import get_sessionmaker
from voxgate.webhooks.outbox import enqueue
from voxgate.webhooks.request import request
from voxgate.webhooks.target import Target, choose

log = structlog.get_logger()
# Every call's messages not yet stored, for a shutdown to wait on (control/drain.py): a call's
# end-of-call report is sent after its socket's handler has returned.
WRITES: set[asyncio.Task[None]] = set()


async def org_server(org_id: str) -> dict[str, Any] | None:
    async with get_sessionmaker()() as session:
        server = await session.scalar(select(Org.server).where(Org.id == org_id))
    return server if isinstance(server, dict) else None


class DbServerMessages:
    """Queues one call's server messages, in the order they were sent."""

    def __init__(self, store: DbCallStore, assistant: dict[str, Any] | None) -> None:
        """`assistant` None: the call has none yet (`assistant-request` asks for one)."""
        self._store = store
        self.use_assistant(assistant)
        self._org_server: dict[str, Any] | None = None
        self._number: dict[str, Any] | None = None
        self._read = False
        self._order = asyncio.Lock()  # waiters acquire in FIFO order: rows keep send order
        self._writes: set[asyncio.Task[None]] = set()
        self.lost = 0  # messages not stored (the database away too long)

    def use_assistant(self, assistant: dict[str, Any] | None) -> None:
        """The assistant whose server and body the next messages carry (a squad's switch)."""
        self._assistant = assistant or {}
        # Its credentials (vendor keys, the webhook's own secrets) stay here: the body travels.
        self._shown = (
            {k: v for k, v in assistant.items() if k != "credentials"} if assistant else None
        )

    def _full(self, message: dict[str, Any]) -> dict[str, Any]:
        """The message with the common fields, copied: the engine's lists keep growing."""
        call = self._store.snapshot
        if isinstance(call.get("phoneNumber"), dict):  # a transient number: no secrets
            call = {**call, "phoneNumber": without_secrets(call["phoneNumber"])}
        full = {**message, "call": call}
        if self._shown is not None:
            full["assistant"] = self._shown
        if isinstance(call.get("customer"), dict):
            full["customer"] = call["customer"]
        copied: dict[str, Any] = json.loads(json.dumps(full))
        return copied

    def _with_number(self, message: dict[str, Any]) -> dict[str, Any]:
        """The `phoneNumber` field, once the number has been read (`_target` reads it)."""
        if self._number is None:
            return message
        return {**message, "phoneNumber": message_field(self._number)}

    async def _read_once(self) -> None:
        if not self._read:
            self._org_server = await org_server(self._store.org_id)
            self._number = await call_phone_number(self._store.org_id, self._store.snapshot)
            self._read = True

    async def _target(
        self, tool_server: dict[str, Any] | None = None, assistant: dict[str, Any] | None = None
    ) -> Target | None:
        await self._read_once()
        return choose(
            assistant or self._assistant, self._org_server,
            tool_server=tool_server, phone_number_server=number_server(self._number),
        )  # fmt: skip

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
        full = self._with_number(self._full(message))
        return await request(store.org_id, store.call_id, target, full, timeout_seconds)

    async def send(self, message: dict[str, Any]) -> None:
        # The assistant as of now: a squad's switch must not redirect what was sent before it.
        task = asyncio.create_task(self._write(self._full(message), self._assistant))
        self._writes.add(task)
        WRITES.add(task)
        task.add_done_callback(self._writes.discard)
        task.add_done_callback(WRITES.discard)

    async def _write(self, message: dict[str, Any], assistant: dict[str, Any]) -> None:
        async with self._order:
            try:
                await retrying(lambda: self._store_one(message, assistant), "server message")
            except Exception:  # a lost message must not end the call
                self.lost += 1
                log.exception("server message not stored", type=message.get("type"))

    async def _store_one(self, message: dict[str, Any], assistant: dict[str, Any]) -> None:
        if (target := await self._target(assistant=assistant)) is not None:
            message = self._with_number(message)
            await enqueue(self._store.org_id, self._store.call_id, target, message)

    async def flush(self) -> None:
        """Waits until every message sent so far is stored (the call is over)."""
        while self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)
