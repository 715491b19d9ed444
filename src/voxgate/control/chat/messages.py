"""A chat's messages in the two forms they take: as stored and returned, and as sent to the LLM.

Vapi's chat docs show OpenAI's `{role, content}`, but its published schema types `Chat.messages`
with the call transcript's `SystemMessage` and `UserMessage`, which require `message`, `time`
and `secondsFromStart` (and `endTime`). A stored system or user message carries both, so it
reads as OpenAI's form and validates against the schema: `content` and `message` are the same
text, `time` and `endTime` are when the chat was made (epoch milliseconds), and a chat has no
audio to be seconds into. The LLM gets OpenAI's form only.
"""

from typing import Any

Message = dict[str, Any]
# What OpenAI's chat-completions messages carry besides `role` and `content`.
_LLM_KEYS = ("name", "tool_calls", "tool_call_id")


def text_of(message: Message) -> str | None:
    """`content`, or the SDK's `message` when `content` is absent."""
    text = message.get("content")
    return message.get("message") if text is None else text


def stored(message: Message, time_ms: int) -> Message:
    form = {key: value for key, value in message.items() if value is not None}
    text = text_of(message)
    if text is not None:
        form["content"] = text
    if form["role"] in ("system", "user"):
        form.setdefault("message", text or "")
        form.setdefault("time", time_ms)
        form.setdefault("secondsFromStart", 0)
        if form["role"] == "user":
            form.setdefault("endTime", time_ms)
    return form


def for_llm(message: Message) -> Message:
    form: Message = {"role": message["role"], "content": text_of(message) or ""}
    form.update({key: message[key] for key in _LLM_KEYS if key in message})
    return form


def as_messages(input: str | list[Message]) -> list[Message]:
    """`input` as messages: a string is one user message."""
    return [{"role": "user", "content": input}] if isinstance(input, str) else list(input)
