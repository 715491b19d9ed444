"""Live client messages read off the pipeline: `speech-update` and `user-interrupted`.

pipecat broadcasts speaking and interruption frames both ways, so each event is sent on a change
of state, not per frame.
"""

from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    Frame,
    InterruptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from pipecat.observers.base_observer import BaseObserver, FramePushed

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
