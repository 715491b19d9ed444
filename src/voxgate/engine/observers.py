"""`model-output` client messages: the LLM's text as it streams, one message per token, with a
`turnId` shared by every token of one response (as Vapi's `ClientMessageModelOutput`)."""

import uuid
from collections.abc import Collection

from pipecat.frames.frames import LLMFullResponseStartFrame, LLMTextFrame
from pipecat.observers.base_observer import BaseObserver, FramePushed
from pipecat.processors.frame_processor import FrameProcessor

from voxgate.engine.conversation import Conversation


class ModelOutput(BaseObserver):
    """Sends each text token the LLM pushes (any of the call's assistants' LLMs)."""

    def __init__(self, llms: Collection[FrameProcessor], conversation: Conversation) -> None:
        super().__init__(observe_every_push=False)
        self._llms, self._conversation = llms, conversation
        self._turn_id = str(uuid.uuid4())

    async def on_push_frame(self, data: FramePushed) -> None:
        if data.source not in self._llms:
            return
        if isinstance(data.frame, LLMFullResponseStartFrame):
            self._turn_id = str(uuid.uuid4())
        elif isinstance(data.frame, LLMTextFrame) and data.frame.text:
            await self._conversation.send(
                "model-output", output=data.frame.text, turnId=self._turn_id
            )
