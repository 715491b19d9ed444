"""A Vonage call's websocket (an NCCO `connect` to a `websocket` endpoint): opened once the call is
answered, its first message a text `websocket:connected` event, then 16-bit linear PCM at
16 kHz both ways in binary messages of 20 ms (640 bytes), and text events (`websocket:dtmf`,
`websocket:notify`, `websocket:cleared`; voxgate sends `clear` and `notify` actions).

`VonageLeg` is the engine's `ClientSocket` over it (pipecat's `VonageFrameSerializer` turns its
messages into PCM frames and the caller's keys, and PCM back; a barge-in sends `clear`, dropping
what Vonage buffered) and its `PhoneLine` (a transfer moves the live call to a `connect` NCCO
through the Voice API, once Vonage has played what it holds: a `notify` sent after the audio
comes back when it is played).
When the call ends on voxgate's side the leg hangs it up through the Voice API; when Vonage
closed the websocket (the caller hung up, or a transfer took the call) there is nothing to hang
up.
"""

import asyncio
import contextlib
import itertools
import json
from functools import partial
from typing import Any

from fastapi import WebSocket
from pipecat.frames.frames import InterruptionFrame, OutputAudioRawFrame
from pipecat.serializers.vonage import VonageFrameSerializer
from starlette.websockets import WebSocketDisconnect, WebSocketState

from voxgate.control.call.carriers import CarrierError
from voxgate.engine.ports import Keypress, TransferFailed
from voxgate.telephony.events import caller_input, end_leg, stream_event
from voxgate.telephony.vonage.client import VonageRest
from voxgate.telephony.vonage.webhooks import transfer_ncco

RATE = 16000
FRAME_BYTES = 640  # Vonage takes 20 ms a message: 320 samples of 16 bits at 16 kHz
AUDIO_FORMAT: dict[str, Any] = {"format": "pcm_s16le", "container": "raw", "sampleRate": RATE}
CONNECTED_TIMEOUT_SECONDS = 10.0
PLAYED_LIMIT_SECONDS = 15.0  # audio is sent ahead of real time: how long to wait for it to play


class _Serializer(VonageFrameSerializer):
    """pipecat's serializer outside a pipeline: the leg knows the rate `setup()` would read."""

    def __init__(self) -> None:
        super().__init__(VonageFrameSerializer.InputParams(vonage_sample_rate=RATE))
        self._sample_rate = RATE


async def wait_for_connected(websocket: WebSocket) -> dict[str, Any] | None:
    """The `websocket:connected` event (its `content-type` and the NCCO's headers), or None."""

    async def read() -> dict[str, Any] | None:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return None
            event = stream_event(message.get("text") or "")
            if event.get("event") == "websocket:connected":
                return event

    try:
        return await asyncio.wait_for(read(), CONNECTED_TIMEOUT_SECONDS)
    except (TimeoutError, WebSocketDisconnect, RuntimeError):
        return None


class VonageLeg:
    """One Vonage call: its websocket as the engine's socket, its Voice API resource as the
    engine's phone line."""

    whispers = False  # transfers are blind (engine/ports.py)

    def __init__(self, websocket: WebSocket, rest: VonageRest, call_uuid: str | None) -> None:
        self._ws, self._rest, self.call_uuid = websocket, rest, call_uuid
        self._serializer = _Serializer()
        self._pending = b""  # output not yet a whole 20 ms message
        self.stopped = False  # Vonage closed the websocket: the caller hung up, or a transfer
        self.transferred = False
        self._notices: dict[str, asyncio.Event] = {}  # `notify`s sent, waiting to be played
        self._notice_ids = itertools.count(1)
        self._sent_audio = False  # since the last notify

    async def receive(self) -> bytes | str | Keypress | None:
        while not self.stopped:
            try:
                message = await self._ws.receive()
            except (WebSocketDisconnect, RuntimeError):
                break
            if message["type"] == "websocket.disconnect":
                break
            if message.get("text"):
                self._notified(stream_event(message["text"]))
            data = message.get("bytes") or message.get("text")
            if data and (heard := await caller_input(self._serializer, data)) is not None:
                return heard  # the caller's audio, or `websocket:dtmf`
        self.stopped = True
        for played in self._notices.values():  # nothing more will be played
            played.set()
        return None

    async def send_bytes(self, data: bytes) -> None:
        audio = await self._serializer.serialize(OutputAudioRawFrame(data, RATE, 1))
        if not isinstance(audio, bytes):
            return
        self._sent_audio = True
        self._pending += audio
        whole = len(self._pending) - len(self._pending) % FRAME_BYTES
        chunks, self._pending = self._pending[:whole], self._pending[whole:]
        for start in range(0, whole, FRAME_BYTES):
            await self._send(chunks[start : start + FRAME_BYTES])

    async def send_text(self, text: str) -> None:
        return None  # a phone has no client messages (the server and monitors get them)

    async def clear(self) -> None:
        self._pending = b""
        await self._send(await self._serializer.serialize(InterruptionFrame()))
        for played in self._notices.values():  # what they waited for will not play
            played.set()
        self._notices.clear()

    async def close(self, code: int = 1000) -> None:
        ours = not self.stopped and not self.transferred
        uuid = self.call_uuid
        await end_leg(self._ws, partial(self._rest.hang_up, uuid) if ours and uuid else None, code)

    def _notified(self, event: dict[str, Any]) -> None:
        payload = event.get("payload")
        if event.get("event") == "websocket:notify" and isinstance(payload, dict):
            played = self._notices.pop(str(payload.get("name")), None)
            if played is not None:
                played.set()

    async def played(self) -> None:
        """Returns once Vonage has played the audio sent so far, within PLAYED_LIMIT_SECONDS."""
        if self.stopped or not self._sent_audio:
            return  # nothing plays any more, or nothing was sent (no notify would come back)
        self._sent_audio = False
        name, played = f"played-{next(self._notice_ids)}", asyncio.Event()
        self._notices[name] = played
        await self._send(json.dumps({"action": "notify", "payload": {"name": name}}))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(played.wait(), PLAYED_LIMIT_SECONDS)

    async def transfer(self, destination: dict[str, Any]) -> None:
        if not self.call_uuid:
            raise TransferFailed("The Vonage call's uuid is unknown.")
        await self.played()  # the caller hears the transfer's words before leaving
        body = {
            "action": "transfer",
            "destination": {"type": "ncco", "ncco": transfer_ncco(destination)},
        }
        try:
            await self._rest.modify(self.call_uuid, body)
        except CarrierError as error:
            raise TransferFailed(str(error)) from error
        self.transferred = True

    async def _send(self, message: str | bytes | None) -> None:
        if message is None or self._ws.application_state != WebSocketState.CONNECTED:
            return
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):  # gone: `receive` says so
            if isinstance(message, bytes):
                await self._ws.send_bytes(message)
            else:
                await self._ws.send_text(message)
