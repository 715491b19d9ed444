"""`/tool`: the five operations, over the 23 tool variants of `wire/tool.py`."""

from voxgate.control.crud import Document, Kind, render_envelope
from voxgate.control.secrets import keep_masked_echoes, masked
from voxgate.control.variants import variant_router
from voxgate.db.models import Tool as ToolRow
from voxgate.wire.tool import SECRETS, TOOL_MODELS


def _render(row: ToolRow) -> Document:
    return masked(render_envelope(row), SECRETS)


def _prepare(changes: Document, stored: Document | None) -> Document:
    return keep_masked_echoes(changes, stored or {}, SECRETS)


kind = Kind(ToolRow, "Tool", columns=lambda data: {"type": data["type"]}, render=_render)

router = variant_router(
    kind,
    TOOL_MODELS,
    path="/tool",
    tag="Tools",
    controller="ToolController",
    prepare=_prepare,
)
