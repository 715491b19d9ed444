"""A call's assistant, resolved as it will run: the saved (`assistantId`) or inline
(`assistant`) assistant with `assistantOverrides` applied (VAPI-BEHAVIOUR §2.3: objects
deep-merged, arrays replaced, `tools:append` appended to `model.tools`), then the saved tools
its `model.toolIds` name appended too (stored_tools.py)."""

from sqlalchemy.ext.asyncio import AsyncSession

from voxgate.control.call.stored_tools import with_stored_tools
from voxgate.control.crud import Document, Kind, Repository
from voxgate.db.models import Assistant as AssistantRow
from voxgate.errors import NotFound
from voxgate.wire.overrides import apply_overrides, deep_merge

__all__ = ["NoAssistant", "apply_overrides", "deep_merge", "resolve_assistant"]

_assistants = Kind(AssistantRow, "Assistant")


class NoAssistant(Exception):
    """The call's assistant cannot be resolved (deleted since it was named)."""


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
