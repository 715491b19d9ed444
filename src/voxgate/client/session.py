"""One call over its websocket (VAPI-BEHAVIOUR §3.7): audio out paced like a microphone, the
reply to the speaker or a file, the live transcript printed, and a clean hang-up.
"""

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from voxgate.client.speech import CHUNK

GAP = 1.0  # seconds without audio that end the assistant's turn
GREETING_WAIT = 3.0  # an assistant that has not spoken this long after joining is not greeting
HANG_UP_WAIT = 5.0  # how long the server gets to end the call after `end-call`
# Ends that are the conversation's own, not a failure (vapi-endedReason.txt).
NORMAL_ENDS = {
    "customer-ended-call", "assistant-ended-call", "assistant-said-end-call-phrase",
    "assistant-forwarded-call", "exceeded-max-duration", "silence-timed-out", "manually-canceled",
}  # fmt: skip
SILENCE = b"\x00" * CHUNK


class Sink(Protocol):
    def write(self, pcm: bytes) -> None: ...


class Line:
    """The client's side of a live call: what it sends, hears and prints."""

    def __init__(self, ws: ClientConnection, sinks: list[Sink], echo: Callable[[str], None]):
        self.ws, self._sinks, self._echo = ws, sinks, echo
        self.started = asyncio.Event()  # the call is in progress
        self.closed = asyncio.Event()  # the socket is gone
        self.ended_reason: str | None = None
        self._last_audio = 0.0  # when the latest audio arrived (monotonic)
        self._speaking = False  # the server says the assistant is speaking (`speech-update`)
        self._queued = bytearray()  # speech waiting to be sent, 20 ms at a time
        self._sent = asyncio.Event()  # set whenever the queue runs dry

    async def listen(self) -> None:
        try:
            async for frame in self.ws:
                if isinstance(frame, bytes):
                    self._last_audio = time.monotonic()
                    for sink in self._sinks:
                        sink.write(frame)
                else:
                    with contextlib.suppress(ValueError):  # a frame that is not JSON: not ours
                        self._heard(json.loads(frame))
        except ConnectionClosed:
            pass
        finally:
            self.closed.set()

    def _heard(self, message: Any) -> None:
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "speech-update" and message.get("role") == "assistant":
            self._speaking = message.get("status") == "started"
        elif kind == "user-interrupted":  # ends the assistant's speech without a `stopped`
            self._speaking = False
        elif kind == "transcript" and message.get("transcriptType", "final") == "final":
            speaker = "AI" if message.get("role") == "assistant" else "You"
            self._echo(f"{speaker}: {message.get('transcript', '')}")
        elif kind == "status-update" and message.get("status") == "in-progress":
            self.started.set()
        elif kind == "status-update" and message.get("status") == "ended":
            self.ended_reason = str(message.get("endedReason"))
            self._echo(f"call ended: {self.ended_reason}")

    async def stream(self, source: AsyncIterator[bytes] | None = None) -> None:
        """Sends the microphone's chunks, or else queued speech and silence, in real time."""
        with contextlib.suppress(ConnectionClosed):
            if source is not None:
                async for chunk in source:
                    await self.ws.send(chunk)
                return
            start, sent = time.monotonic(), 0
            while True:
                chunk = bytes(self._queued[:CHUNK]) or SILENCE
                del self._queued[:CHUNK]
                if not self._queued:
                    self._sent.set()
                await self.ws.send(chunk.ljust(CHUNK, b"\x00"))
                sent += 1
                await asyncio.sleep(max(0.0, start + sent * 0.02 - time.monotonic()))

    async def say(self, pcm: bytes) -> None:
        """Queues speech and returns once its last chunk has gone out."""
        self._sent.clear()
        self._queued.extend(pcm)
        await self._sent.wait()

    async def quiet(self, after: float, first_within: float, limit: float) -> None:
        """Waits until audio that began after `after` has stopped for GAP seconds and the server
        no longer says the assistant is speaking (a slow voice pauses mid-sentence); gives up
        when none begins within `first_within` seconds, at `limit`, or when the call is gone."""
        deadline = after + limit
        while not self.closed.is_set() and time.monotonic() < deadline:
            now = time.monotonic()
            if self._last_audio > after and now - self._last_audio > GAP and not self._speaking:
                return
            if self._last_audio <= after and not self._speaking and now - after > first_within:
                return
            await asyncio.sleep(0.05)

    async def converse(self, speech: bytes, wait: float, stay: bool) -> None:
        """Lets the greeting finish, says `speech`, waits for the reply (or, with `stay`, for
        the call to end)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.started.wait(), wait)
        await self.quiet(time.monotonic(), GREETING_WAIT, wait)
        await self.say(speech)
        await self.quiet(time.monotonic(), wait, wait)
        if stay:
            await self.closed.wait()

    async def ended(self) -> None:
        await self.closed.wait()

    async def hang_up(self) -> None:
        """Asks the server to end the call, then lets it say how it ended and close."""
        if not self.closed.is_set():
            with contextlib.suppress(ConnectionClosed):
                await self.ws.send(json.dumps({"type": "end-call"}))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.closed.wait(), HANG_UP_WAIT)
        await self.ws.close()

    def failure(self) -> str | None:
        """Why the call did not end normally, or None when it did."""
        if self.ended_reason is None:
            code, reason = self.ws.close_code, self.ws.close_reason
            return f"the call's socket closed ({code}{f': {reason}' if reason else ''})"
        if self.ended_reason not in NORMAL_ENDS:
            return f"the call ended with {self.ended_reason}"
        return None
