"""Destinations as configured: the name the LLM picks each one by, the words spoken before the
transfer, and which of the two assistant forms a squad member's destination is (§8).

Both assistant forms carry `type: "assistant"`. `TransferDestinationAssistant` (the legacy
transfer) requires `assistantName` and may add `transferMode` and `message`;
`HandoffDestinationAssistant` may name `assistantId` or carry a transient `assistant`, and adds
`contextEngineeringPlan`, `variableExtractionPlan` and `assistantOverrides`. A destination with
any handoff-only key is a handoff (the legacy form cannot carry them); every other one is the
legacy transfer, as `{type, assistantName, description}` is valid in both and a member's
`assistantDestinations` meant the transfer before handoffs existed.
"""

from typing import Any, Literal

from voxgate.engine.tool_messages import configures, text_of

DEFAULT_TRANSFER_MESSAGE = "Transferring the call now"  # Vapi's words when none are configured
HANDOFF_ONLY_KEYS = frozenset(
    {"assistantId", "assistant", "contextEngineeringPlan", "variableExtractionPlan",
     "assistantOverrides"}
)  # fmt: skip
TRANSFER_TYPES = frozenset({"assistant", "number", "sip"})

Destination = dict[str, Any]
AssistantForm = Literal["transfer", "handoff"]


def assistant_form(destination: Destination) -> AssistantForm:
    """Which form an assistant destination is (the module's docstring says why)."""
    return "handoff" if HANDOFF_ONLY_KEYS & destination.keys() else "transfer"


def split_member_destinations(
    destinations: list[Any] | None,
) -> tuple[list[Destination], list[Destination]]:
    """A squad member's `assistantDestinations` as (legacy transfers, handoffs); entries that are
    not assistant destinations are dropped."""
    transfers: list[Destination] = []
    handoffs: list[Destination] = []
    for destination in destinations or []:
        if isinstance(destination, dict) and destination.get("type") == "assistant":
            form = assistant_form(destination)
            (transfers if form == "transfer" else handoffs).append(destination)
    return transfers, handoffs


def destination_name(destination: Destination) -> str | None:
    """What the LLM names this destination by in `transferCall`'s `destination` argument: the
    assistant's name, the phone number or the SIP URI (None when it names nothing)."""
    key = {"assistant": "assistantName", "number": "number", "sip": "sipUri"}.get(
        str(destination.get("type"))
    )
    value = destination.get(key) if key else None
    return value if isinstance(value, str) and value else None


def find_destination(destinations: list[Any], name: Any) -> Destination | None:
    """The configured destination the LLM named, or None."""
    for destination in destinations:
        if isinstance(destination, dict) and destination_name(destination) == name:
            return destination
    return None


def message_text(message: Any, language: str | None = None) -> str | None:
    """The words of a spoken message: a string, or a `CustomMessage` / tool message (its
    `contents[]` variant in the call's language, else its `content`); None when none is set."""
    if isinstance(message, str):
        return message
    return text_of(message, language) if isinstance(message, dict) else None


def transfer_message(
    destination: Destination, tool: dict[str, Any] | None = None, language: str | None = None
) -> str:
    """What is said as the transfer starts: the destination's `message`; else nothing more when
    the tool has `request-start` messages of its own (spoken as the call began, tool_calls.py),
    else Vapi's default. An empty string means a silent transfer."""
    text = message_text(destination.get("message"), language)
    if text is not None:
        return text
    if tool is not None and configures(tool, "request-start"):
        return ""
    return DEFAULT_TRANSFER_MESSAGE
