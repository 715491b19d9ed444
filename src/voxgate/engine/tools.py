"""An assistant's tools (`model.tools`, with `toolIds` and `tools:append` already resolved into
it by the control side) as the functions the LLM may call (VAPI-BEHAVIOUR §7.2.1).

`SCHEMAS` maps a tool `type` to the function the LLM sees; a type absent from it is not offered.
Running a called function is `tool_calls.py`'s job.
"""

from collections.abc import Callable
from typing import Any

from pipecat.adapters.llm.schemas.function_schema import FunctionSchema
from pipecat.adapters.llm.schemas.tools_schema import ToolsSchema

from voxgate.engine import api_request, dtmf, voicemail
from voxgate.engine.handoff import HANDOFF, handoff_schema
from voxgate.engine.transfers.functions import TRANSFER_CALL, transfer_function

END_CALL = "endCall"
_END_CALL_SCHEMA = FunctionSchema(
    name=END_CALL,
    description="End the call. Use it when the conversation is over or the caller asks to hang up.",
    properties={},
    required=[],
)
_NO_PARAMETERS: dict[str, Any] = {"type": "object", "properties": {}}


def _function(tool: dict[str, Any]) -> FunctionSchema | None:
    """`function` (and `code`) tools: their own OpenAI function."""
    function = tool.get("function")
    if not isinstance(function, dict) or not isinstance(function.get("name"), str):
        return None
    parameters = function.get("parameters")
    parameters = parameters if isinstance(parameters, dict) else _NO_PARAMETERS
    properties = parameters.get("properties")
    required = parameters.get("required")
    return FunctionSchema(
        name=function["name"],
        description=str(function.get("description") or ""),
        properties=properties if isinstance(properties, dict) else {},
        required=required if isinstance(required, list) else [],
    )


# Tool `type` → the function the LLM is offered for it (None: this tool cannot be offered).
SCHEMAS: dict[str, Callable[[dict[str, Any]], FunctionSchema | None]] = {
    END_CALL: lambda _tool: _END_CALL_SCHEMA,
    "function": _function,
    api_request.API_REQUEST: api_request.function_schema,
    TRANSFER_CALL: transfer_function,
    HANDOFF: handoff_schema,
    dtmf.DTMF: dtmf.function_schema,
    voicemail.VOICEMAIL: voicemail.function_schema,
}


def assistant_tools(assistant: dict[str, Any]) -> list[dict[str, Any]]:
    model = assistant.get("model")
    tools = model.get("tools") if isinstance(model, dict) else None
    return [t for t in tools if isinstance(t, dict)] if isinstance(tools, list) else []


def function_schema(tool: dict[str, Any]) -> FunctionSchema | None:
    make = SCHEMAS.get(str(tool.get("type")))
    return make(tool) if make is not None else None


def offered(assistant: dict[str, Any]) -> dict[str, tuple[dict[str, Any], FunctionSchema]]:
    """Function name → (tool, schema) for every tool the LLM is offered; the first tool of a
    name wins (the LLM could not tell two apart)."""
    found: dict[str, tuple[dict[str, Any], FunctionSchema]] = {}
    for tool in assistant_tools(assistant):
        schema = function_schema(tool)
        if schema is not None and schema.name not in found:
            found[schema.name] = (tool, schema)
    return found


def offers_end_call(assistant: dict[str, Any]) -> bool:
    return END_CALL in offered(assistant)


def tools_schema(assistant: dict[str, Any]) -> ToolsSchema | None:
    """The functions for the LLM's context, or None when the assistant has none it can run."""
    functions = [schema for _tool, schema in offered(assistant).values()]
    return ToolsSchema(standard_tools=functions) if functions else None
