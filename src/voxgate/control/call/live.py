"""What a live call needs from the control side: its assistant resolved, and its record kept.

`resolve_assistant` applies VAPI-BEHAVIOUR §2.3 (objects deep-merged, arrays replaced,
`tools:append` appended to `model.tools`); `DbCallStore` is the engine's `CallStore` port.
"""

from typing import Any

from voxgate.control.call.service import kind as calls
from voxgate.control.crud import Document, Kind, Repository
from voxgate.db.models import Assistant as AssistantRow
from voxgate.db.session import get_sessionmaker
from voxgate.engine.variables import CallInfo
from voxgate.errors import NotFound

_assistants = Kind(AssistantRow, "Assistant")
# Overrides that are not assistant fields: they steer the call, not the assistant's shape.
_NOT_MERGED = ("variableValues", "tools:append")


class NoAssistant(Exception):
    """The call's assistant cannot be resolved (deleted since, or a squad: not served yet)."""


def deep_merge(base: Document, override: Document) -> Document:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def apply_overrides(assistant: Document, overrides: Document) -> Document:
    merged = deep_merge(assistant, {k: v for k, v in overrides.items() if k not in _NOT_MERGED})
    appended = overrides.get("tools:append")
    if appended:
        model = dict(merged.get("model") or {})
        model["tools"] = [*(model.get("tools") or []), *appended]
        merged["model"] = model
    return merged


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def call_info(call_id: str, call: Document) -> CallInfo:
    """What the engine's templates may read about this call (§2.3's built-ins and the client's
    `assistantOverrides.variableValues`, which the merge above leaves out of the assistant)."""
    transport = {k: v for k, v in _object(call.get("transport")).items() if k != "websocketCallUrl"}
    customer = {k: v for k, v in _object(call.get("customer")).items() if k != "assistantOverrides"}
    # A transient phone number carries carrier secrets: only its public fields reach templates.
    number = {k: v for k, v in _object(call.get("phoneNumber")).items() if k in ("number", "name")}
    return CallInfo(
        id=call_id,
        type=str(call.get("type") or "vapi.websocketCall"),
        customer=customer,
        phone_number=number,
        transport=transport,
        variable_values=_object(_object(call.get("assistantOverrides")).get("variableValues")),
    )


async def resolve_assistant(org_id: str, call: Document) -> Document:
    if "assistant" in call:
        base: Document = call["assistant"]
    elif "assistantId" in call:
        async with get_sessionmaker()() as session:
            try:
                row = await Repository(session, _assistants, org_id).get(call["assistantId"])
            except NotFound:
                raise NoAssistant(f"assistant {call['assistantId']} no longer exists") from None
            base = row.data
    else:
        raise NoAssistant("squad calls are not served over the websocket yet")
    return apply_overrides(base, call.get("assistantOverrides") or {})


class DbCallStore:
    """Writes a live call's lifecycle and artifacts to its row, one short transaction each."""

    def __init__(self, org_id: str, call_id: str) -> None:
        self.org_id, self.call_id = org_id, call_id

    async def update(self, changes: dict[str, Any]) -> None:
        async with get_sessionmaker()() as session:
            repo = Repository(session, calls, self.org_id)
            try:
                row = await repo.get(self.call_id)
            except NotFound:
                return  # deleted while live: nothing left to record on
            await repo.update(row, {**row.data, **changes})
            await session.commit()
