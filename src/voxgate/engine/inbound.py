"""Text frames from the client (VAPI-BEHAVIOUR §6.2): what each asks of the call.

Served today: `say` (spoken verbatim, after what is already queued; with `endCallAfterSpoken` the
call then ends), `add-message` (appended to
the LLM's context, answered unless `triggerResponseEnabled` is false), `end-call` and `hangup`,
and `control` (`mute-assistant`, `unmute-assistant`, `mute-customer`, `unmute-customer`,
`say-first-message`), which the session carries out.
Anything else, or anything malformed, is ignored, as a live call must not fall over on it.
"""

import json
from dataclasses import dataclass
from typing import Any

from pipecat.frames.frames import Frame, LLMMessagesAppendFrame, TTSSpeakFrame

HANG_UP = "hang-up"
CONTROLS = frozenset(
    {"mute-assistant", "unmute-assistant", "mute-customer", "unmute-customer", "say-first-message"}
)
_ROLES = ("assistant", "function", "system", "tool", "user")


@dataclass
class SayThenHangUp:
    """`say` with `endCallAfterSpoken`: the call ends once `text` has been spoken."""

    text: str


def _say(message: dict[str, Any]) -> list[Frame] | SayThenHangUp:
    # The spec names it `content`; the web SDK sends `message`.
    text = message.get("content", message.get("message"))
    if not isinstance(text, str) or not text.strip():
        return []
    if message.get("endCallAfterSpoken") is True:
        return SayThenHangUp(text)
    return [TTSSpeakFrame(text)]


def _add_message(message: dict[str, Any]) -> list[Frame]:
    added = message.get("message")
    if not isinstance(added, dict) or added.get("role") not in _ROLES:
        return []
    if not isinstance(added.get("content"), str):
        return []
    run = message.get("triggerResponseEnabled", True) is not False
    entry: Any = {"role": added["role"], "content": added["content"]}
    return [LLMMessagesAppendFrame(messages=[entry], run_llm=run)]


def interpret(text: str) -> list[Frame] | str | SayThenHangUp:
    """The frames to queue for a client's message, HANG_UP, one of CONTROLS or SayThenHangUp."""
    try:
        message = json.loads(text)
    except ValueError:
        return []
    if not isinstance(message, dict):
        return []
    kind = message.get("type")
    if kind in ("end-call", "hangup"):
        return HANG_UP
    if kind == "say":
        return _say(message)
    if kind == "add-message":
        return _add_message(message)
    control = message.get("control")
    if kind == "control" and isinstance(control, str) and control in CONTROLS:
        return control
    return []
