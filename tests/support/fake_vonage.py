"""Vonage on loopback: its Applications (v2), Numbers and Voice (v1) APIs, recording every
request voxgate makes (Basic auth with the account's key and secret; the Voice API's RS256 JWT
checked with the public key the application was made with), its webhooks, and the phone side of
a call's websocket.

voxgate hands Vonage public URLs (`VOXGATE_PUBLIC_URL`, https://voxgate.test in the tests); the
fake sends each request to the live server, as the proxy in front of a real deployment would.

A call voxgate places (`POST /v1/calls`) waits in `dialed` until the test decides what the
callee does: `answer()` (events, then the websocket the NCCO names), `busy()`, `reject()`,
`fail()`, `time_out()`; a call placed with Advanced Machine Detection keeps what it asked
(`amd`), and the test sends its verdicts (`detected("human" | "machine", sub_state)`).
`ring(to, from_)` is an inbound call to one of the account's numbers.
Either way the `FakeCall` plays 16 kHz L16 audio (and presses keys) into its websocket and keeps
what it hears.
"""

import asyncio
import base64
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.support.server import served

API_KEY = "a1b2c3d4"
API_SECRET = "Vonage-Secret-0123456789"
RATE = 16000
FRAME = 640  # 20 ms of L16 at 16 kHz


@dataclass
class Request_:
    method: str
    path: str
    body: Any
    auth: tuple[str, str] | None
    claims: dict[str, Any] | None = None  # a Voice API request's verified JWT


