"""Telnyx on loopback: its v2 REST API (call control applications, phone numbers, calls and
their commands; Bearer auth; every request voxgate makes recorded), its webhooks signed with the
fake account's own Ed25519 key, and the phone side of a call's media stream.

voxgate hands Telnyx public URLs (`VOXGATE_PUBLIC_URL`, https://voxgate.test in the tests); the
fake posts each webhook to the live server, as the proxy in front of a real deployment would.

A call voxgate places (`POST /v2/calls`) waits in `dialed` until the test decides what the
callee does: `answer()` (`call.initiated`, `call.answered`, then the media stream the dial
named), `busy()`, `no_answer()`, `fail()`; a dial that asked for answering-machine detection
keeps what it asked (`amd`), and the test sends its verdicts (`machine_detected(result)`, then
`greeting_ended(result)`). `ring(to, from_)` is an inbound call to one of the account's
numbers (`call.initiated` to the application's webhook; voxgate answers it with a command).
Either way the `FakeCall` plays μ-law audio (and presses keys) into its stream and
keeps what it hears.
"""

import asyncio
import base64
import contextlib
import itertools
import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.support.fake_twilio import pcm16_to_ulaw
from tests.support.server import served

API_KEY = "KEY0123456789ABCDEF_telnyx-for-tests"
_ids = itertools.count(1)
ENDED = "ended"


def new_id(prefix: str) -> str:
    return f"{prefix}{next(_ids):024x}"


@dataclass
class Request_:
    method: str
    path: str
    body: dict[str, Any]
    params: dict[str, str]
    api_key: str


