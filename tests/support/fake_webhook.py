"""A Vapi user's webhook server on loopback: keeps every request (headers, raw body, message)
and answers with `status`, or only after `delay` seconds, or with 500 to the first `failures`.
`answers[type]` scripts the body for one message type: a JSON value, raw text (garbage), or a
function of the message returning either (it may be async)."""

import asyncio
import inspect
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.support.server import LiveServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes
    message: dict[str, Any]


class FakeWebhook:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.status = 200
        self.failures = 0  # answer 500 to this many requests first
        self.delay = 0.0
        self.answers: dict[str, Any | Callable[[dict[str, Any]], Any]] = {}
        self.url = ""
        self.app = FastAPI()
        self.app.post("/{path:path}")(self._receive)

    async def _answer(self, message: dict[str, Any]) -> Response:
        answer = self.answers.get(str(message.get("type")), {})
        if callable(answer):
            answer = answer(message)
            if inspect.isawaitable(answer):
                answer = await answer
        if isinstance(answer, str | bytes):
            return Response(answer, status_code=self.status, media_type="application/json")
        return JSONResponse(answer, status_code=self.status)

    async def _receive(self, path: str, request: Request) -> Response:
        body = await request.body()
        message = json.loads(body).get("message", {})
        self.received.append(Received(path, dict(request.headers), body, message))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.failures > 0:
            self.failures -= 1
            return JSONResponse({"error": "try later"}, status_code=500)
        return await self._answer(message)

    def of_type(self, kind: str) -> list[Received]:
        return [r for r in self.received if r.message.get("type") == kind]

    def types(self) -> list[str]:
        return [str(r.message.get("type")) for r in self.received]

    async def wait_for(self, kind: str, count: int = 1, timeout: float = 15) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.of_type(kind)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"no {kind} arrived; got {self.types()}")
            await asyncio.sleep(0.05)
        return self.of_type(kind)


@contextmanager
def fake_webhook() -> Iterator[FakeWebhook]:
    fake = FakeWebhook()
    with LiveServer(fake.app) as server:
        fake.url = f"{server.url}/webhook"
        yield fake
