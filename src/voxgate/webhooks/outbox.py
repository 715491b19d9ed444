"""Deliveries kept in the database (`server_message`) and sent from there.

The engine's side only enqueues (one insert, off the audio path); `Outbox.run` (started in the
app's lifespan) sends every due delivery, retries per the target's `backoffPlan`, and records
each attempt. A delivery still pending when the process stops is sent when it starts again,
at least once: one interrupted mid-request goes out a second time.

Several processes may run the outbox on one database (issue 6): a sender claims a delivery
before sending it (`_claim`: one conditional UPDATE, so only one process wins it) by pushing its
`next_attempt_at` past the time the attempt can take, and none starts on a call's delivery while
another of the same call is out (claimed, never attempted): one call's stay in order. A sender
that dies mid-attempt leaves its claim to run out; another sends the delivery then. A delivery
waits, too, while an earlier one of its call has not had its first attempt.

With a job queue (`VOXGATE_REDIS_URL`, worker/jobs.py) the loop does not run: each stored
delivery is a job (webhooks/queued.py), under the same claims.
"""

import asyncio
import contextlib
import json
from datetime import datetime, timedelta
from typing import Any

import httpx
import structlog
from sqlalchemy import exists, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from voxgate import telemetry
from voxgate.db.models import ServerMessage
from voxgate.db.outage import is_outage
from voxgate.db.session import get_sessionmaker
from voxgate.kit.backoff import retry_delay
from voxgate.kit.time import utcnow
from voxgate.kit.urls import guarded_client
from voxgate.telemetry import WebhookOutcome
from voxgate.webhooks.auth import headers
from voxgate.webhooks.oauth2 import TokenError, answered, bearer_token
from voxgate.webhooks.target import Target
from voxgate.worker.jobs import at, current

Sessions = async_sessionmaker[AsyncSession]
log = structlog.get_logger()
_BATCH = 100
_CLAIM_MARGIN = 10.0  # seconds a claim outlasts the attempt's timeouts
SEND = "server-message"  # the job (webhooks/queued.py)
# A job outlasts the longest claim (`timeoutSeconds` is at most 300).
JOB_SECONDS = 2 * 300 + 2 * _CLAIM_MARGIN


def _call_out(call_id: Any) -> Any:
    """Some delivery of this call is claimed and not yet attempted: being sent right now."""
    out = aliased(ServerMessage)
    return exists().where(
        out.call_id == call_id, out.status == "pending",
        out.attempts == 0, out.next_attempt_at > utcnow(),
    )  # fmt: skip


def _behind(row: ServerMessage) -> Any:
    """An earlier delivery of the row's call has not had its first attempt: it goes first."""
    earlier = aliased(ServerMessage)
    return exists().where(
        earlier.call_id == row.call_id, earlier.status == "pending",
        earlier.attempts == 0, earlier.created_at < row.created_at,
    )  # fmt: skip


async def queue_delivery(delivery_id: str, due: datetime | None, after: str = "") -> None:
    """The delivery's job at `due` (a no-op without a queue). One job per due time: a second
    asking for the same one is refused by its key; `after` names a different asker."""
    jobs = current()
    if jobs is not None:
        key = f"{SEND}:{delivery_id}:{at(due)}{after}"
        await jobs.enqueue(SEND, key, due, JOB_SECONDS, delivery=delivery_id)


async def enqueue(
    org_id: str, call_id: str | None, target: Target, message: dict[str, Any],
    sessions: Sessions | None = None,
) -> str:  # fmt: skip
    """Stores one message for `target`; the outbox sends it. Returns the delivery's id."""
    async with (sessions or get_sessionmaker())() as session:
        row = ServerMessage(
            org_id=org_id, call_id=call_id, type=str(message.get("type")), url=target["url"],
            payload={"message": message}, target=target, status="pending", attempts=0,
        )  # fmt: skip
        session.add(row)
        await session.commit()
    await queue_delivery(row.id, None)
    return row.id


async def _post(client: httpx.AsyncClient, row: ServerMessage) -> tuple[int | None, str | None]:
    """One attempt: the response's status code, or why there was none."""
    body = json.dumps(row.payload)
    timeout = float(row.target.get("timeoutSeconds") or 20)
    try:
        token = await bearer_token(client, row.target, timeout)
        response = await client.post(
            row.url,
            content=body.encode(),
            headers=headers(row.target, body, row.id, oauth2_token=token),
            timeout=timeout,
        )
    except TokenError as error:
        return None, str(error)
    except httpx.HTTPError as error:
        return None, f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    answered(row.target, response.status_code)
    return response.status_code, None