@dataclass
class FakeCall:
    """One call as Telnyx sees it, and the callee's (or caller's) phone."""

    telnyx: "FakeTelnyx"
    call_control_id: str
    to: str
    from_: str
    direction: str  # "outgoing" (voxgate dialed) or "incoming"
    webhook_url: str
    stream_url: str | None = None
    dial: dict[str, Any] = field(default_factory=dict)  # what voxgate sent to create it
    commands: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # since
    state: str = "initiated"
    stream_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    ws: ClientConnection | None = None
    heard: list[tuple[float, bytes]] = field(default_factory=list)  # (when, μ-law)
    events: list[dict[str, Any]] = field(default_factory=list)  # other stream events
    stream_closed: asyncio.Event = field(default_factory=asyncio.Event)
    _reader: asyncio.Task[None] | None = None

    def payload(self, **extra: Any) -> dict[str, Any]:
        return {
            "call_control_id": self.call_control_id,
            "call_leg_id": self.call_control_id[3:],
            "call_session_id": "session-" + self.call_control_id[3:],
            "connection_id": self.telnyx.application_id,
            "direction": self.direction,
            "from": self.from_,
            "to": self.to,
            "state": "parked" if self.direction == "incoming" else "bridging",
            **extra,
        }

    async def event(self, event_type: str, **extra: Any) -> httpx.Response:
        """Telnyx's webhook about this call, to where its events go now."""
        return await self.telnyx.post(self.webhook_url, event_type, self.payload(**extra))

    # The callee's choices (an outbound call).
    async def answer(self) -> None:
        await self.event("call.initiated")
        self.state = "answered"
        await self.event("call.answered")
        await self.open_stream()

    async def busy(self) -> None:
        await self.event("call.initiated")
        await self.end("user_busy", "callee")

    async def no_answer(self) -> None:
        await self.event("call.initiated")
        await self.end("timeout", "unknown")

    async def fail(self) -> None:
        await self.event("call.initiated")
        await self.end("not_found", "unknown")

    # Answering-machine detection (a dial with `answering_machine_detection`): who answered
    # (human, machine, not_sure), then a machine's greeting over (beep_detected, ended, not_sure).
    @property
    def amd(self) -> dict[str, Any]:
        """The dial's answering-machine detection fields ({} when it asked for none)."""
        return {k: v for k, v in self.dial.items() if k.startswith("answering_machine_detection")}

    async def machine_detected(self, result: str) -> httpx.Response:
        return await self.event("call.machine.detection.ended", result=result)

    async def greeting_ended(self, result: str) -> httpx.Response:
        return await self.event("call.machine.greeting.ended", result=result)

    async def end(self, cause: str, source: str) -> httpx.Response:
        self.state = ENDED
        return await self.event("call.hangup", hangup_cause=cause, hangup_source=source)

    # The media stream.
    async def open_stream(self, call_control_id: str | None = None) -> None:
        assert self.stream_url, "voxgate named no stream_url"
        self.ws = await connect(self.telnyx.to_live(self.stream_url))
        await self.ws.send(json.dumps({"event": "connected", "version": "1.0.0"}))
        start = {
            "user_id": str(uuid.uuid4()),
            "call_control_id": call_control_id or self.call_control_id,
            "call_session_id": "session-" + self.call_control_id[3:],
            "from": self.from_,
            "to": self.to,
            "media_format": {"encoding": "PCMU", "sample_rate": 8000, "channels": 1},
        }
        await self.ws.send(
            json.dumps(
                {
                    "event": "start",
                    "sequence_number": "1",
                    "start": start,
                    "stream_id": self.stream_id,
                }
            )
        )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.ws is not None
        with contextlib.suppress(ConnectionClosed):
            async for text in self.ws:
                event = json.loads(text)
                if event.get("event") == "media":
                    self.heard.append(
                        (time.monotonic(), base64.b64decode(event["media"]["payload"]))
                    )
                else:
                    self.events.append(event)
        self.stream_closed.set()

    async def say(self, pcm8k: bytes) -> None:
        """Plays 8 kHz 16-bit PCM into the stream as μ-law, 20 ms a message, in real time."""
        assert self.ws is not None
        ulaw, chunk, start = pcm16_to_ulaw(pcm8k), 160, time.monotonic()
        for number, index in enumerate(range(0, len(ulaw), chunk), start=2):
            payload = base64.b64encode(ulaw[index : index + chunk]).decode()
            media = {"track": "inbound", "chunk": str(number), "timestamp": str(index // 8)}
            message = {
                "event": "media",
                "sequence_number": str(number),
                "media": {**media, "payload": payload},
                "stream_id": self.stream_id,
            }
            with contextlib.suppress(ConnectionClosed):
                await self.ws.send(json.dumps(message))
            await asyncio.sleep(max(0.0, start + (index + chunk) / 8000 - time.monotonic()))

    async def press(self, keys: str) -> None:
        """The person on the phone presses keys: one `dtmf` event each, as Telnyx sends them."""
        assert self.ws is not None
        for key in keys:
            message = {
                "event": "dtmf",
                "stream_id": self.stream_id,
                "occurred_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "sequence_number": str(next(_ids)),
                "dtmf": {"digit": key},
            }
            await self.ws.send(json.dumps(message))
            await asyncio.sleep(0.1)

    async def stop_stream(self) -> None:
        if self.ws is not None:
            stop = {"event": "stop", "stop": {"call_control_id": self.call_control_id}}
            with contextlib.suppress(ConnectionClosed):
                await self.ws.send(json.dumps({**stop, "stream_id": self.stream_id}))
            await self.ws.close()

    async def hang_up(self) -> None:
        """The person on the phone hangs up: the stream stops, then `call.hangup`."""
        await self.stop_stream()
        await self.end("normal_clearing", "callee" if self.direction == "outgoing" else "caller")

    def heard_since(self, moment: float = 0.0) -> bytes:
        return b"".join(chunk for at, chunk in self.heard if at >= moment)

    def commanded(self, action: str) -> list[dict[str, Any]]:
        return [body for name, body in self.commands if name == action]


class FakeTelnyx:
    def __init__(self, live_url: str, public_url: str) -> None:
        self.live_url, self.public_url = live_url.rstrip("/"), public_url.rstrip("/")
        self.api_key = API_KEY
        self._private = Ed25519PrivateKey.generate()
        raw = self._private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.public_key = base64.b64encode(raw).decode()
        self.applications: dict[str, dict[str, Any]] = {}
        self.numbers: dict[str, dict[str, Any]] = {}  # by E.164 number
        self.calls: dict[str, FakeCall] = {}
        self.requests: list[Request_] = []
        self.refuse_dial: tuple[int, str] | None = None  # (status, detail) for the next dial
        self.dialed: asyncio.Queue[FakeCall] = asyncio.Queue()
        self.tasks: list[asyncio.Task[None]] = []  # what a command set going (webhooks, streams)
        self.url = ""
        self.app = FastAPI()
        self.app.post("/v2/call_control_applications")(self._create_application)
        self.app.patch("/v2/call_control_applications/{application_id}")(self._update_application)
        self.app.get("/v2/phone_numbers")(self._list_numbers)
        self.app.patch("/v2/phone_numbers/{number_id}")(self._update_number)
        self.app.post("/v2/calls")(self._create_call)
        self.app.post("/v2/calls/{call_control_id}/actions/{action}")(self._command)

    @property
    def application_id(self) -> str:
        return next(reversed(self.applications), "")

    # Set-up and helpers for the tests.
    def add_number(self, number: str) -> str:
        self.numbers[number] = {"id": new_id(""), "phone_number": number, "connection_id": None}
        return str(self.numbers[number]["id"])

    def sign(self, timestamp: str, body: bytes) -> str:
        return base64.b64encode(self._private.sign(timestamp.encode() + b"|" + body)).decode()

    def to_live(self, public_url: str) -> str:
        """Where a public URL of voxgate's really is (the proxy's job in production)."""
        live, public = self.live_url, self.public_url
        if public_url.startswith(("ws://", "wss://")):
            live = live.replace("http://", "ws://", 1)
            public = public.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
        assert public_url.startswith(public), f"{public_url} is not voxgate's"
        return live + public_url[len(public) :]

    async def post(
        self,
        public_url: str,
        event_type: str,
        payload: dict[str, Any],
        signature: str | None = None,
        timestamp: float | None = None,
    ) -> httpx.Response:
        """A signed webhook to voxgate (`signature` forges one, `timestamp` backdates it)."""
        data = {
            "event_type": event_type,
            "id": str(uuid.uuid4()),
            "occurred_at": "2026-11-26T05:00:00.000000Z",
            "payload": payload,
            "record_type": "event",
        }
        body = json.dumps({"data": data, "meta": {"attempt": 1, "delivered_to": public_url}})
        stamp = str(int(timestamp if timestamp is not None else time.time()))
        headers = {
            "content-type": "application/json",
            "telnyx-timestamp": stamp,
            "telnyx-signature-ed25519": signature or self.sign(stamp, body.encode()),
        }
        async with httpx.AsyncClient(timeout=30) as client:
            return await client.post(self.to_live(public_url), content=body, headers=headers)

    async def ring(self, to: str, from_: str) -> tuple[FakeCall, httpx.Response]:
        """An inbound call to one of the account's numbers: `call.initiated` to the webhook of
        the application the number is assigned to (voxgate answers with a command)."""
        application = self.applications[self.numbers[to]["connection_id"]]
        call = FakeCall(
            self, new_id("v3:"), to, from_, "incoming", application["webhook_event_url"]
        )
        self.calls[call.call_control_id] = call
        return call, await call.event("call.initiated")

    # The REST API.
    async def _keep(self, request: Request) -> bool:
        """Records the request; whether its API key is the account's."""
        raw = await request.body()
        body = json.loads(raw) if raw else {}
        auth = request.headers.get("authorization", "")
        key = auth[7:] if auth.startswith("Bearer ") else ""
        params = dict(request.query_params)
        self.requests.append(Request_(request.method, request.url.path, body, params, key))
        return key == self.api_key

    @staticmethod
    def _error(status: int, code: str, title: str, detail: str) -> JSONResponse:
        return JSONResponse(
            {"errors": [{"code": code, "title": title, "detail": detail}]}, status_code=status
        )

    def _unauthorized(self) -> JSONResponse:
        detail = "Could not understand the provided credentials."
        return self._error(401, "10009", "Authentication failed", detail)

    async def _create_application(self, request: Request) -> JSONResponse:
        if not await self._keep(request):
            return self._unauthorized()
        body = self.requests[-1].body
        application = {"id": new_id(""), "record_type": "call_control_application", **body}
        self.applications[application["id"]] = application
        return JSONResponse({"data": application}, status_code=201)

    async def _update_application(self, request: Request, application_id: str) -> JSONResponse:
        if not await self._keep(request):
            return self._unauthorized()
        application = self.applications.get(application_id)
        if application is None:
            return self._error(404, "10005", "Resource not found", "Application not found.")
        application.update(self.requests[-1].body)
        return JSONResponse({"data": application})

    async def _list_numbers(self, request: Request) -> JSONResponse:
        if not await self._keep(request):
            return self._unauthorized()
        wanted = request.query_params.get("filter[phone_number]")
        found = [n for n in self.numbers.values() if wanted in (None, n["phone_number"])]
        return JSONResponse({"data": found, "meta": {"total_results": len(found)}})

    async def _update_number(self, request: Request, number_id: str) -> JSONResponse:
        if not await self._keep(request):
            return self._unauthorized()
        number = next((n for n in self.numbers.values() if n["id"] == number_id), None)
        if number is None:
            return self._error(404, "10005", "Resource not found", "Number not found.")
        number.update({k: v for k, v in self.requests[-1].body.items() if k == "connection_id"})
        return JSONResponse({"data": number})

    async def _create_call(self, request: Request) -> JSONResponse:
        if not await self._keep(request):
            return self._unauthorized()
        body = self.requests[-1].body
        if self.refuse_dial is not None:
            (status, detail), self.refuse_dial = self.refuse_dial, None
            return self._error(status, "10015", "Invalid value", detail)
        application = self.applications.get(str(body.get("connection_id")))
        if application is None:
            return self._error(422, "10015", "Invalid connection_id", "No such connection.")
        url = body.get("webhook_url") or application["webhook_event_url"]
        call = FakeCall(self, new_id("v3:"), body["to"], body["from"], "outgoing", url)
        call.stream_url, call.dial = body.get("stream_url"), body
        self.calls[call.call_control_id] = call
        await self.dialed.put(call)
        data = {
            "call_control_id": call.call_control_id,
            "call_leg_id": call.call_control_id[3:],
            "call_session_id": "session-" + call.call_control_id[3:],
            "is_alive": False,
            "record_type": "call",
        }
        return JSONResponse({"data": data})

    async def _command(self, request: Request, call_control_id: str, action: str) -> JSONResponse:
        if not await self._keep(request):
            return self._unauthorized()
        call = self.calls.get(call_control_id)
        if call is None or call.state == ENDED:
            return self._error(422, "90018", "Call has already ended", "Call has already ended")
        body = self.requests[-1].body
        call.commands.append((action, body))
        if action == "answer":
            call.state, call.stream_url = "answered", body.get("stream_url")
            call.webhook_url = body.get("webhook_url") or call.webhook_url
            self.tasks.append(asyncio.create_task(self._answered(call)))
        elif action in ("hangup", "transfer"):
            # Hung up, or handed to another party: either way the stream stops.
            self.tasks.append(asyncio.create_task(self._taken(call, action)))
        return JSONResponse({"data": {"result": "ok"}})

    async def _answered(self, call: FakeCall) -> None:
        await call.event("call.answered")
        if call.stream_url:
            await call.open_stream()

    async def _taken(self, call: FakeCall, action: str) -> None:
        await call.stop_stream()
        if action == "hangup":
            source = "caller" if call.direction == "outgoing" else "callee"
            await call.end("normal_clearing", source)


@asynccontextmanager
async def fake_telnyx(live_url: str, public_url: str) -> AsyncIterator[FakeTelnyx]:
    """Serves the fake on the test's own event loop (its calls' streams live there too)."""
    fake = FakeTelnyx(live_url, public_url)
    async with served(fake.app) as fake.url:
        try:
            yield fake
        finally:
            for pending in fake.tasks:
                pending.cancel()
            for call in fake.calls.values():
                if call.ws is not None:
                    await call.ws.close()
