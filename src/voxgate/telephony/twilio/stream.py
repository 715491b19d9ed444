"""A Twilio call's media stream (`<Connect><Stream>`): the websocket Twilio opens once a call is
answered, carrying 8 kHz μ-law both ways as JSON events (`connected`, `start`, `media`, `dtmf`,
`mark`, `stop`; voxgate sends `media`, `mark` and `clear`).

`TwilioLeg` is the engine's `ClientSocket` over that stream (pipecat's `TwilioFrameSerializer`
turns events into 8 kHz PCM and back; a barge-in sends `clear`, dropping what Twilio buffered)
and its `PhoneLine` (a transfer redirects the live call to a `<Dial>` once Twilio has played
what it holds: a `mark` sent after the audio comes back once the audio before it has played).
When the call ends on voxgate's side the leg hangs the call up through Twilio's REST API; when
Twilio stopped the stream (the caller hung up, or a transfer took the call) there is nothing
to hang up.
"""

import asyncio
import contextlib
import itertools
import json
from functools import partial
from typing import Any

from fastapi import WebSocket
from pipecat.frames.frames import InterruptionFrame, OutputAudioRawFrame
from pipecat.serializers.twilio import TwilioFrameSerializer
from starlette.websockets import WebSocketDisconnect, WebSocketState

from voxgate.control.call.carriers import CarrierError
from voxgate.engine.ports import Keypress, TransferFailed
from voxgate.telephony.events import caller_input, end_leg, stream_event
from voxgate.telephony.twilio.client import TwilioRest
from voxgate.telephony.twilio.twiml import transfer_twiml, whisper_twiml

RATE = 8000
# What the leg hands the engine: PCM at Twilio's rate (the serializer has decoded the μ-law).
AUDIO_FORMAT: dict[str, Any] = {"format": "pcm_s16le", "container": "raw", "sampleRate": RATE}
START_TIMEOUT_SECONDS = 10.0
# Audio is sent ahead of real time: this bounds the wait for Twilio to play what it holds.
PLAYED_LIMIT_SECONDS = 15.0


class _Serializer(TwilioFrameSerializer):
    """pipecat's serializer outside a pipeline: `setup()` would read the PCM rate from the
    pipeline's StartFrame; the leg knows it already. voxgate hangs up itself (the leg knows
    whether a transfer took the call, the serializer does not)."""

    def __init__(self, stream_sid: str) -> None:
        params = TwilioFrameSerializer.InputParams(sample_rate=RATE, auto_hang_up=False)
        super().__init__(stream_sid, params=params)
        self._sample_rate = RATE


async def wait_for_start(websocket: WebSocket) -> dict[str, Any] | None:
    """The stream's `start` event (after `connected`), or None if it never comes."""

    async def read() -> dict[str, Any] | None:
        while True:
            event = json.loads(await websocket.receive_text())
            if event.get("event") == "start" and isinstance(event.get("start"), dict):
                found: dict[str, Any] = event["start"]
                return found

    try:
        return await asyncio.wait_for(read(), START_TIMEOUT_SECONDS)
    except (TimeoutError, WebSocketDisconnect, RuntimeError, ValueError, KeyError):
        return None


class TwilioLeg:
    """One Twilio call: its media stream as the engine's socket, its REST resource as the
    engine's phone line. `whisper`: the call's whisper URL, for a warm transfer (twiml.py)."""

    whispers = True  # twiml.py's whisper

    def __init__(
        self,
        websocket: WebSocket,
        rest: TwilioRest,
        call_sid: str,
        stream_sid: str,
        whisper: str | None = None,
    ):
        self._ws, self._rest, self.call_sid = websocket, rest, call_sid
        self._whisper = whisper
        self.stream_sid = stream_sid
        self._serializer = _Serializer(stream_sid)
        self.stopped = False  # Twilio ended the stream: the caller hung up, or a transfer
        self.transferred = False
        self._marks: dict[str, asyncio.Event] = {}  # sent, waiting for Twilio to play them
        self._mark_ids = itertools.count(1)
        self._sent_audio = False  # since the last mark: nothing sent, nothing to wait for

    async def receive(self) -> bytes | str | Keypress | None:
        while not self.stopped:
            try:
                text = await self._ws.receive_text()
            except (WebSocketDisconnect, RuntimeError, KeyError):
                break
            event = stream_event(text)
            if event.get("event") == "stop":
                break
            if event.get("event") == "mark":
                self._played(event)
            elif (heard := await caller_input(self._serializer, text)) is not None:
                return heard  # `media` or `dtmf`
        self.stopped = True
        for played in self._marks.values():  # nothing more will be played
            played.set()
        return None

    async def send_bytes(self, data: bytes) -> None:
        self._sent_audio = True
        await self._send(await self._serializer.serialize(OutputAudioRawFrame(data, RATE, 1)))

    async def send_text(self, text: str) -> None:
        return None  # a phone has no client messages (the server and monitors get them)

    async def clear(self) -> None:
        await self._send(await self._serializer.serialize(InterruptionFrame()))

    async def close(self, code: int = 1000) -> None:
        ours = not self.stopped and not self.transferred
        await end_leg(self._ws, partial(self._rest.hang_up, self.call_sid) if ours else None, code)

    def _played(self, event: dict[str, Any]) -> None:
        mark = event.get("mark")
        if event.get("event") == "mark" and isinstance(mark, dict):
            played = self._marks.pop(str(mark.get("name")), None)
            if played is not None:
                played.set()

    async def played(self) -> None:
        """Returns once Twilio has played the audio sent so far (or dropped it: a `clear`
        returns pending marks too), within PLAYED_LIMIT_SECONDS."""
        if self.stopped or not self._sent_audio:
            # Nothing is playing any more, or nothing was sent (a fallback before the call ran:
            # nobody reads the stream yet, so no mark would come back).
            return
        self._sent_audio = False
        name, played = f"played-{next(self._mark_ids)}", asyncio.Event()
        self._marks[name] = played
        mark = {"event": "mark", "streamSid": self.stream_sid, "mark": {"name": name}}
        await self._send(json.dumps(mark))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(played.wait(), PLAYED_LIMIT_SECONDS)

    async def transfer(self, destination: dict[str, Any]) -> None:
        try:  # the whisper is served from the stored destination (whisper.py): checked here
            warm = self._whisper if whisper_twiml(destination) is not None else None
        except ValueError as error:
            raise TransferFailed(str(error)) from error
        await self.played()  # the caller hears the transfer's words before the new TwiML
        try:
            await self._rest.redirect(self.call_sid, transfer_twiml(destination, warm))
        except CarrierError as error:
            raise TransferFailed(str(error)) from error
        self.transferred = True

    async def _send(self, message: str | bytes | None) -> None:
        if message is None or self._ws.application_state != WebSocketState.CONNECTED:
            return
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):  # gone: `receive` says so
            await self._ws.send_text(message if isinstance(message, str) else message.decode())
