"""An assistant's `model.tools` as functions the LLM may call.

Served today: `endCall` (VAPI-BEHAVIOUR §7.2: exposed as the function `endCall`, run in-process)
and `handoff` (`handoff.py`). Other tool types are not offered to the LLM yet.
"""

from typing import Any

from pipecat.adapters.llm.schemas.function_schema import FunctionSchema
from pipecat.adapters.llm.schemas.tools_schema import ToolsSchema

from voxgate.engine.handoff import handoff_schemas

END_CALL = "endCall"
_END_CALL_SCHEMA = FunctionSchema(
    name=END_CALL,
    description="End the call. Use it when the conversation is over or the caller asks to hang up.",
    properties={},
    required=[],
)


def _tools(assistant: dict[str, Any]) -> list[Any]:
    model = assistant.get("model")
    tools = model.get("tools") if isinstance(model, dict) else None
    return tools if isinstance(tools, list) else []


def offers_end_call(assistant: dict[str, Any]) -> bool:
    return any(isinstance(t, dict) and t.get("type") == END_CALL for t in _tools(assistant))


def tools_schema(assistant: dict[str, Any]) -> ToolsSchema | None:
    """The functions for the LLM's context, or None when the assistant has none it can run."""
    functions = [_END_CALL_SCHEMA] if offers_end_call(assistant) else []
    functions += handoff_schemas(assistant)  # handoff.py
    return ToolsSchema(standard_tools=functions) if functions else None
