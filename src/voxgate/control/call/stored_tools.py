"""`model.toolIds`: the org's saved tools (`/tool`), added to the tools a call's assistant runs.

A tool deleted after the call was created is skipped (logged), so the call still talks; at
`POST /call` an id that names no tool of the org is a 400 instead (`missing_tools`).
"""

from typing import Any

from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession

from voxgate.control.crud import Document, Kind, Repository, render_envelope
from voxgate.db.models import Tool as ToolRow
from voxgate.errors import NotFound

_tools = Kind(ToolRow, "Tool")


def _tool_ids(assistant: Document) -> list[str]:
    model = assistant.get("model")
    ids = model.get("toolIds") if isinstance(model, dict) else None
    return [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []


async def _load(
    session: AsyncSession, org_id: str, ids: list[str]
) -> tuple[list[Document], list[str]]:
    found: list[Document] = []
    missing: list[str] = []
    repository = Repository(session, _tools, org_id)
    for tool_id in dict.fromkeys(ids):  # each once, in order
        try:
            found.append(render_envelope(await repository.get(tool_id)))
        except NotFound:
            missing.append(tool_id)
    return found, missing


async def missing_tools(session: AsyncSession, org_id: str, assistant: Document) -> list[str]:
    """The assistant's `toolIds` that name no tool of this org."""
    return (await _load(session, org_id, _tool_ids(assistant)))[1]


async def with_stored_tools(session: AsyncSession, org_id: str, assistant: Document) -> Document:
    """The assistant with its saved tools appended to `model.tools` (after the inline ones and
    `tools:append`)."""
    ids = _tool_ids(assistant)
    if not ids:
        return assistant
    found, missing = await _load(session, org_id, ids)
    if missing:
        logger.warning(f"toolIds no longer exist, skipped: {', '.join(missing)}")
    model: dict[str, Any] = dict(assistant["model"])
    model["tools"] = [*(model.get("tools") or []), *found]
    return {**assistant, "model": model}
