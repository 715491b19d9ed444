"""Read off the pipeline: the live client messages `speech-update` and `user-interrupted`, and
the provider errors that end a call.

pipecat broadcasts speaking and interruption frames both ways, so each event is sent on a change
of state, not per frame.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    ErrorFrame,
    Frame,
    InterruptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from pipecat.observers.base_observer import BaseObserver, FramePushed
from pipecat.pipeline.service_switcher import ServiceSwitcher
from pipecat.processors.frame_processor import FrameProcessor
from pipecat.services.llm_service import LLMService
from pipecat.services.stt_service import STTService
from pipecat.services.tts_service import TTSService
from pipecat.utils.errors import ErrorCategory

from voxgate import telemetry
from voxgate.engine.conversation import Conversation
from voxgate.engine.providers.reasons import Room, failure_reason

_SPEECH: dict[type[Frame], tuple[str, bool]] = {
    BotStartedSpeakingFrame: ("assistant", True),
    BotStoppedSpeakingFrame: ("assistant", False),
    UserStartedSpeakingFrame: ("user", True),
    UserStoppedSpeakingFrame: ("user", False),
}


class ClientEvents(BaseObserver):
    """Sends who starts and stops speaking, and when the caller cuts the assistant off."""

    def __init__(self, conversation: Conversation) -> None:
        super().__init__(observe_every_push=False)
        self._conversation = conversation
        self._speaking = {"assistant": False, "user": False}
        self._turn = 0  # counts the assistant's turns, as Vapi's `turn` does
        self._protected = False

    def protect_next_speech(self) -> None:
        """The assistant's next utterance cannot be interrupted (an interruption frame during it
        drops nothing, so it is no `user-interrupted`)."""
        self._protected = True

    async def on_push_frame(self, data: FramePushed) -> None:
        frame = data.frame
        if isinstance(frame, InterruptionFrame):
            if self._speaking["assistant"] and not self._protected:
                self._speaking["assistant"] = False
                await self._conversation.send("user-interrupted")
            return
        change = _SPEECH.get(type(frame))
        if change is None or self._speaking[change[0]] == change[1]:
            return
        role, started = change
        self._speaking[role] = started
        await self._conversation.send(
            "speech-update", role=role, status="started" if started else "stopped", turn=self._turn
        )
        if role == "assistant" and not started:
            self._turn += 1
            self._protected = False


class ProviderFailure(BaseObserver):
    """Ends the call with Vapi's reason when its LLM, transcriber or voice errs (after the
    service's own retries and reconnects): a caller left with no answer, no ears or no voice is
    worse off than one told the call failed. An error pipecat blames on the application (a tool
    handler, say) is no provider failure."""

    def __init__(self, assistant: dict[str, Any], end: Callable[[str], Awaitable[None]]) -> None:
        super().__init__(observe_every_push=False)
        self.use(assistant)
        self._end = end

    def use(self, assistant: dict[str, Any]) -> None:
        """The assistant whose providers fail from now on (a squad's active member)."""
        self._providers = {
            room: str((assistant.get(room) or {}).get("provider"))
            for room in ("model", "transcriber", "voice")
        }

    async def on_push_frame(self, data: FramePushed) -> None:
        frame = data.frame
        if not isinstance(frame, ErrorFrame) or frame.category is ErrorCategory.APPLICATION:
            return
        room = _room(frame.processor)
        if room is not None:
            telemetry.observer().provider_error(self._providers[room], room)
            await self._end(failure_reason(room, self._providers[room]))


def _room(processor: FrameProcessor | None) -> Room | None:
    if isinstance(processor, ServiceSwitcher):  # reports for its services once all have failed
        return _room(processor.services[0])
    if isinstance(processor, LLMService):
        return "model"
    if isinstance(processor, STTService):
        return "transcriber"
    if isinstance(processor, TTSService):
        return "voice"
    return None
