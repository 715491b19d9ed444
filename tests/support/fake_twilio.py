"""Twilio on loopback: its REST API (numbers and calls, Basic auth, recording every request
voxgate makes), its signed webhooks, and the phone side of a call's media stream.

voxgate hands Twilio public URLs (`VOXGATE_PUBLIC_URL`, https://voxgate.test in the tests);
the fake signs each request over that URL, as Twilio does, and sends it to the live server,
as the proxy in front of a real deployment would.

A call voxgate places (`POST …/Calls.json`) waits in `dialed` until the test decides what the
callee does: `answer()` (status callbacks, then the media stream the TwiML names), `busy()`,
`no_answer()`, `fail()`. `ring(to, from_)` is an inbound call to one of the account's
numbers. Either way the `FakeCall` plays μ-law audio into its stream and keeps what it hears.
"""

import asyncio
import base64
import contextlib
import itertools
import json
import time
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from twilio.request_validator import RequestValidator
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.support.server import served

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "twilio-auth-token-for-tests"
_ids = itertools.count(1)


def sid(prefix: str) -> str:
    return f"{prefix}{next(_ids):032x}"


def pcm16_to_ulaw(pcm: bytes) -> bytes:
    """16-bit PCM to G.711 μ-law (the same rate)."""
    out = bytearray()
    for sample in memoryview(pcm).cast("h").tolist():
        sign = 0x80 if sample < 0 else 0
        magnitude = min(abs(sample), 32635) + 0x84
        exponent = max(0, magnitude.bit_length() - 8)
        mantissa = (magnitude >> (exponent + 3)) & 0x0F
        out.append(~(sign | (exponent << 4) | mantissa) & 0xFF)
    return bytes(out)


@dataclass
class Request_:
    method: str
    path: str
    form: dict[str, str]
    auth: tuple[str, str] | None


