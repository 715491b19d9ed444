"""The assistant ending the call itself (VAPI-BEHAVIOUR §2, §7.2):

- the `endCall` tool: the LLM calls it, `endCallMessage` is spoken if set, `assistant-ended-call`;
- `endCallPhrases`: a reply containing one (case-insensitive) ends the call once it has been
  spoken, `assistant-said-end-call-phrase`;
- `silenceTimeoutSeconds`: the caller says nothing for that long after the assistant finished,
  `silence-timed-out`.
"""

import json
from collections.abc import Awaitable, Callable
from typing import Any

from pipecat.frames.frames import FunctionCallResultProperties
from pipecat.services.llm_service import FunctionCallParams, LLMService

from voxgate.engine.builder import Built
from voxgate.engine.conversation import Conversation
from voxgate.engine.tools import END_CALL, offers_end_call
from voxgate.engine.turns import TurnWatcher

ASSISTANT_ENDED = "assistant-ended-call"
SAID_END_PHRASE = "assistant-said-end-call-phrase"
SILENCE = "silence-timed-out"

# Ends the call with a reason after speaking a text (or None) and what is already queued.
EndAfterSpeaking = Callable[[str, str | None], Awaitable[None]]


class AssistantHangUp:
    """Wires the assistant's own ways of hanging up into a built pipeline."""

    def __init__(
        self,
        assistant: dict[str, Any],
        conversation: Conversation,
        end_after_speaking: EndAfterSpeaking,
    ) -> None:
        self._assistant, self._conversation = assistant, conversation
        self._end = end_after_speaking
        phrases = assistant.get("endCallPhrases")
        phrases = phrases if isinstance(phrases, list) else []
        self._phrases = [p.strip().lower() for p in phrases if isinstance(p, str) and p.strip()]

    def attach(self, built: Built, turns: TurnWatcher) -> None:
        if offers_end_call(self._assistant):
            built.llm.register_function(END_CALL, self._end_call)
        turns.on_bot_turn = self._heard_bot
        built.aggregators.user().event_handler("on_user_turn_idle")(self._silent)

    def _end_call_message(self) -> str | None:
        message = self._assistant.get("endCallMessage")
        return message if isinstance(message, str) and message.strip() else None

    async def _end_call(self, params: FunctionCallParams) -> None:
        result = "The call is ending."
        arguments = json.dumps(dict(params.arguments))
        self._conversation.tool_call(params.tool_call_id, END_CALL, arguments, result)
        # No new LLM turn: the call is over once the goodbye has been spoken.
        await params.result_callback(
            {"result": result}, properties=FunctionCallResultProperties(run_llm=False)
        )
        await self._end(ASSISTANT_ENDED, self._end_call_message())

    async def _heard_bot(self, text: str) -> None:
        said = text.lower()
        if any(phrase in said for phrase in self._phrases):
            await self._end(SAID_END_PHRASE, None)

    async def _silent(self, _aggregator: Any) -> None:
        await self._end(SILENCE, None)

    def register(self, llm: LLMService[Any]) -> None:
        """This assistant's `endCall` on its own LLM service: each assistant a squad's call may
        switch to has one, so the `endCallMessage` spoken is the active assistant's."""
        if offers_end_call(self._assistant):
            llm.register_function(END_CALL, self._end_call)

    def listen(self, turns: TurnWatcher) -> None:
        """This assistant's `endCallPhrases` from now on (it has the call)."""
        turns.on_bot_turn = self._heard_bot
