"""Live listening (`monitor.listenUrl`, VAPI-BEHAVIOUR §6.3): the call's audio as it happens.

A second `AudioBufferProcessor` sits next to the recorder, after the transport's output, where
both sides are visible in time: it resamples them to 16 kHz, pads the quiet side with silence to
keep them aligned and hands out 16 kHz stereo PCM s16le (customer left, assistant right) every
`CHUNK_SECONDS`. Each listener gets its own bounded queue; a listener that falls behind loses
chunks, so it can never slow the call down. The tap records nothing until someone listens.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from pipecat.processors.audio.audio_buffer_processor import AudioBufferProcessor

LISTEN_RATE = 16000
CHUNK_SECONDS = 0.1
_QUEUE_CHUNKS = 50  # five seconds of audio waiting for a listener, then chunks are dropped

Listener = asyncio.Queue[bytes | None]  # None: the call has ended


class ListenTap:
    """Fans one call's stereo audio out to any number of listeners."""

    def __init__(self) -> None:
        per_side = int(LISTEN_RATE * CHUNK_SECONDS) * 2  # bytes of one side's 16-bit mono
        self.processor = AudioBufferProcessor(
            sample_rate=LISTEN_RATE, num_channels=2, buffer_size=per_side
        )
        self._listeners: set[Listener] = set()
        self._ended = False

        @self.processor.event_handler("on_audio_data")  # type: ignore[untyped-decorator]
        async def on_audio(_processor: Any, audio: bytes, _rate: int, _channels: int) -> None:
            for queue in self._listeners:
                with contextlib.suppress(asyncio.QueueFull):  # a slow listener loses this chunk
                    queue.put_nowait(audio)

    @contextlib.asynccontextmanager
    async def listen(self) -> AsyncIterator[Listener]:
        """A queue of stereo chunks for one listener, until it leaves or the call ends."""
        queue: Listener = asyncio.Queue(_QUEUE_CHUNKS)
        if self._ended:
            queue.put_nowait(None)
        else:
            self._listeners.add(queue)
            # The first listener starts the tap (a no-op when it runs already).
            await self.processor.start_recording()  # type: ignore[no-untyped-call]
        try:
            yield queue
        finally:
            self._listeners.discard(queue)

    def close(self) -> None:
        """The call has ended: every listener is told, after the audio it has queued."""
        self._ended = True
        for queue in self._listeners:
            if queue.full():
                queue.get_nowait()  # the end must get through even to a listener behind
            queue.put_nowait(None)
        self._listeners.clear()
