"""An HTTP API on loopback, as an `apiRequest` tool reaches it: keeps every request (method,
path, query, headers, raw body) and answers with `status` and `reply` (a JSON value, or text),
after `delay` seconds, or with 503 to the first `failures` requests."""

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response

from tests.support.server import LiveServer


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


class FakeApi:
    """Keeps every request; answers with `status` and `reply` (JSON, or text), after `delay`,
    or 503 to the first `failures` requests."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.status, self.delay, self.failures = 200, 0.0, 0
        self.reply: Any = {"ok": True}
        self.reply_headers: dict[str, str] = {}
        self.url = ""
        self.app = FastAPI()
        self.app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])(
            self._answer
        )

    async def _answer(self, path: str, request: Request) -> Response:
        self.seen.append(
            Seen(request.method, "/" + path, dict(request.query_params), dict(request.headers),
                 await request.body())
        )  # fmt: skip
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.failures > 0:
            self.failures -= 1
            return Response("busy", status_code=503)
        text = self.reply if isinstance(self.reply, str) else json.dumps(self.reply)
        return Response(text, status_code=self.status, headers=self.reply_headers,
                        media_type="application/json")  # fmt: skip


@contextmanager
def fake_api() -> Iterator[FakeApi]:
    fake = FakeApi()
    with LiveServer(fake.app) as server:
        fake.url = server.url
        yield fake