class Outbox:
    """Sends due deliveries, one call's in order, different calls' side by side."""

    def __init__(self, sessions: Sessions | None = None) -> None:
        self._sessions = sessions
        self._busy: set[str] = set()  # calls (or lone deliveries) with a send under way
        self._tasks: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None

    def sessions(self) -> Sessions:
        return self._sessions or get_sessionmaker()

    async def tick(self) -> list[asyncio.Task[None]]:
        """Starts sending what is due now; returns the sends started."""
        async with self.sessions()() as session:
            due = await session.execute(
                select(ServerMessage.id, ServerMessage.call_id)
                .where(ServerMessage.status == "pending", ServerMessage.next_attempt_at <= utcnow())
                .where(~_call_out(ServerMessage.call_id))
                .order_by(ServerMessage.created_at)
                .limit(_BATCH)
            )
            groups: dict[str, list[str]] = {}
            for delivery_id, call_id in due:
                key = call_id or delivery_id
                if key not in self._busy:
                    groups.setdefault(key, []).append(delivery_id)
        started = []
        for key, ids in groups.items():
            self._busy.add(key)
            task = asyncio.create_task(self._send_all(key, ids))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            started.append(task)
        return started

    async def deliver_due(self) -> None:
        """Sends everything due now and waits for the answers (tests drive the outbox so)."""
        await asyncio.gather(*await self.tick())

    async def flush(self) -> None:
        """Sends what is due until nothing is left to send now (a shutdown); a delivery that
        failed and waits for its retry stays for the next start."""
        while True:
            await self.tick()
            if not self._tasks:
                return
            await asyncio.wait(set(self._tasks))

    async def _send_all(self, key: str, ids: list[str]) -> None:
        try:
            for delivery_id in ids:
                await self.send(delivery_id)
        except Exception:
            log.exception("server message delivery failed", delivery=ids)
        finally:
            self._busy.discard(key)

    async def send(self, delivery_id: str) -> ServerMessage | None:
        """One attempt, if this process wins the delivery: the row as recorded, else None."""
        if self._client is None:
            self._client = guarded_client()
        async with self.sessions()() as session:
            row = await session.get(ServerMessage, delivery_id)
        if row is None or row.status != "pending" or not await self._claim(row):
            return None
        # No connection is held while the webhook server takes its time.
        code, error = await _post(self._client, row)
        async with self.sessions()() as session:
            row = await session.get(ServerMessage, delivery_id)
            if row is None:
                return None
            row.attempts += 1
            row.last_status_code, row.last_error = code, error
            row.updated_at = utcnow()
            outcome: WebhookOutcome = "retried"
            if code is not None and 200 <= code < 300:
                row.status = outcome = "delivered"
            elif (delay := retry_delay(row.target.get("backoffPlan"), row.attempts, code)) is None:
                row.status = outcome = "failed"
                log.warning(
                    "server message not delivered", url=row.url, code=code, error=error,
                    call_id=row.call_id, org_id=row.org_id,
                )  # fmt: skip
            else:
                row.next_attempt_at = utcnow() + timedelta(seconds=delay)
            await session.commit()
        telemetry.observer().webhook(row.type, outcome)
        if row.status == "pending":  # its retry's job (with a queue)
            await queue_delivery(row.id, row.next_attempt_at)
        await self._unblock(row)
        return row

    async def _unblock(self, row: ServerMessage) -> None:
        """With a queue: the call's deliveries this attempt held up get a job (theirs may have
        run meanwhile, found this one ahead and left it the turn)."""
        if current() is None or row.call_id is None:
            return
        async with self.sessions()() as session:
            due = await session.execute(
                select(ServerMessage.id, ServerMessage.attempts)
                .where(ServerMessage.call_id == row.call_id, ServerMessage.status == "pending")
                .where(ServerMessage.next_attempt_at <= utcnow())
                .order_by(ServerMessage.created_at)
            )
            waiting = list(due)
        first = next((delivery for delivery, attempts in waiting if attempts == 0), None)
        for delivery, attempts in waiting:
            if attempts > 0 or delivery == first:  # retries due, and the next first attempt
                await queue_delivery(delivery, None, after=f":after:{row.id}:{row.attempts}")

    async def _claim(self, row: ServerMessage) -> bool:
        """Whether this process won the delivery (another may be sending it, or its call's)."""
        timeout = float(row.target.get("timeoutSeconds") or 20)
        now = utcnow()
        async with self.sessions()() as session:
            claimed = await session.scalar(
                update(ServerMessage)
                .where(ServerMessage.id == row.id, ServerMessage.status == "pending")
                .where(ServerMessage.next_attempt_at <= now)
                .where(
                    ~_call_out(row.call_id) & ~_behind(row) if row.call_id is not None else true()
                )
                # Long enough for a token request and the post, each up to the timeout.
                .values(next_attempt_at=now + timedelta(seconds=2 * timeout + _CLAIM_MARGIN))
                .returning(ServerMessage.id)
                .execution_options(synchronize_session=False)
            )
            await session.commit()
        return claimed is not None

    async def run(self, interval: float = 0.2) -> None:
        """Runs until cancelled."""
        away = False  # the database is unreachable: said once, then asked every second
        try:
            while True:
                try:
                    await self.tick()
                    away = False
                except Exception as error:  # a database hiccup must not stop the next round
                    if not is_outage(error):
                        log.exception("sending server messages failed")
                    elif not away:
                        log.warning("server messages wait for the database", error=repr(error))
                    away = is_outage(error)
                await asyncio.sleep(1.0 if away else interval)
        finally:
            await self.close()

    async def close(self) -> None:
        """Stops the sends under way and closes the HTTP client."""
        for task in list(self._tasks):
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None
