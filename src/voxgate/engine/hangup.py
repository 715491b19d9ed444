"""The assistant ending the call itself (VAPI-BEHAVIOUR §2, §7.2):

- the `endCall` tool (its handler `end_call`, run by tool_calls.py like every tool): the LLM
  calls it, `endCallMessage` is spoken if set, `assistant-ended-call`;
- `endCallPhrases`: a reply containing one (case-insensitive) ends the call once it has been
  spoken, `assistant-said-end-call-phrase`;
- `silenceTimeoutSeconds`: the caller says nothing for that long after the assistant finished,
  `silence-timed-out`.
"""

from typing import Any

from voxgate.engine.builder import Built
from voxgate.engine.conversation import Conversation
from voxgate.engine.tool_types import EndAfterSpeaking, Outcome, ToolContext
from voxgate.engine.turns import TurnWatcher

ASSISTANT_ENDED = "assistant-ended-call"
SAID_END_PHRASE = "assistant-said-end-call-phrase"
SILENCE = "silence-timed-out"


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
        turns.on_bot_turn = self._heard_bot
        built.aggregators.user().event_handler("on_user_turn_idle")(self._silent)

    def listen(self, turns: TurnWatcher) -> None:
        """This assistant's `endCallPhrases` from now on (a squad's call switched to it)."""
        turns.on_bot_turn = self._heard_bot

    async def _heard_bot(self, text: str) -> None:
        said = text.lower()
        if any(phrase in said for phrase in self._phrases):
            await self._end(SAID_END_PHRASE, None)

    async def _silent(self, _aggregator: Any) -> None:
        await self._end(SILENCE, None)


def _end_call_message(assistant: dict[str, Any]) -> str | None:
    message = assistant.get("endCallMessage")
    return message if isinstance(message, str) and message.strip() else None


async def end_call(
    tool: dict[str, Any], arguments: dict[str, Any], context: ToolContext
) -> Outcome:
    """The `endCall` tool's handler (tool_calls.py runs it): no new LLM turn, since the call
    is over once `endCallMessage` (if any) has been spoken."""

    async def hang_up() -> None:
        await context.end_after_speaking(ASSISTANT_ENDED, _end_call_message(context.assistant))

    return Outcome(result="The call is ending.", run_llm=False, speaks=False, after=hang_up)
