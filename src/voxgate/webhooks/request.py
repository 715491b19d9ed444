"""Server messages that need a reply (VAPI-BEHAVIOUR §5.2 "Resp": `tool-calls`,
`assistant-request`, `transfer-destination-request`, `handoff-destination-request`,
`knowledge-base-request`): posted at once, not through the outbox, because the call is waiting.

The whole exchange, retries per the target's `backoffPlan` included, is bounded by one deadline
(the target's `timeoutSeconds`, or the caller's: 7.5 s for `assistant-request`). Any 2xx with a
JSON object is a reply; `{"messageResponse": {...}}` is unwrapped (the spec's documented form).
A timeout, a non-2xx, or a body that is not a JSON object is no reply: None. Either way the
exchange is recorded as a `server_message` row (delivered or failed, attempts, last code).
"""

import asyncio
import json
import time
from typing import Any

import httpx
import structlog

from voxgate import telemetry
from voxgate.db.base import new_id
from voxgate.db.models import ServerMessage
from voxgate.db.session import get_sessionmaker
from voxgate.kit.backoff import retry_delay
from voxgate.kit.time import utcnow
from voxgate.kit.urls import guarded_client
from voxgate.telemetry import WebhookOutcome
from voxgate.webhooks.auth import headers
from voxgate.webhooks.oauth2 import TokenError, answered, bearer_token
from voxgate.webhooks.target import DEFAULT_TIMEOUT_SECONDS, Target

log = structlog.get_logger()
Reply = dict[str, Any]


def reply_of(body: bytes) -> Reply | None:
    """The reply in a 2xx body: the JSON object, unwrapped from `messageResponse`."""
    try:
        found = json.loads(body) if body.strip() else None
    except ValueError:
        return None
    if isinstance(found, dict) and isinstance(found.get("messageResponse"), dict):
        found = found["messageResponse"]
    return found if isinstance(found, dict) else None


class _Attempts:
    """What happened, for the record."""

    def __init__(self, message_type: str) -> None:
        self.message_type = message_type
        self.count = 0
        self.code: int | None = None
        self.error: str | None = None


async def _exchange(
    client: httpx.AsyncClient, target: Target, body: str, delivery_id: str,
    deadline: float, attempts: _Attempts,
) -> Reply | None:  # fmt: skip
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            attempts.error = attempts.error or "timed out"
            return None
        attempts.count += 1
        try:
            token = await bearer_token(client, target, left)
            response = await client.post(
                str(target["url"]), content=body.encode(),
                headers=headers(target, body, delivery_id, oauth2_token=token),
                timeout=max(0.001, deadline - time.monotonic()),
            )  # fmt: skip
            answered(target, response.status_code)
            attempts.code, attempts.error = response.status_code, None
            if 200 <= response.status_code < 300:
                found = reply_of(response.content)
                if found is None:
                    attempts.error = "the reply is not a JSON object"
                return found
        except TokenError as error:
            attempts.code, attempts.error = None, str(error)
        except httpx.HTTPError as error:
            attempts.code, attempts.error = None, f"{type(error).__name__}: {error}".rstrip(": ")
        delay = retry_delay(target.get("backoffPlan"), attempts.count, attempts.code)
        if delay is None or time.monotonic() + delay >= deadline:
            return None
        telemetry.observer().webhook(attempts.message_type, "retried")
        await asyncio.sleep(delay)


async def request(
    org_id: str, call_id: str | None, target: Target, message: dict[str, Any],
    timeout_seconds: float | None = None,
) -> Reply | None:  # fmt: skip
    """Posts `{"message": message}` to `target` and returns its reply, or None (see above)."""
    timeout = timeout_seconds or float(target.get("timeoutSeconds") or DEFAULT_TIMEOUT_SECONDS)
    row = ServerMessage(
        org_id=org_id, call_id=call_id, type=str(message.get("type")), url=str(target["url"]),
        payload={"message": message}, target=target, status="pending", attempts=0,
        id=new_id(),  # the HMAC's message id, known before the row is written
    )  # fmt: skip
    body = json.dumps(row.payload)
    attempts = _Attempts(row.type)
    async with guarded_client() as client:
        reply = await _exchange(client, target, body, row.id, time.monotonic() + timeout, attempts)
    outcome: WebhookOutcome = "delivered" if reply is not None else "failed"
    row.status = outcome
    telemetry.observer().webhook(row.type, outcome)
    row.attempts, row.last_status_code, row.last_error = (
        attempts.count,
        attempts.code,
        attempts.error,
    )
    row.updated_at = utcnow()
    if reply is None:
        log.warning("server gave no reply", type=row.type, url=row.url, code=attempts.code,
                    error=attempts.error)  # fmt: skip
    try:
        async with get_sessionmaker()() as session:
            session.add(row)
            await session.commit()
    except Exception:  # the record is for operators: losing it must not lose the reply
        log.exception("server message exchange not recorded", type=row.type)
    return reply
