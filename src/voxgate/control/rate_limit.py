"""The per-key request rate limit (`VOXGATE_RATE_LIMIT`, e.g. "100/second"): a request past it
is a 429 in Vapi's error shape with `Retry-After`, which Vapi's SDKs honour before retrying.

Counted by the `limits` library (a moving window) per bearer key, whatever it unlocks: the key
is hashed first, so the counter store never holds a usable key. Requests without a key (the
carriers' signed webhooks, /health) are not counted. The counts live where
`VOXGATE_RATE_LIMIT_STORAGE` says: this process's memory by default; several processes share
one limit with a shared store (`async+redis://…`). A store that cannot be reached lets the
request through (logged): an outage of the counter must not become an outage of the API.
"""

import hashlib
import math
import time

import structlog
from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from voxgate.errors import TooManyRequests

log = structlog.get_logger()


def _key(scope: Scope) -> str | None:
    header = dict(scope["headers"]).get(b"authorization", b"")
    scheme, _, token = header.partition(b" ")
    if scheme.lower() != b"bearer" or not token.strip():
        return None
    return hashlib.sha256(token.strip()).hexdigest()


class RateLimit:
    """ASGI middleware: one `limit` (the `limits` notation) per bearer key."""

    def __init__(self, app: ASGIApp, limit: str, storage: str) -> None:
        self.app = app
        self._item: RateLimitItem = parse(limit)
        self._storage_uri = storage
        self._limiter: MovingWindowRateLimiter | None = None

    def _get_limiter(self) -> MovingWindowRateLimiter:
        # Made on the first request: the memory store starts a timer on the running loop.
        if self._limiter is None:
            self._limiter = MovingWindowRateLimiter(storage_from_string(self._storage_uri))
        return self._limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _key(scope) if scope["type"] == "http" else None
        if key is None:
            await self.app(scope, receive, send)
            return
        limiter = self._get_limiter()
        try:
            allowed = await limiter.hit(self._item, key)
        except Exception as down:  # the store is unreachable: serve, unlimited, until it is back
            log.warning("rate limit store unreachable", error=f"{type(down).__name__}: {down}")
            allowed = True
        if allowed:
            await self.app(scope, receive, send)
            return
        stats = await limiter.get_window_stats(self._item, key)
        wait = max(1, math.ceil(stats.reset_time - time.time()))
        error = TooManyRequests(
            f"Rate limit exceeded: {self._item} per API key. Retry after {wait} seconds."
        )
        headers = {"Retry-After": str(wait)}
        await JSONResponse(error.body(), 429, headers=headers)(scope, receive, send)
