"""Live-control messages (VAPI-BEHAVIOUR §6.2): what each asks of the call.

They come from the client's socket as text frames and from `POST {monitor.controlUrl}`; both go
through `interpret_message`, and the session carries out the answer (`CallSession.handle`).

Served today: `say` (spoken verbatim, after what is already queued; with `endCallAfterSpoken` the
call then ends), `add-message` (appended to the LLM's context, answered unless
`triggerResponseEnabled` is false), `end-call` and `hangup`, `control` (`mute-assistant`,
`unmute-assistant`, `mute-customer`, `unmute-customer`, `say-first-message`), `handoff`
(`destination`: an assistant of the call; `content` said first) and `transfer` (`destination`:
a phone number or SIP address, on a phone call; `content`, else the destination's `message`,
said first: phone_call.py). Anything else, or anything
malformed, is `Refused` with the reason: the control endpoint answers it with a 400, the socket
ignores it, as a live call must not fall over on it.
"""

import json
from dataclasses import dataclass
from typing import Any

from pipecat.frames.frames import Frame, LLMMessagesAppendFrame, TTSSpeakFrame

from voxgate.engine.transfers.destinations import destination_name, message_text

HANG_UP = "hang-up"
CONTROLS = frozenset(
    {"mute-assistant", "unmute-assistant", "mute-customer", "unmute-customer", "say-first-message"}
)
_ROLES = ("assistant", "function", "system", "tool", "user")
_NOT_SERVED = ("send-transport-message",)
_TYPES = ("say", "add-message", "control", "end-call", "handoff", "transfer")


@dataclass
class SayThenHangUp:
    """`say` with `endCallAfterSpoken`: the call ends once `text` has been spoken."""

    text: str


@dataclass
class Refused:
    """A message that asks nothing this server can do, and why."""

    reason: str


@dataclass
class HandOff:
    """`handoff`: the call goes to the destination's assistant, `content` (if any) said first."""

    destination: dict[str, Any]
    content: str | None = None


@dataclass
class Transfer:
    """`transfer`: the caller goes to a number or SIP destination, `content` said first."""

    destination: dict[str, Any]
    content: str


Asked = list[Frame] | str | SayThenHangUp | HandOff | Transfer | Refused


def _transfer(message: dict[str, Any]) -> Transfer | Refused:
    destination = message.get("destination")
    if (
        not isinstance(destination, dict)
        or destination_name(destination) is None
        or (destination.get("type") not in ("number", "sip"))
    ):
        return Refused(
            '`transfer` needs `destination`, a number (`"type": "number"`, `number`) or SIP '
            'address (`"type": "sip"`, `sipUri`).'
        )
    content = message.get("content")
    said = content if isinstance(content, str) else message_text(destination.get("message"))
    return Transfer(destination, said or "")


def _handoff(message: dict[str, Any]) -> HandOff | Refused:
    destination = message.get("destination")
    if not isinstance(destination, dict) or destination.get("type") != "assistant":
        return Refused(
            '`handoff` needs `destination`, an assistant destination ("type": "assistant").'
        )
    content = message.get("content")
    return HandOff(destination, content if isinstance(content, str) and content.strip() else None)


def _say(message: dict[str, Any]) -> list[Frame] | SayThenHangUp | Refused:
    # The spec names it `content`; the web SDK sends `message`.
    text = message.get("content", message.get("message"))
    if not isinstance(text, str) or not text.strip():
        return Refused("`say` needs the text to speak in `content` (or `message`).")
    if message.get("endCallAfterSpoken") is True:
        return SayThenHangUp(text)
    return [TTSSpeakFrame(text)]


def _add_message(message: dict[str, Any]) -> list[Frame] | Refused:
    added = message.get("message")
    if not isinstance(added, dict) or added.get("role") not in _ROLES:
        return Refused(f"`add-message` needs `message.role`, one of {', '.join(_ROLES)}.")
    if not isinstance(added.get("content"), str):
        return Refused("`add-message` needs `message.content`, a string.")
    run = message.get("triggerResponseEnabled", True) is not False
    entry: Any = {"role": added["role"], "content": added["content"]}
    return [LLMMessagesAppendFrame(messages=[entry], run_llm=run)]


def interpret_message(message: dict[str, Any]) -> Asked:
    """The frames to queue for a message, HANG_UP, one of CONTROLS, SayThenHangUp, HandOff or
    Refused."""
    kind = message.get("type")
    if kind in ("end-call", "hangup"):
        return HANG_UP
    if kind == "say":
        return _say(message)
    if kind == "add-message":
        return _add_message(message)
    if kind == "control":
        control = message.get("control")
        if isinstance(control, str) and control in CONTROLS:
            return control
        return Refused(f"`control` must be one of {', '.join(sorted(CONTROLS))}.")
    if kind == "handoff":
        return _handoff(message)
    if kind == "transfer":
        return _transfer(message)
    if kind in _NOT_SERVED:
        return Refused(f"`{kind}` messages are not supported by voxgate yet.")
    return Refused(f"`type` must be one of {', '.join(_TYPES)}.")


def parse(text: str) -> dict[str, Any] | Refused:
    """A client's text frame as a message."""
    try:
        message = json.loads(text)
    except ValueError:
        return Refused("The message is not JSON.")
    if not isinstance(message, dict):
        return Refused("The message must be a JSON object.")
    return message


def interpret(text: str) -> Asked:
    """A client's text frame, as `interpret_message` reads it."""
    message = parse(text)
    return message if isinstance(message, Refused) else interpret_message(message)
