"""What a live call needs from the control side: its assistant resolved, and its record kept.

`resolve_assistant` applies VAPI-BEHAVIOUR §2.3 (objects deep-merged, arrays replaced,
`tools:append` appended to `model.tools`); `DbCallStore` is the engine's `CallStore` port
(artifact files: `artifact_store.py`).
"""

from typing import Any

from voxgate.control.call.artifact_store import save_artifact
from voxgate.control.call.service import kind as calls
from voxgate.control.crud import Document, Kind, Repository
from voxgate.db.models import Assistant as AssistantRow
from voxgate.db.session import get_sessionmaker
from voxgate.engine.ports import ArtifactName
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

    async def save_artifact(self, name: ArtifactName, data: bytes) -> str:
        return await save_artifact(self.call_id, name, data)
