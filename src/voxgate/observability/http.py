"""Each HTTP request timed into `voxgate_http_request_duration_seconds` and logged as one line.

A plain ASGI middleware: a websocket (a call's audio) passes straight through, so no frame of
a call costs anything here. The route is the template the router matched (`/call/{id}`), never
the raw path, so the metric's labels stay few; the line has both, and the org when a key named
one (auth/deps.py binds it to the request's log context).
"""

import time

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from voxgate.observability.prometheus import HTTP_REQUESTS

log = structlog.get_logger("voxgate.request")
UNMATCHED = "unmatched"  # no route: a 404 for a path nobody serves


class RequestMetrics:
    """Times and logs every HTTP request of the app it wraps."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless the app starts a response

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or UNMATCHED
            method = scope["method"]
            HTTP_REQUESTS.labels(method, route, str(status)).observe(elapsed)
            log.info(
                "request", method=method, path=scope["path"], route=route, status=status,
                duration_ms=round(elapsed * 1000, 1),
            )  # fmt: skip