@dataclass
class FakeCall:
    """One call as Vonage sees it, and the callee's (or caller's) phone."""

    vonage: "FakeVonage"
    uuid: str
    to: str
    from_: str
    ncco: list[dict[str, Any]]
    event_url: str | None = None
    status: str = "started"
    conversation_uuid: str = field(default_factory=lambda: f"CON-{uuid.uuid4()}")
    body: dict[str, Any] = field(default_factory=dict)  # what voxgate sent to create it
    updates: list[dict[str, Any]] = field(default_factory=list)  # PUTs voxgate sent since
    ws: ClientConnection | None = None
    heard: list[tuple[float, bytes]] = field(default_factory=list)  # (when, 16 kHz PCM)
    events: list[tuple[float, dict[str, Any]]] = field(default_factory=list)  # text messages
    stream_closed: asyncio.Event = field(default_factory=asyncio.Event)
    _reader: asyncio.Task[None] | None = None
    # The phone plays what it is sent in real time: until when it is busy playing (monotonic);
    # a `notify` comes back once the audio before it has played.
    playing_until: float = 0.0
    _notices: list[asyncio.TimerHandle] = field(default_factory=list)
    _sending: list[asyncio.Task[None]] = field(default_factory=list)
    # For each of `updates`: the seconds of audio the phone had yet to play when it came.
    unplayed_at_update: list[float] = field(default_factory=list)

    # The callee's choices (an outbound call).
    async def answer(self) -> None:
        await self.report("ringing")
        await self.report("answered")
        await self.open_stream()

    async def busy(self) -> None:
        await self.report("ringing")
        await self.report("busy")

    async def time_out(self) -> None:
        await self.report("ringing")
        await self.report("timeout")

    async def reject(self) -> None:
        await self.report("rejected")

    async def fail(self) -> None:
        await self.report("failed")

    # Advanced Machine Detection (a call placed with `advanced_machine_detection`).
    @property
    def amd(self) -> dict[str, Any] | None:
        """What the call asked of Advanced Machine Detection (None when nothing)."""
        return self.body.get("advanced_machine_detection")

    async def detected(self, status: str, sub_state: str | None = None) -> httpx.Response:
        """The verdict's event: `human` or `machine`, a machine's `sub_state` once its greeting
        is over (`beep_start`, or `beep_timeout`). The call's own status stays `answered`."""
        assert self.event_url, "the call has no event URL"
        extra = {"sub_state": sub_state} if sub_state else {}
        event = {**self.vonage.event_body(self), "status": status, **extra}
        return await self.vonage.post(self.event_url, event)

    async def report(self, status: str, **extra: Any) -> httpx.Response | None:
        """Vonage's event webhook for this call (to the URL voxgate gave)."""
        self.status = status
        if not self.event_url:
            return None
        event = {**self.vonage.event_body(self), "status": status, **extra}
        return await self.vonage.post(self.event_url, event)

    # The websocket.
    def stream_url(self) -> str:
        [connect_action] = [a for a in self.ncco if a.get("action") == "connect"]
        [endpoint] = connect_action["endpoint"]
        assert endpoint["type"] == "websocket", endpoint
        assert endpoint["content-type"] == "audio/l16;rate=16000", endpoint
        return str(endpoint["uri"])

    async def open_stream(self, url: str | None = None) -> None:
        self.ws = await connect(self.vonage.to_live(url or self.stream_url()))
        connected = {"event": "websocket:connected", "content-type": "audio/l16;rate=16000"}
        await self.ws.send(json.dumps(connected))
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.ws is not None
        with contextlib.suppress(ConnectionClosed):
            async for message in self.ws:
                now = time.monotonic()
                if isinstance(message, bytes):
                    self.heard.append((now, message))
                    self.playing_until = max(now, self.playing_until) + len(message) / 2 / RATE
                    continue
                event = json.loads(message)
                self.events.append((now, event))
                self._notify_or_clear(event, now)
        self.stream_closed.set()

    def _notify_or_clear(self, event: dict[str, Any], now: float) -> None:
        """A `notify` comes back once the audio before it has played; `clear` drops what is
        not played yet (Vonage answers `websocket:cleared`)."""
        loop = asyncio.get_running_loop()
        if event.get("action") == "notify":
            back = {"event": "websocket:notify", "payload": event.get("payload")}
            delay = max(0.0, self.playing_until - now)
            send = lambda: self._sending.append(loop.create_task(self._send(back)))  # noqa: E731
            self._notices.append(loop.call_later(delay, send))
        elif event.get("action") == "clear":
            self.playing_until = now
            self._sending.append(loop.create_task(self._send({"event": "websocket:cleared"})))

    async def _send(self, event: dict[str, Any]) -> None:
        if self.ws is not None:
            with contextlib.suppress(ConnectionClosed):
                await self.ws.send(json.dumps(event))

    async def say(self, pcm16k: bytes) -> None:
        """Plays 16 kHz 16-bit PCM into the websocket, 20 ms a message, in real time."""
        assert self.ws is not None
        start = time.monotonic()
        for index in range(0, len(pcm16k), FRAME):
            chunk = pcm16k[index : index + FRAME].ljust(FRAME, b"\x00")
            with contextlib.suppress(ConnectionClosed):
                await self.ws.send(chunk)
            await asyncio.sleep(max(0.0, start + (index + FRAME) / 2 / RATE - time.monotonic()))

    async def press(self, keys: str) -> None:
        """The person on the phone presses keys: one `websocket:dtmf` text message each, as
        Vonage sends them."""
        assert self.ws is not None
        for key in keys:
            await self.ws.send(
                json.dumps({"event": "websocket:dtmf", "digit": key, "duration": 250})
            )
            await asyncio.sleep(0.1)

    async def hang_up(self) -> None:
        """The person on the phone hangs up: Vonage closes the websocket, the call completes."""
        if self.ws is not None:
            await self.ws.close()
        await self.report("completed")

    def odd_messages(self) -> list[int]:
        """The sizes of audio messages that were not 20 ms (Vonage takes only those)."""
        return [len(chunk) for _, chunk in self.heard if len(chunk) != FRAME]

    def heard_since(self, moment: float = 0.0) -> bytes:
        return b"".join(chunk for at, chunk in self.heard if at >= moment)

    def of_action(self, name: str) -> list[dict[str, Any]]:
        return [event for _, event in self.events if event.get("action") == name]


