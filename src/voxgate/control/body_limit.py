"""A request body over the limit is a 413 in Vapi's error shape, and is never read whole.

The limit is `VOXGATE_MAX_BODY_BYTES`, and `VOXGATE_MAX_UPLOAD_BYTES` for `POST /file`. A body
whose `Content-Length` says it is too large is refused before any of it is read; one sent
without (chunked) is counted as it streams in and cut off at the limit. An upload is spooled to
a temporary file past 1 MB by Starlette, so a large file never sits in memory either.

(FastAPI's own `max_body_size` counts the same way, but answers a declared length in plain
text from outside every middleware, where Vapi's shape cannot be put on it.)
"""

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from voxgate.errors import PayloadTooLarge

UPLOAD_PATH = "/file"


class BodyTooLarge(HTTPException):
    """Raised from `receive`: an HTTPException, so FastAPI's body parsing lets it through (it
    turns any other error into a 400) and app.py's handler renders it."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413, f"The request body is larger than this server's limit of {limit} bytes."
        )


class BodyLimit:
    """ASGI middleware: the request's body may not exceed its limit."""

    def __init__(self, app: ASGIApp, body_limit: int, upload_limit: int) -> None:
        self.app, self._body, self._upload = app, body_limit, upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._upload if scope["path"].rstrip("/") == UPLOAD_PATH else self._body
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(BodyTooLarge(limit), scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge as error:  # raised where no handler caught it
            if started:
                raise
            await _refuse(error, scope, receive, send)


async def _refuse(error: BodyTooLarge, scope: Scope, receive: Receive, send: Send) -> None:
    # The rest of the body is not read into anything: uvicorn drops what arrives after a
    # complete response (a client writes its whole request before reading the answer).
    await JSONResponse(PayloadTooLarge(error.detail).body(), 413)(scope, receive, send)
