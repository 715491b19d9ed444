"""Read off the pipeline: the live client messages `speech-update` and `user-interrupted`, and
the provider errors that end a call.

pipecat broadcasts speaking and interruption frames both ways, so each event is sent on a change
of state, not per frame.
"""

from collections.abc import Awaitable, Callable

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
from pipecat.processors.frame_processor import FrameProcessor

from voxgate.engine.conversation import Conversation

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


class LLMFailure(BaseObserver):
    """Ends the call with Vapi's `pipeline-error-<provider>-llm-failed` when the LLM errs (after
    its client's own retries): a caller left waiting for an answer that never comes is worse."""

    def __init__(
        self, llm: FrameProcessor, provider: str, end: Callable[[str], Awaitable[None]]
    ) -> None:
        super().__init__(observe_every_push=False)
        self._llm, self._reason, self._end = llm, f"pipeline-error-{provider}-llm-failed", end

    async def on_push_frame(self, data: FramePushed) -> None:
        if isinstance(data.frame, ErrorFrame) and data.frame.processor is self._llm:
            await self._end(self._reason)
