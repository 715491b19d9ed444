"""What a webhook server answered when asked for a destination (VAPI-BEHAVIOUR §5.3), read
into what the engine does next. `webhooks/request.py` has already unwrapped a
`messageResponse`; None means nobody answered usefully.

- `transfer-destination-request` → `{destination: assistant|number|sip, message?, error?}`;
- `handoff-destination-request` → `{destination: assistant|squad, result?, error?}`.

`error` wins over `destination`, as in every reply that carries both (§5.3): the server said
the transfer must not happen. Either way a refusal is a failed tool call whose result tells
the LLM why, and the call goes on with the same assistant.
"""

from dataclasses import dataclass
from typing import Any

from voxgate.engine.transfers.destinations import destination_name


@dataclass(frozen=True)
class Refused:
    """No transfer: `reason` is the tool's result for the LLM (and the log)."""

    reason: str


@dataclass(frozen=True)
class TransferTo:
    """Transfer to `destination`; `message` (a tool message), when the server gave one, is
    said first instead of the destination's."""

    destination: dict[str, Any]
    message: dict[str, Any] | str | None = None


@dataclass(frozen=True)
class HandoffTo:
    """Hand off to `destination`; `result`, when the server gave one, is the tool's result."""

    destination: dict[str, Any]
    result: str | None = None


NO_ANSWER = "The server gave no destination, so the call was not transferred."


def _destination(reply: Any) -> dict[str, Any] | Refused:
    """The reply's destination object, or its refusal: no reply, an `error` (which wins over a
    destination), or no destination object."""
    if not isinstance(reply, dict):
        return Refused(NO_ANSWER)
    error = reply.get("error")
    if isinstance(error, str) and error.strip():
        return Refused(error)
    destination = reply.get("destination")
    return destination if isinstance(destination, dict) else Refused(NO_ANSWER)


def read_transfer_reply(reply: dict[str, Any] | None) -> TransferTo | Refused:
    """The answer to `transfer-destination-request`."""
    destination = _destination(reply)
    if isinstance(destination, Refused):
        return destination
    assert reply is not None  # a destination came from it
    kind = destination.get("type")
    if kind not in ("assistant", "number", "sip"):
        return Refused(f"The server's destination has an unknown type: {kind!r}.")
    if destination_name(destination) is None:
        needed = {"assistant": "assistantName", "number": "number", "sip": "sipUri"}[kind]
        return Refused(f"The server's {kind} destination has no {needed}.")
    message = reply.get("message")
    return TransferTo(destination, message if isinstance(message, dict | str) else None)


def read_handoff_reply(reply: dict[str, Any] | None) -> HandoffTo | Refused:
    """The answer to `handoff-destination-request`."""
    destination = _destination(reply)
    if isinstance(destination, Refused):
        return destination
    assert reply is not None  # a destination came from it
    kind = destination.get("type")
    if kind == "assistant":
        named = any(
            isinstance(destination.get(key), str) and destination[key]
            for key in ("assistantName", "assistantId")
        )
        if not named and not isinstance(destination.get("assistant"), dict):
            return Refused(
                "The server's assistant destination names no assistantName, assistantId "
                "or assistant."
            )
    elif kind == "squad":
        if not destination.get("squadId") and not isinstance(destination.get("squad"), dict):
            return Refused("The server's squad destination names no squadId or squad.")
    else:
        return Refused(f"The server's destination has an unknown type: {kind!r}.")
    result = reply.get("result")
    return HandoffTo(destination, result if isinstance(result, str) else None)