class FakeVonage:
    def __init__(self, live_url: str, public_url: str) -> None:
        self.live_url, self.public_url = live_url.rstrip("/"), public_url.rstrip("/")
        self.api_secret = API_SECRET
        self.applications: dict[str, dict[str, Any]] = {}  # by id
        self.numbers: dict[str, dict[str, Any]] = {}  # by msisdn (digits)
        self.calls: dict[str, FakeCall] = {}
        self.requests: list[Request_] = []
        self.refuse_dial: tuple[int, str] | None = None  # (status, title) for the next dial
        self.dialed: asyncio.Queue[FakeCall] = asyncio.Queue()
        self.url = ""
        self.app = FastAPI()
        self.app.post("/v2/applications")(self._create_application)
        self.app.put("/v2/applications/{app_id}")(self._update_application)
        self.app.get("/account/numbers")(self._list_numbers)
        self.app.post("/number/update")(self._update_number)
        self.app.post("/v1/calls")(self._create_call)
        self.app.put("/v1/calls/{call_uuid}")(self._update_call)

    # Set-up and helpers for the tests.
    def add_number(self, number: str, country: str = "US") -> None:
        msisdn = number.removeprefix("+")
        self.numbers[msisdn] = {"country": country, "msisdn": msisdn, "type": "landline"}

    def to_live(self, public_url: str) -> str:
        """Where a public URL of voxgate's really is (the proxy's job in production)."""
        live, public = self.live_url, self.public_url
        if public_url.startswith(("ws://", "wss://")):
            live = live.replace("http://", "ws://", 1)
            public = public.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
        assert public_url.startswith(public), f"{public_url} is not voxgate's"
        return live + public_url[len(public) :]

    async def post(self, public_url: str, body: dict[str, Any]) -> httpx.Response:
        """A webhook to voxgate (JSON, as the application asked: `http_method` POST)."""
        async with httpx.AsyncClient(timeout=30) as client:
            return await client.post(self.to_live(public_url), json=body)

    def event_body(self, call: FakeCall, direction: str = "outbound") -> dict[str, Any]:
        return {
            "uuid": call.uuid,
            "conversation_uuid": call.conversation_uuid,
            "from": call.from_,
            "to": call.to,
            "direction": direction,
            "timestamp": "2026-11-26T05:00:00.000Z",
        }

    def answer_url(self, msisdn: str) -> str:
        app = self.applications[self.numbers[msisdn]["app_id"]]
        return str(app["capabilities"]["voice"]["webhooks"]["answer_url"]["address"])

    async def ring(self, to: str, from_: str) -> tuple[FakeCall, httpx.Response]:
        """An inbound call to one of the account's numbers: Vonage asks the number's
        application's answer URL for an NCCO, then (for a websocket `connect`) opens it."""
        msisdn = to.removeprefix("+")
        call = FakeCall(self, str(uuid.uuid4()), msisdn, from_.removeprefix("+"), [])
        self.calls[call.uuid] = call
        body = {**self.event_body(call, "inbound"), "region_url": "https://api-us-3.vonage.com"}
        response = await self.post(self.answer_url(msisdn), body)
        if response.status_code == 200:
            call.ncco = response.json()
            if (
                any(a.get("action") == "connect" for a in call.ncco)
                and "websocket" in response.text
            ):
                await call.open_stream()
        return call, response

    # The REST APIs.
    def _basic(self, request: Request) -> tuple[str, str] | None:
        header = request.headers.get("authorization", "")
        if not header.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return user, password

    def _keep(self, request: Request, body: Any, claims: dict[str, Any] | None = None) -> None:
        self.requests.append(
            Request_(request.method, request.url.path, body, self._basic(request), claims)
        )

    def _account_ok(self) -> bool:
        return self.requests[-1].auth == (API_KEY, self.api_secret)

    @staticmethod
    def _error(status: int, title: str, detail: str = "") -> JSONResponse:
        body = {"type": "https://developer.nexmo.com/api-errors", "title": title, "detail": detail}
        return JSONResponse(body, status_code=status)

    def _claims(self, request: Request) -> dict[str, Any] | None:
        """The Voice API's JWT, verified with its application's public key, or None."""
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            return None
        try:
            unverified = jwt.decode(header[7:], options={"verify_signature": False})
            app = self.applications[unverified["application_id"]]
            claims: dict[str, Any] = jwt.decode(
                header[7:], app["keys"]["public_key"], algorithms=["RS256"]
            )
        except (jwt.PyJWTError, KeyError):
            return None
        return claims

    async def _create_application(self, request: Request) -> JSONResponse:
        body = await request.json()
        self._keep(request, body)
        if not self._account_ok():
            return self._error(401, "Invalid credentials", "The API key or secret is wrong.")
        app_id = str(uuid.uuid4())
        self.applications[app_id] = {"id": app_id, **body}
        return JSONResponse(self.applications[app_id], status_code=201)

    async def _update_application(self, request: Request, app_id: str) -> JSONResponse:
        body = await request.json()
        self._keep(request, body)
        if not self._account_ok():
            return self._error(401, "Invalid credentials", "The API key or secret is wrong.")
        if app_id not in self.applications:
            return self._error(404, "Not Found", f"Application {app_id} does not exist.")
        self.applications[app_id] = {"id": app_id, **body}
        return JSONResponse(self.applications[app_id])

    async def _list_numbers(self, request: Request) -> JSONResponse:
        self._keep(request, dict(request.query_params))
        if not self._account_ok():
            return self._error(401, "Invalid credentials")
        pattern = request.query_params.get("pattern", "")
        found = [n for n in self.numbers.values() if pattern in n["msisdn"]]
        return JSONResponse({"count": len(found), "numbers": found})

    async def _update_number(self, request: Request) -> JSONResponse:
        form = {k: str(v) for k, v in (await request.form()).items()}
        self._keep(request, form)
        if not self._account_ok():
            return self._error(401, "Invalid credentials")
        number = self.numbers.get(form.get("msisdn", ""))
        if number is None or form.get("app_id") not in self.applications:
            return JSONResponse(
                {"error-code": "420", "error-code-label": "Invalid Parameters"}, 420
            )
        number["app_id"] = form["app_id"]
        return JSONResponse({"error-code": "200", "error-code-label": "success"})

    async def _create_call(self, request: Request) -> JSONResponse:
        body = await request.json()
        claims = self._claims(request)
        self._keep(request, body, claims)
        if claims is None:
            return self._error(401, "Unauthorized", "Invalid Token")
        if self.refuse_dial is not None:
            (status, title), self.refuse_dial = self.refuse_dial, None
            return self._error(status, title)
        [to] = body["to"]
        call = FakeCall(self, str(uuid.uuid4()), to["number"], body["from"]["number"], body["ncco"])
        call.event_url, call.body = body["event_url"][0], body
        self.calls[call.uuid] = call
        await self.dialed.put(call)
        answer = {"uuid": call.uuid, "status": "started", "direction": "outbound",
                  "conversation_uuid": call.conversation_uuid}  # fmt: skip
        return JSONResponse(answer, status_code=201)

    async def _update_call(self, request: Request, call_uuid: str) -> Response:
        body = await request.json()
        claims = self._claims(request)
        self._keep(request, body, claims)
        if claims is None:
            return self._error(401, "Unauthorized", "Invalid Token")
        call = self.calls.get(call_uuid)
        if call is None or call.status in ("completed", "busy", "rejected", "failed", "timeout"):
            return self._error(404, "Not Found", "The call is not in progress.")
        call.updates.append(body)
        call.unplayed_at_update.append(max(0.0, call.playing_until - time.monotonic()))
        if body.get("action") in ("hangup", "transfer"):
            # Hung up, or new instructions: either way the websocket's NCCO is over.
            asyncio.get_running_loop().create_task(self._stop_stream(call, body))
        return Response(status_code=204)

    async def _stop_stream(self, call: FakeCall, body: dict[str, Any]) -> None:
        if call.ws is not None:
            await call.ws.close()
        if body.get("action") == "hangup":
            await call.report("completed")


@asynccontextmanager
async def fake_vonage(live_url: str, public_url: str) -> AsyncIterator[FakeVonage]:
    """Serves the fake on the test's own event loop (its calls' websockets live there too)."""
    fake = FakeVonage(live_url, public_url)
    async with served(fake.app) as fake.url:
        try:
            yield fake
        finally:
            for call in fake.calls.values():
                if call.ws is not None:
                    await call.ws.close()
