"""`handoff` tools (VAPI-BEHAVIOUR §7.2.1, §8): the function the LLM calls to hand the call to
another assistant, and what happens when it does.

The function. A tool's own `function` is used as given (a `name` alone keeps the generated
parameters). Otherwise, as Vapi's schema describes it, one function per tool named
`handoff_to_<first destination>` (the destination's `assistantName`, else its `assistantId`, else
its inline assistant's `name`; characters a function name cannot hold become `_`), with one
required parameter `destination`: an enum of every destination of the tool, each described.

The call. `destination` picks the tool's destination (a tool with one destination needs no
argument); the other arguments are variables for every later assistant (the
`variableExtractionPlan.aliases` of the destination are rendered over them). The result is
recorded like any tool's, no new LLM turn is run, and once the result is in the LLM context the
session switches (`Switchboard.switch_to`, `switch.py`) with the destination's
`contextEngineeringPlan`. A `squad` destination goes to its `entryAssistantName` (else its
first member): its members were resolved with the call (control/call/squad.py) and are
assistants of the call from then on. A `dynamic` destination is asked of its `server`
(`handoff-destination-request` with the LLM's arguments as `parameters`, engine/transfers/) and
the reply's destination is used; the reply's `result` (else the tool's `defaultResult`) is the
tool's result. A destination that is no assistant of the call (one a dynamic reply names that
was not resolved with the call), or a reply's `error`, answers the model with an error instead,
so it can tell the caller.
"""

import re
from typing import Any

from pipecat.adapters.llm.schemas.function_schema import FunctionSchema

from voxgate.engine.tool_types import Outcome, Switch, ToolContext
from voxgate.engine.transfers.asking import ask_handoff_destination
from voxgate.engine.transfers.replies import Refused
from voxgate.engine.variables import render_text

Document = dict[str, Any]
HANDOFF = "handoff"
_NOT_IN_NAMES = re.compile(r"[^A-Za-z0-9_-]")


def handoff_tools(assistant: Document) -> list[Document]:
    model = assistant.get("model")
    tools = model.get("tools") if isinstance(model, dict) else None
    if not isinstance(tools, list):
        return []
    return [t for t in tools if isinstance(t, dict) and t.get("type") == HANDOFF]


def _destinations(tool: Document) -> list[Document]:
    found = tool.get("destinations")
    return [d for d in found if isinstance(d, dict)] if isinstance(found, list) else []


def handoff_destinations(assistant: Document) -> list[Document]:
    """Every destination of the assistant's handoff tools."""
    return [d for tool in handoff_tools(assistant) for d in _destinations(tool)]


def destination_label(destination: Document) -> str | None:
    """What the model passes as `destination` to pick this one."""
    if destination.get("type") == "dynamic":
        return "dynamic"
    for field in ("assistantName", "assistantId", "squadId"):
        if isinstance(destination.get(field), str) and destination[field]:
            return str(destination[field])
    inline = destination.get("assistant") or destination.get("squad")
    name = inline.get("name") if isinstance(inline, dict) else None
    return name if isinstance(name, str) and name else None


def _generated(tool: Document) -> FunctionSchema | None:
    labelled = [(label, d) for d in _destinations(tool) if (label := destination_label(d))]
    if not labelled:
        return None
    options = [f"{label} ({d['description']})" if d.get("description") else label
               for label, d in labelled]  # fmt: skip
    lines = [f"{i}. {option}" for i, option in enumerate(options, 1)]
    description = (
        "Hand the call over to another assistant. Use it only when your instructions say to, "
        "choosing the destination that fits:\n" + "\n".join(lines)
    )
    destination = {
        "type": "string",
        "enum": [label for label, _ in labelled],
        "description": "Options: " + ", ".join(options),
    }
    name = "handoff_to_" + _NOT_IN_NAMES.sub("_", labelled[0][0])
    return FunctionSchema(name[:64], description, {"destination": destination}, ["destination"])


def handoff_schema(tool: Document) -> FunctionSchema | None:
    """The LLM function of one handoff tool (see the module docstring)."""
    generated = _generated(tool)
    function = tool.get("function")
    if not isinstance(function, dict):
        return generated
    name = function.get("name") if isinstance(function.get("name"), str) else None
    parameters = function.get("parameters")
    if isinstance(parameters, dict) and isinstance(parameters.get("properties"), dict):
        required = parameters.get("required")
        return FunctionSchema(
            name or (generated.name if generated else HANDOFF),
            str(function.get("description") or (generated.description if generated else "")),
            parameters["properties"],
            required if isinstance(required, list) else [],
        )
    if generated is None:
        return None
    description = function.get("description")
    return FunctionSchema(
        name or generated.name,
        description if isinstance(description, str) else generated.description,
        generated.properties,
        generated.required,
    )


def handoff_schemas(assistant: Document) -> list[FunctionSchema]:
    return [schema for tool in handoff_tools(assistant) if (schema := handoff_schema(tool))]


def pick_destination(tool: Document, arguments: Document) -> Document | None:
    destinations = _destinations(tool)
    asked = arguments.get("destination")
    for destination in destinations:
        if asked is not None and destination_label(destination) == asked:
            return destination
    return destinations[0] if len(destinations) == 1 else None


def _render_aliases(destination: Document, values: Document) -> Document:
    plan = destination.get("variableExtractionPlan")
    aliases = plan.get("aliases") if isinstance(plan, dict) else None
    found = dict(values)
    for alias in aliases if isinstance(aliases, list) else []:
        if isinstance(alias, dict) and isinstance(alias.get("key"), str):
            found[alias["key"]] = render_text(str(alias.get("value", "")), found)
    return found


def _refusal(destination: Document | None, switch: Switch | None) -> str | None:
    if destination is None:
        return "No such destination: pick one of the `destination` options."
    if destination.get("type") not in ("assistant", "squad"):
        return f"Handoffs to a {destination.get('type')} destination are not supported here."
    if switch is None or not switch.reaches(destination):
        return f"{destination_label(destination)} is not an assistant of this call."
    return None


async def hand_off(tool: Document, arguments: Document, context: ToolContext) -> Outcome:
    """A handoff tool's call (tool_calls.py runs it; the module docstring says what it does).
    A `dynamic` destination is asked of its server first (`handoff-destination-request`), and
    the reply's destination (an assistant of this call) is where the call goes; the reply's
    `error`, or no reply, is the tool's error and the call goes on."""
    destination = pick_destination(tool, arguments)
    variables = {k: v for k, v in arguments.items() if k != "destination"}
    result: str | None = None
    if destination is not None and destination.get("type") == "dynamic":
        answer = await ask_handoff_destination(context.conversation.server, destination, arguments)
        if isinstance(answer, Refused):
            return Outcome(error=answer.reason)
        destination, result = answer.destination, answer.result
    if destination is not None:
        variables = _render_aliases(destination, variables)
    error = _refusal(destination, context.switch)
    if error is not None or destination is None or context.switch is None:
        return Outcome(error=error)
    default = tool.get("defaultResult")
    if result is None:
        result = default if isinstance(default, str) and default else None
    switch, target = context.switch, destination

    async def switched() -> None:
        await switch.switch_for(target, variables=variables)

    # No new LLM turn: the next assistant speaks (its greeting) once the switch is made.
    text = result or f"Handing the call to {destination_label(destination)}."
    return Outcome(result=text, run_llm=False, speaks=False, after=switched)
