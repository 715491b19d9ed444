"""A pipecat transport over the engine's `ClientSocket` port (no web framework in sight).

Binary frames in are decoded to 16 kHz PCM and pushed as audio; text frames go to the session's
handler; the client going away is reported once. Audio out is encoded to the client's format and
paced like a sound card, so an interruption can still cut it short. Either side can be muted:
its audio is replaced by silence of the same length.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from pipecat.audio.dtmf.types import KeypadEntry
from pipecat.frames.frames import (
    CancelFrame,
    DataFrame,
    EndFrame,
    Frame,
    InputAudioRawFrame,
    InputDTMFFrame,
    InterruptionFrame,
    OutputAudioRawFrame,
    OutputTransportMessageFrame,
    OutputTransportMessageUrgentFrame,
    StartFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.transports.base_input import BaseInputTransport
from pipecat.transports.base_output import BaseOutputTransport
from pipecat.transports.base_transport import BaseTransport, TransportParams

from voxgate.engine.audio import PIPELINE_IN_RATE, Codec
from voxgate.engine.ports import ClientSocket, Keypress

TextHandler = Callable[[str], Awaitable[None]]
GoneHandler = Callable[[], Awaitable[None]]


@dataclass
class Written(DataFrame):
    """Queued after some audio: `reached` is set once the output has written everything queued
    before it to the socket (the output transport keeps data frames in order with audio). An
    interruption does not drop it, so a wait on it always ends."""

    reached: asyncio.Event = field(default_factory=asyncio.Event)
    interruptible: bool = field(default=False, init=False)


class _Input(BaseInputTransport):
    def __init__(self, owner: "SocketTransport", params: TransportParams) -> None:
        super().__init__(params)
        self._owner = owner
        self._task: asyncio.Task[None] | None = None

    async def start(self, frame: StartFrame) -> None:
        await super().start(frame)
        if self._task is None:
            self._task = self.create_task(self._receive())
        await self.set_transport_ready(frame)

    async def stop(self, frame: EndFrame) -> None:
        await super().stop(frame)
        await self._stop_receiving()

    async def cancel(self, frame: CancelFrame) -> None:
        await super().cancel(frame)
        await self._stop_receiving()

    async def _stop_receiving(self) -> None:
        if self._task is not None:
            await self.cancel_task(self._task)
            self._task = None

    async def _receive(self) -> None:
        owner = self._owner
        while (data := await owner.socket.receive()) is not None:
            if isinstance(data, str):
                await owner.on_text(data)
                continue
            if isinstance(data, Keypress):  # keypadInputPlan turns keys into the caller's words
                await self.push_frame(InputDTMFFrame(KeypadEntry(data.key)))
                continue
            pcm = await owner.codec.decode(data)
            if pcm and owner.customer_muted:
                pcm = bytes(len(pcm))  # silence keeps VAD and the recording's clock going
            if pcm:
                await self.push_audio_frame(InputAudioRawFrame(pcm, PIPELINE_IN_RATE, 1))
        await owner.on_gone()


class _Output(BaseOutputTransport):
    def __init__(self, owner: "SocketTransport", params: TransportParams) -> None:
        super().__init__(params)
        self._owner = owner
        self._interval = 0.0
        self._next_send = 0.0

    async def start(self, frame: StartFrame) -> None:
        await super().start(frame)
        # Half a chunk's duration per chunk: ahead of real time, never far ahead.
        self._interval = (self.audio_chunk_size / self.sample_rate) / 2
        await self.set_transport_ready(frame)

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, InterruptionFrame):
            await self._owner.socket.clear()  # what the client buffered is no longer wanted

    async def write_transport_frame(self, frame: Frame) -> None:
        if isinstance(frame, Written):
            frame.reached.set()

    async def send_message(
        self, frame: OutputTransportMessageFrame | OutputTransportMessageUrgentFrame
    ) -> None:
        return None  # client messages go through the session, not the pipeline

    async def write_audio_frame(self, frame: OutputAudioRawFrame) -> bool:
        pcm = bytes(len(frame.audio)) if self._owner.assistant_muted else frame.audio
        audio = await self._owner.codec.encode(pcm, self.sample_rate)
        try:
            await self._owner.socket.send_bytes(audio)
        except Exception:
            return False  # the client has gone; the input side reports it
        now = time.monotonic()
        wait = max(0.0, self._next_send - now)
        await asyncio.sleep(wait)
        self._next_send = (now if wait == 0 else self._next_send) + self._interval
        return True


class SocketTransport(BaseTransport):
    """Audio and messages of one call over the client's socket."""

    def __init__(
        self, socket: ClientSocket, codec: Codec, on_text: TextHandler, on_gone: GoneHandler
    ) -> None:
        super().__init__()
        self.socket, self.codec, self.on_text, self.on_gone = socket, codec, on_text, on_gone
        # `control` mute-assistant / mute-customer: silence instead of that side's audio.
        self.assistant_muted = False
        self.customer_muted = False
        params = TransportParams(audio_in_enabled=True, audio_out_enabled=True)
        self._input = _Input(self, params)
        self._output = _Output(self, params)

    def input(self) -> FrameProcessor:
        return self._input

    def output(self) -> FrameProcessor:
        return self._output
