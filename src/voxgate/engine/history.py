"""What conversation the next assistant inherits on a handoff: a destination's
`contextEngineeringPlan` (VAPI-BEHAVIOUR §8) applied to the LLM context's messages.

The messages are the LLM context's, in OpenAI's shape (`role`, `content`, `tool_calls`,
`tool_call_id`). The system prompt is not among them (it is the LLM service's system
instruction, and each assistant brings its own), so "all" carries everything *said*.

- `all` (the default, also for an unknown plan): every message;
- `none`: nothing;
- `lastNMessages` (`maxMessages`): the last N, without a leading tool result whose call was cut
  off (a model refuses a `tool` message that answers no call);
- `userAndAssistantMessages`: user and assistant text only: no system messages, tool calls or
  tool results (an assistant message that carried text and a call keeps its text);
- `previousAssistantMessages`: only what came before the current assistant took the call
  (`started_at`: the number of messages the context held then).
"""

from collections.abc import Sequence
from typing import Any

Message = Any  # an LLM context message: a dict in OpenAI's shape, or a provider-specific one


def _role(message: Message) -> str | None:
    return message.get("role") if isinstance(message, dict) else None


def _without_orphan_results(messages: list[Message]) -> list[Message]:
    start = 0
    while start < len(messages) and _role(messages[start]) == "tool":
        start += 1
    return messages[start:]


def _spoken(message: Message) -> Message | None:
    """A user or assistant message as text alone, or None when it carries no text."""
    role = _role(message)
    if role not in ("user", "assistant"):
        return None
    content = message.get("content")
    if role == "assistant" and message.get("tool_calls"):
        if not (isinstance(content, str) and content.strip()):
            return None
        return {"role": "assistant", "content": content}
    return message


def carry_history(
    messages: Sequence[Message], plan: dict[str, Any] | None, started_at: int = 0
) -> list[Message]:
    """The messages the next assistant starts with, per `plan` (see the module docstring)."""
    kind = (plan or {}).get("type", "all")
    if kind == "none":
        return []
    if kind == "lastNMessages":
        count = (plan or {}).get("maxMessages")
        if not isinstance(count, int | float) or isinstance(count, bool) or count <= 0:
            return []
        return _without_orphan_results(list(messages)[-int(count) :])
    if kind == "userAndAssistantMessages":
        return [kept for m in messages if (kept := _spoken(m)) is not None]
    if kind == "previousAssistantMessages":
        return list(messages)[: max(0, min(started_at, len(messages)))]
    return list(messages)
