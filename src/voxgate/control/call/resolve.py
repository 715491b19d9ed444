"""A call's assistant, resolved as it will run: the saved (`assistantId`) or inline
(`assistant`) assistant with `assistantOverrides` applied (VAPI-BEHAVIOUR §2.3: objects
deep-merged, arrays replaced, `tools:append` appended to `model.tools`), then the saved tools
its `model.toolIds` name appended too (stored_tools.py)."""

from sqlalchemy.ext.asyncio import AsyncSession

from voxgate.control.call.stored_tools import with_stored_tools
from voxgate.control.crud import Document, Kind, Repository
from voxgate.db.models import Assistant as AssistantRow
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


async def resolve_assistant(session: AsyncSession, org_id: str, call: Document) -> Document:
    if "assistant" in call:
        base: Document = call["assistant"]
    elif "assistantId" in call:
        try:
            row = await Repository(session, _assistants, org_id).get(call["assistantId"])
        except NotFound:
            raise NoAssistant(f"assistant {call['assistantId']} no longer exists") from None
        base = row.data
    else:
        raise NoAssistant("squad calls are not served over the websocket yet")
    assistant = apply_overrides(base, call.get("assistantOverrides") or {})
    return await with_stored_tools(session, org_id, assistant)