@dataclass
class FakeCall:
    """One call as Twilio sees it, and the callee's (or caller's) phone."""

    twilio: "FakeTwilio"
    sid: str
    to: str
    from_: str
    twiml: str
    status_callback: str | None = None
    status: str = "queued"
    form: dict[str, str] = field(default_factory=dict)  # what voxgate sent to create it
    updates: list[dict[str, str]] = field(default_factory=list)  # what voxgate sent since
    stream_sid: str = field(default_factory=lambda: sid("MZ"))
    ws: ClientConnection | None = None
    heard: list[tuple[float, bytes]] = field(default_factory=list)  # (when, μ-law)
    events: list[tuple[float, dict[str, Any]]] = field(default_factory=list)  # other events
    stream_closed: asyncio.Event = field(default_factory=asyncio.Event)
    _reader: asyncio.Task[None] | None = None
    # The phone plays what it is sent in real time: until when it is busy playing (monotonic),
    # and the `mark`s waiting for the audio before them to play (Twilio then sends them back).
    playing_until: float = 0.0
    _marks: list[tuple[asyncio.TimerHandle, dict[str, Any]]] = field(default_factory=list)
    _sending: list[asyncio.Task[None]] = field(default_factory=list)
    # For each of `updates`: the seconds of audio the phone had yet to play when it came.
    unplayed_at_update: list[float] = field(default_factory=list)

    # The callee's choices (an outbound call).
    async def answer(self) -> None:
        await self.report("ringing")
        await self.report("in-progress")
        await self.open_stream()

    async def busy(self) -> None:
        await self.report("ringing")
        await self.report("busy")

    async def no_answer(self) -> None:
        await self.report("ringing")
        await self.report("no-answer")

    async def fail(self) -> None:
        await self.report("failed")

    async def report(self, status: str, **extra: str) -> httpx.Response | None:
        """Twilio's status callback for this call (when voxgate asked for them)."""
        self.status = status
        if not self.status_callback:
            return None
        form = {**self.twilio.call_form(self), "CallStatus": status, **extra}
        return await self.twilio.post(self.status_callback, form)

    async def amd(self, answered_by: str) -> httpx.Response:
        """The asynchronous answering-machine detection's verdict (`AnsweredBy`: `human`,
        `machine_end_beep`…), to the callback voxgate asked for."""
        url = self.form.get("AsyncAmdStatusCallback")
        assert url, f"no answering-machine detection was asked for: {self.form}"
        form = {**self.twilio.call_form(self), "AnsweredBy": answered_by}
        return await self.twilio.post(url, form)

    async def destination_answers(
        self, signature: str | None = None, **extra: str
    ) -> httpx.Response:
        """The transfer's destination answered: Twilio fetches the whisper (the `url` of the
        `<Dial>`'s `<Number>` or `<Sip>`) for the new leg, a child of this call; `extra`
        fields (a `<Gather>`'s `SpeechResult`) and a forged `signature` as given."""
        noun = ET.fromstring(self.updates[-1]["Twiml"]).find("./Dial/*[@url]")
        assert noun is not None, f"no whisper URL in {self.updates[-1]['Twiml']}"
        child = FakeCall(self.twilio, sid("CA"), noun.text or "", self.from_, "")
        form = {**self.twilio.call_form(child, "outbound-dial"), "ParentCallSid": self.sid}
        form = {**form, "CallStatus": "in-progress", **extra}
        return await self.twilio.post(noun.attrib["url"], form, signature)

    # The media stream.
    def stream_url(self) -> str:
        stream = ET.fromstring(self.twiml).find("./Connect/Stream")
        assert stream is not None, f"no <Connect><Stream> in {self.twiml}"
        return stream.attrib["url"]

    async def open_stream(self, url: str | None = None, signature: str | None = None) -> None:
        public = url or self.stream_url()
        signed = signature or self.twilio.sign(public, {})
        self.ws = await connect(
            self.twilio.to_live(public), additional_headers={"X-Twilio-Signature": signed}
        )
        await self.ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1"}))
        start = {
            "streamSid": self.stream_sid,
            "accountSid": ACCOUNT_SID,
            "callSid": self.sid,
            "tracks": ["inbound"],
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            "customParameters": {},
        }
        await self.ws.send(
            json.dumps(
                {
                    "event": "start",
                    "sequenceNumber": "1",
                    "start": start,
                    "streamSid": self.stream_sid,
                }
            )
        )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.ws is not None
        with contextlib.suppress(ConnectionClosed):
            async for text in self.ws:
                event = json.loads(text)
                now = time.monotonic()
                if event.get("event") == "media":
                    audio = base64.b64decode(event["media"]["payload"])
                    self.heard.append((now, audio))
                    self.playing_until = max(now, self.playing_until) + len(audio) / 8000
                else:
                    self.events.append((now, event))
                    self._played_or_cleared(event, now)
        self.stream_closed.set()

    def _played_or_cleared(self, event: dict[str, Any], now: float) -> None:
        """A `mark` comes back once the audio before it has played; `clear` drops the audio
        not played yet and sends every waiting mark back at once, as Twilio does."""
        loop = asyncio.get_running_loop()
        if event.get("event") == "mark":
            back = {"event": "mark", "streamSid": self.stream_sid, "mark": event.get("mark")}

            def played() -> None:
                self._marks[:] = [(h, m) for h, m in self._marks if m is not back]
                self._sending.append(loop.create_task(self._send(back)))

            delay = max(0.0, self.playing_until - now)
            self._marks.append((loop.call_later(delay, played), back))
        elif event.get("event") == "clear":
            self.playing_until = now
            for handle, back in self._marks:
                handle.cancel()
                self._sending.append(loop.create_task(self._send(back)))
            self._marks.clear()

    async def _send(self, event: dict[str, Any]) -> None:
        if self.ws is not None:
            with contextlib.suppress(ConnectionClosed):
                await self.ws.send(json.dumps(event))

    async def say(self, pcm8k: bytes) -> None:
        """Plays 8 kHz 16-bit PCM into the stream as μ-law, 20 ms a message, in real time."""
        assert self.ws is not None
        ulaw, chunk, start = pcm16_to_ulaw(pcm8k), 160, time.monotonic()
        for index in range(0, len(ulaw), chunk):
            payload = base64.b64encode(ulaw[index : index + chunk]).decode()
            media = {"track": "inbound", "timestamp": str(index // 8), "payload": payload}
            with contextlib.suppress(ConnectionClosed):
                await self.ws.send(
                    json.dumps({"event": "media", "streamSid": self.stream_sid, "media": media})
                )
            await asyncio.sleep(max(0.0, start + (index + chunk) / 8000 - time.monotonic()))

    async def press(self, keys: str) -> None:
        """The person on the phone presses keys: one `dtmf` event each, as Twilio sends them."""
        assert self.ws is not None
        for key in keys:
            dtmf = {"track": "inbound_track", "digit": key}
            await self.ws.send(
                json.dumps({"event": "dtmf", "streamSid": self.stream_sid, "dtmf": dtmf})
            )
            await asyncio.sleep(0.1)

    async def hang_up(self) -> None:
        """The person on the phone hangs up: the stream stops, then the call completes."""
        if self.ws is not None:
            with contextlib.suppress(ConnectionClosed):
                await self.ws.send(json.dumps({"event": "stop", "streamSid": self.stream_sid}))
            await self.ws.close()
        await self.report("completed", CallDuration="3")

    def heard_since(self, moment: float = 0.0) -> bytes:
        return b"".join(chunk for at, chunk in self.heard if at >= moment)

    def of_event(self, name: str) -> list[dict[str, Any]]:
        return [event for _, event in self.events if event.get("event") == name]


class FakeTwilio:
    def __init__(self, live_url: str, public_url: str) -> None:
        self.live_url, self.public_url = live_url.rstrip("/"), public_url.rstrip("/")
        self.auth_token = AUTH_TOKEN
        self.api_keys: dict[str, str] = {}  # API key SID → its secret, also accepted
        self.numbers: dict[str, dict[str, str]] = {}  # by E.164 number
        self.calls: dict[str, FakeCall] = {}
        self.requests: list[Request_] = []
        self.refuse_dial: tuple[int, str] | None = None  # (status, message) for the next dial
        # (status, message) for the next update of a live call with new TwiML (a transfer).
        self.refuse_twiml: tuple[int, str] | None = None
        self.dialed: asyncio.Queue[FakeCall] = asyncio.Queue()
        self.url = ""
        self.app = FastAPI()
        base = "/2010-04-01/Accounts/{account}"
        self.app.get(base + "/IncomingPhoneNumbers.json")(self._list_numbers)
        self.app.post(base + "/IncomingPhoneNumbers/{number_sid}.json")(self._update_number)
        self.app.post(base + "/Calls.json")(self._create_call)
        self.app.post(base + "/Calls/{call_sid}.json")(self._update_call)

    # Set-up and helpers for the tests.
    def add_number(self, number: str) -> str:
        self.numbers[number] = {"sid": sid("PN"), "phone_number": number, "voice_url": ""}
        return self.numbers[number]["sid"]

    def sign(self, public_url: str, form: dict[str, str]) -> str:
        return str(RequestValidator(self.auth_token).compute_signature(public_url, form))

    def to_live(self, public_url: str) -> str:
        """Where a public URL of voxgate's really is (the proxy's job in production)."""
        live = self.live_url
        if public_url.startswith(("ws://", "wss://")):
            live = live.replace("http://", "ws://", 1)
            public = self.public_url.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
        else:
            public = self.public_url
        assert public_url.startswith(public), f"{public_url} is not voxgate's"
        return live + public_url[len(public) :]

    async def post(
        self, public_url: str, form: dict[str, str], signature: str | None = None
    ) -> httpx.Response:
        """A signed webhook to voxgate (`signature` forges one)."""
        headers = {"X-Twilio-Signature": signature or self.sign(public_url, form)}
        async with httpx.AsyncClient(timeout=30) as client:
            return await client.post(self.to_live(public_url), data=form, headers=headers)

    def call_form(self, call: FakeCall, direction: str = "outbound-api") -> dict[str, str]:
        return {
            "AccountSid": ACCOUNT_SID,
            "CallSid": call.sid,
            "From": call.from_,
            "To": call.to,
            "Direction": direction,
            "ApiVersion": "2010-04-01",
        }

    async def ring(self, to: str, from_: str) -> tuple[FakeCall, httpx.Response]:
        """An inbound call to one of the account's numbers: Twilio asks its voice URL what to
        do, then (for `<Connect><Stream>`) opens the media stream."""
        call = FakeCall(self, sid("CA"), to, from_, "")
        self.calls[call.sid] = call
        form = {**self.call_form(call, "inbound"), "CallStatus": "ringing"}
        response = await self.post(self.numbers[to]["voice_url"], form)
        call.twiml = response.text
        if response.status_code == 200 and "<Stream" in response.text:
            await call.open_stream()
        return call, response

    # The REST API.
    def _keep(self, request: Request, form: dict[str, str]) -> None:
        auth = None
        if request.headers.get("authorization", "").startswith("Basic "):
            user, _, password = (
                base64.b64decode(request.headers["authorization"][6:]).decode().partition(":")
            )
            auth = (user, password)
        self.requests.append(Request_(request.method, request.url.path, form, auth))

    def _authorized(self, account: str) -> bool:
        last = self.requests[-1].auth
        accepted = {(ACCOUNT_SID, self.auth_token), *self.api_keys.items()}
        return account == ACCOUNT_SID and last in accepted

    @staticmethod
    def _error(status: int, message: str, code: int = 20001) -> JSONResponse:
        body = {"code": code, "message": message, "more_info": "", "status": status}
        return JSONResponse(body, status_code=status)

    async def _list_numbers(self, request: Request, account: str) -> JSONResponse:
        self._keep(request, dict(request.query_params))
        if not self._authorized(account):
            return self._error(401, "Authenticate", 20003)
        wanted = request.query_params.get("PhoneNumber")
        found = [n for n in self.numbers.values() if wanted in (None, n["phone_number"])]
        page = {"first_page_uri": "", "next_page_uri": None, "page": 0, "page_size": 50}
        return JSONResponse({"incoming_phone_numbers": found, **page})

    async def _update_number(self, request: Request, account: str, number_sid: str) -> JSONResponse:
        form = {k: str(v) for k, v in (await request.form()).items()}
        self._keep(request, form)
        if not self._authorized(account):
            return self._error(401, "Authenticate", 20003)
        number = next((n for n in self.numbers.values() if n["sid"] == number_sid), None)
        if number is None:
            return self._error(404, "The requested resource was not found", 20404)
        number["voice_url"] = form.get("VoiceUrl", number["voice_url"])
        return JSONResponse(number)

    async def _create_call(self, request: Request, account: str) -> JSONResponse:
        form = {k: str(v) for k, v in (await request.form()).items()}
        self._keep(request, form)
        if not self._authorized(account):
            return self._error(401, "Authenticate", 20003)
        if self.refuse_dial is not None:
            (status, message), self.refuse_dial = self.refuse_dial, None
            return self._error(status, message, 21211)
        call = FakeCall(self, sid("CA"), form["To"], form["From"], form.get("Twiml", ""))
        call.status_callback, call.form = form.get("StatusCallback"), form
        self.calls[call.sid] = call
        await self.dialed.put(call)
        return JSONResponse(self._call_body(call), status_code=201)

    async def _update_call(self, request: Request, account: str, call_sid: str) -> JSONResponse:
        form = {k: str(v) for k, v in (await request.form()).items()}
        self._keep(request, form)
        if not self._authorized(account):
            return self._error(401, "Authenticate", 20003)
        call = self.calls.get(call_sid)
        if call is None or call.status in ("completed", "busy", "no-answer", "failed", "canceled"):
            return self._error(404, "The requested resource was not found", 20404)
        call.updates.append(form)
        call.unplayed_at_update.append(max(0.0, call.playing_until - time.monotonic()))
        if form.get("Twiml") and self.refuse_twiml is not None:
            (status, message), self.refuse_twiml = self.refuse_twiml, None
            return self._error(status, message, 21220)
        if form.get("Status") == "completed" or form.get("Twiml"):
            # Hung up, or new instructions: either way Twilio stops the stream.
            asyncio.get_running_loop().create_task(self._stop_stream(call, form))
        return JSONResponse(self._call_body(call))

    async def _stop_stream(self, call: FakeCall, form: dict[str, str]) -> None:
        if call.ws is not None:
            with contextlib.suppress(ConnectionClosed):
                await call.ws.send(json.dumps({"event": "stop", "streamSid": call.stream_sid}))
            await call.ws.close()
        if form.get("Status") == "completed":
            await call.report("completed", CallDuration="3")

    def _call_body(self, call: FakeCall) -> dict[str, Any]:
        return {
            "sid": call.sid,
            "account_sid": ACCOUNT_SID,
            "to": call.to,
            "from": call.from_,
            "status": call.status,
            "direction": "outbound-api",
            "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{call.sid}.json",
        }


@asynccontextmanager
async def fake_twilio(live_url: str, public_url: str) -> AsyncIterator[FakeTwilio]:
    """Serves the fake on the test's own event loop (its calls' streams live there too)."""
    fake = FakeTwilio(live_url, public_url)
    async with served(fake.app) as fake.url:
        try:
            yield fake
        finally:
            for call in fake.calls.values():
                if call.ws is not None:
                    await call.ws.close()
