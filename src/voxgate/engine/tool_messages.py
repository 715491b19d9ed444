"""A tool's `messages` (VAPI-BEHAVIOUR §7.3): which one applies to a call, and its text.

A message applies when its `conditions` all hold on the call's arguments; its text is `content`,
or the `contents[]` variant in the assistant's language (the first variant otherwise). What is
spoken is that text with the call's Liquid variables filled in (§2.3, `rendered_text`), when it
is spoken: values an apiRequest tool extracted earlier in the call are there too.
"""

import random
from typing import Any

from voxgate.engine.variables import render_text

# §7.2.2: spoken when a sync tool has no `request-start` of its own.
DEFAULT_FILLERS = (
    "Hold on a sec.",
    "One moment.",
    "Just a sec.",
    "Give me a moment.",
    "This'll just take a sec.",
)


def default_filler() -> str:
    return random.choice(DEFAULT_FILLERS)


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _holds(condition: Any, arguments: dict[str, Any]) -> bool:
    if not isinstance(condition, dict) or condition.get("param") not in arguments:
        return False
    actual, expected = arguments[condition["param"]], condition.get("value")
    operator = condition.get("operator")
    if operator in ("eq", "neq"):
        same = str(actual).lower() == str(expected).lower() or (
            _number(actual) is not None and _number(actual) == _number(expected)
        )
        return same if operator == "eq" else not same
    left, right = _number(actual), _number(expected)
    if left is None or right is None:
        return False
    return {"gt": left > right, "gte": left >= right, "lt": left < right, "lte": left <= right}.get(
        str(operator), False
    )


def find(tool: dict[str, Any], kind: str, arguments: dict[str, Any]) -> list[dict[str, Any]]:
    """The tool's messages of this `type` whose conditions hold, in order."""
    messages = tool.get("messages")
    if not isinstance(messages, list):
        return []
    return [
        m
        for m in messages
        if isinstance(m, dict)
        and m.get("type") == kind
        and all(_holds(c, arguments) for c in m.get("conditions") or [])
    ]


def configures(tool: dict[str, Any], kind: str) -> bool:
    """Whether the tool has a message of this type at all (conditions aside): one with
    conditions that do not hold still replaces the default filler."""
    messages = tool.get("messages")
    return isinstance(messages, list) and any(
        isinstance(m, dict) and m.get("type") == kind for m in messages
    )


def language(assistant: dict[str, Any]) -> str | None:
    for part in ("transcriber", "voice"):
        config = assistant.get(part)
        if isinstance(config, dict) and isinstance(config.get("language"), str):
            return str(config["language"]).split("-")[0].lower()
    return None


def text_of(message: dict[str, Any], lang: str | None) -> str:
    """What to say for this message ("" says nothing)."""
    variants = [v for v in message.get("contents") or [] if isinstance(v, dict) and v.get("text")]
    chosen = next((v for v in variants if v.get("language") == lang), None)
    if chosen is not None:
        return str(chosen["text"])
    content = message.get("content")
    if isinstance(content, str):
        return content
    return str(variants[0]["text"]) if variants else ""


def rendered_text(message: dict[str, Any], lang: str | None, values: dict[str, Any]) -> str:
    """What to say for this message, its variables filled in (a broken template as written)."""
    return render_text(text_of(message, lang), values)
