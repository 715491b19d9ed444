"""`transferCall` tools as functions the LLM may call (VAPI-BEHAVIOUR §7.2.1).

A `transferCall` tool becomes the function `transferCall` with one required argument,
`destination`, an enum of the configured destinations' names (assistant name, number or SIP
URI), each listed with its `description` so the model knows when to pick it. A tool with no
destinations takes no argument: its destination is asked of the server when it is called
(`transfer-destination-request`). The tool's `function`, which Vapi's docs use to rename it
(`dynamicDestinationTransferCall`), overrides the name, description or parameters.

A squad member's legacy `assistantDestinations` (destinations.py tells them from handoffs) are
the same thing: they join the member's `transferCall` tool, or make one.
"""

import copy
from typing import Any

from pipecat.adapters.llm.schemas.function_schema import FunctionSchema

from voxgate.engine.transfers.destinations import (
    TRANSFER_TYPES,
    destination_name,
    split_member_destinations,
)

TRANSFER_CALL = "transferCall"
Tool = dict[str, Any]


def transfer_destinations(tool: Tool) -> list[dict[str, Any]]:
    """The tool's destinations the engine can name (assistant, number or SIP)."""
    return [
        d
        for d in tool.get("destinations") or []
        if isinstance(d, dict) and d.get("type") in TRANSFER_TYPES and destination_name(d)
    ]


def function_name(tool: Tool) -> str:
    function = tool.get("function")
    name = function.get("name") if isinstance(function, dict) else None
    return name if isinstance(name, str) and name else TRANSFER_CALL


def _description(destinations: list[dict[str, Any]]) -> str:
    if not destinations:
        return (
            "Transfer the call. Use it only when your instructions tell you to transfer; "
            "where it goes is decided when you call it."
        )
    lines = [
        "Transfer the call to one of the destinations below. Use it only when your "
        "instructions tell you to transfer the call. Destinations:"
    ]
    for number, destination in enumerate(destinations, 1):
        when = destination.get("description")
        line = f"{number}. {destination_name(destination)}"
        lines.append(f"{line}. When: {when}" if isinstance(when, str) and when else line)
    return "\n".join(lines)


def _destination_property(destinations: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "string",
        "enum": [destination_name(d) for d in destinations],
        "description": "The destination to transfer the call to.",
    }


def transfer_function(tool: Tool) -> FunctionSchema:
    """The function a `transferCall` tool offers the LLM."""
    destinations = transfer_destinations(tool)
    properties = {"destination": _destination_property(destinations)} if destinations else {}
    required = ["destination"] if destinations else []
    description = _description(destinations)
    function = tool.get("function")
    if isinstance(function, dict):
        if isinstance(function.get("description"), str):
            description = function["description"]
        parameters = function.get("parameters")
        if isinstance(parameters, dict) and isinstance(parameters.get("properties"), dict):
            properties = parameters["properties"]
            required = [r for r in parameters.get("required") or [] if isinstance(r, str)]
    return FunctionSchema(function_name(tool), description, properties, required)


def with_member_destinations(tools: list[Any], transfers: list[dict[str, Any]]) -> list[Any]:
    """The member's tools with its legacy assistant destinations offered: added to its
    `transferCall` tool that keeps the default name, or as a tool of their own. The given list
    is not changed."""
    if not transfers:
        return list(tools)
    result = [copy.deepcopy(t) if isinstance(t, dict) else t for t in tools]
    for tool in result:
        is_transfer = isinstance(tool, dict) and tool.get("type") == TRANSFER_CALL
        if is_transfer and function_name(tool) == TRANSFER_CALL:
            tool["destinations"] = [*(tool.get("destinations") or []), *transfers]
            return result
    return [*result, {"type": TRANSFER_CALL, "destinations": list(transfers)}]


def with_assistant_destinations(assistant: Tool, destinations: list[Any] | None) -> Tool:
    """A squad member's assistant with its `assistantDestinations` as tools (§8): the legacy
    transfer form joins its `transferCall` (`with_member_destinations`), the handoff form
    (destinations.py tells them apart) becomes one `handoff` tool. Unchanged without any."""
    transfers, handoffs = split_member_destinations(destinations)
    if not transfers and not handoffs:
        return assistant
    model = assistant.get("model")
    model = dict(model) if isinstance(model, dict) else {}
    tools = model.get("tools")
    tools = with_member_destinations(tools if isinstance(tools, list) else [], transfers)
    if handoffs:
        tools.append({"type": "handoff", "destinations": handoffs})
    model["tools"] = tools
    return {**assistant, "model": model}
