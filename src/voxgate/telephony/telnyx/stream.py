"""A Telnyx call's media stream: the websocket Telnyx opens once a call is answered (the dial's
or the answer's `stream_url`), carrying 8 kHz PCMU both ways as JSON events (`connected`,
`start`, `media`, `dtmf`, `stop`; voxgate sends `media` and `clear`).

`TelnyxLeg` is the engine's `ClientSocket` over that stream (pipecat's `TelnyxFrameSerializer`
turns events into 8 kHz PCM and the caller's keys, and PCM back; a barge-in sends `clear`,
dropping what Telnyx buffered) and its `PhoneLine` (a transfer is Telnyx's `transfer` command,
sent once the caller has heard what was sent: audio goes out ahead of real time, so the leg
counts how much is still playing).
When the call ends on voxgate's side the leg hangs it up through call control; when Telnyx
stopped the stream (the caller hung up, or a transfer took the call) there is nothing to hang up.
"""

import asyncio
import contextlib
import time
from functools import partial
from typing import Any

from fastapi import WebSocket
from pipecat.frames.frames import InterruptionFrame, OutputAudioRawFrame
from pipecat.serializers.telnyx import TelnyxFrameSerializer
from starlette.websockets import WebSocketDisconnect, WebSocketState

from voxgate.control.call.carriers import CarrierError
from voxgate.engine.ports import Keypress, TransferFailed
from voxgate.telephony.events import caller_input, end_leg, stream_event
from voxgate.telephony.telnyx.client import TelnyxRest

RATE = 8000
CODEC = "PCMU"
AUDIO_FORMAT: dict[str, Any] = {"format": "pcm_s16le", "container": "raw", "sampleRate": RATE}
START_TIMEOUT_SECONDS = 10.0
PLAYED_LIMIT_SECONDS = 15.0  # the longest a transfer waits for the caller to hear its words


class _Serializer(TelnyxFrameSerializer):
    """pipecat's serializer outside a pipeline: `setup()` would read the PCM rate from the
    pipeline's StartFrame; the leg knows it. voxgate hangs up itself (the leg knows whether a
    transfer took the call, the serializer does not)."""

    def __init__(self, stream_id: str) -> None:
        params = TelnyxFrameSerializer.InputParams(sample_rate=RATE, auto_hang_up=False)
        super().__init__(stream_id, CODEC, CODEC, params=params)
        self._sample_rate = RATE


async def wait_for_start(websocket: WebSocket) -> dict[str, Any] | None:
    """The stream's `start` event (after `connected`), or None if it never comes."""

    async def read() -> dict[str, Any]:
        while True:
            event = stream_event(await websocket.receive_text())
            if event.get("event") == "start" and isinstance(event.get("start"), dict):
                return event

    try:
        return await asyncio.wait_for(read(), START_TIMEOUT_SECONDS)
    except (TimeoutError, WebSocketDisconnect, RuntimeError, KeyError):
        return None


def transfer_body(destination: dict[str, Any]) -> dict[str, Any]:
    """A `number` or `sip` transfer destination as Telnyx's `transfer` command (a blind
    transfer): `callerId` when set (else the call's own), `transferPlan.timeout` as the ring
    time, a SIP destination's `sipHeaders` as the INVITE's `custom_headers`."""
    sip = destination.get("type") == "sip"
    body: dict[str, Any] = {"to": destination["sipUri"] if sip else destination["number"]}
    headers = destination.get("sipHeaders")
    if sip and isinstance(headers, dict) and headers:
        body["custom_headers"] = [{"name": k, "value": str(v)} for k, v in headers.items()]
    if destination.get("callerId"):
        body["from"] = destination["callerId"]
    plan = destination.get("transferPlan")
    if isinstance(plan, dict) and isinstance(plan.get("timeout"), int | float):
        body["timeout_secs"] = int(plan["timeout"])
    return body


class TelnyxLeg:
    """One Telnyx call: its media stream as the engine's socket, its call control as the
    engine's phone line."""

    whispers = False  # transfers are blind (engine/ports.py)

    def __init__(
        self, websocket: WebSocket, rest: TelnyxRest, call_control_id: str, stream_id: str
    ):
        self._ws, self._rest, self.call_control_id = websocket, rest, call_control_id
        self._serializer = _Serializer(stream_id)
        self.stopped = False  # Telnyx ended the stream: the caller hung up, or a transfer
        self.transferred = False
        self._playing_until = 0.0  # when the audio sent so far has played (monotonic)

    async def receive(self) -> bytes | str | Keypress | None:
        while not self.stopped:
            try:
                text = await self._ws.receive_text()
            except (WebSocketDisconnect, RuntimeError, KeyError):
                break
            if stream_event(text).get("event") == "stop":
                break
            if (heard := await caller_input(self._serializer, text)) is not None:
                return heard  # `media` or `dtmf`
        self.stopped = True
        return None

    async def send_bytes(self, data: bytes) -> None:
        now = time.monotonic()
        self._playing_until = max(now, self._playing_until) + len(data) / (2 * RATE)
        await self._send(await self._serializer.serialize(OutputAudioRawFrame(data, RATE, 1)))

    async def send_text(self, text: str) -> None:
        return None  # a phone has no client messages (the server and monitors get them)

    async def clear(self) -> None:
        self._playing_until = 0.0
        await self._send(await self._serializer.serialize(InterruptionFrame()))

    async def close(self, code: int = 1000) -> None:
        ours = not self.stopped and not self.transferred
        hang_up = partial(self._rest.hang_up, self.call_control_id) if ours else None
        await end_leg(self._ws, hang_up, code)

    async def played(self) -> None:
        """Returns once the audio sent so far has played, within PLAYED_LIMIT_SECONDS."""
        left = self._playing_until - time.monotonic()
        if not self.stopped and left > 0:
            await asyncio.sleep(min(left, PLAYED_LIMIT_SECONDS))

    async def transfer(self, destination: dict[str, Any]) -> None:
        await self.played()  # the caller hears the transfer's words first
        try:
            await self._rest.command(self.call_control_id, "transfer", transfer_body(destination))
        except CarrierError as error:
            raise TransferFailed(str(error)) from error
        self.transferred = True

    async def _send(self, message: str | bytes | None) -> None:
        if message is None or self._ws.application_state != WebSocketState.CONNECTED:
            return
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):  # gone: `receive` says so
            await self._ws.send_text(message if isinstance(message, str) else message.decode())
