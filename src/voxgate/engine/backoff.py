"""`stopSpeakingPlan.backoffSeconds`: after the caller interrupts the assistant, the assistant waits
that long (from the interruption) before it speaks again.

Sits just before the output transport. An interruption that cuts the assistant off (it is speaking
interruptible audio: an uninterruptible first message goes on) sets the moment it may resume; any
later frame on its way to the caller waits until then. Waiting happens on pipecat's non-system
frame task, which a further interruption cancels.
"""

import asyncio
import time

from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    Frame,
    InterruptionFrame,
    OutputAudioRawFrame,
    SystemFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor


class Backoff(FrameProcessor):
    """Holds the assistant's next words back for `seconds` after it was interrupted."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self._seconds = seconds
        self._bot_speaking = False
        self._interruptible = True  # whether the audio now playing can be cut off
        self._resume_at = 0.0

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, BotStartedSpeakingFrame):
            self._bot_speaking = True
        elif isinstance(frame, BotStoppedSpeakingFrame):
            self._bot_speaking = False
        elif isinstance(frame, InterruptionFrame):
            if self._bot_speaking and self._interruptible:
                self._resume_at = time.monotonic() + self._seconds
        elif direction == FrameDirection.DOWNSTREAM and not isinstance(frame, SystemFrame):
            if isinstance(frame, OutputAudioRawFrame):
                self._interruptible = frame.interruptible
            wait = self._resume_at - time.monotonic()
            if wait > 0 and frame.interruptible:
                await asyncio.sleep(wait)
        await self.push_frame(frame, direction)
