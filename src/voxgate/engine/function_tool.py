"""`function` tools (VAPI-BEHAVIOUR §7.2.3, §7.2.6): run by the user's server, or the client's.

All the calls of one model turn that go to one server share one `tool-calls` message listing
them (`toolCallList` with §5.4's legacy mirrors, `toolWithToolCallList`). A sync call waits for
its entry in the reply's `results` (matched by `toolCallId`); an `async: true` call does not
wait and the LLM is told the request was sent. A tool with no server anywhere in the precedence
goes to the client as a `tool-calls` client message instead, and counts as async: a client
cannot answer a call (it may `add-message`). The tool's static `parameters` are merged into the
arguments sent (not into what the LLM and the artifact show).
"""

import asyncio
import json
from dataclasses import replace
from typing import Any

from loguru import logger

from voxgate.engine.tool_types import Outcome, ToolCall, ToolContext
from voxgate.engine.variables import render_text

# What the LLM reads as the result of a call nobody waits for (voxgate's wording: Vapi
# documents that the assistant moves on, not what the model is told).
ASYNC_RESULT = "The request was sent. Its result is not awaited; carry on with the conversation."
CLIENT_RESULT = "The request was passed to the caller's app. No result will come back."
NO_REPLY = "The tool's server did not answer in time, or not with a JSON object."
NO_RESULT = "The tool's server answered without a result for this call."


def _server(tool: dict[str, Any]) -> dict[str, Any] | None:
    server = tool.get("server")
    return server if isinstance(server, dict) else None


def _key(tool: dict[str, Any]) -> str:
    return json.dumps(_server(tool), sort_keys=True)


def _with_call(call: ToolCall) -> dict[str, Any]:
    """A `toolWithToolCallList` entry: the tool as configured, with its call."""
    tool_call = call.wire()
    for mirror in ("name", "arguments"):
        tool_call.pop(mirror)
    return {**call.tool, "toolCall": tool_call}


def with_parameters(call: ToolCall, values: dict[str, Any]) -> ToolCall:
    """The call as sent: the tool's static `parameters` (`{key, value}`, a string value a Liquid
    template of the call's variables) merged over the LLM's arguments."""
    parameters = call.tool.get("parameters")
    if not isinstance(parameters, list):
        return call
    static = {
        p["key"]: render_text(p["value"], values)
        if isinstance(p.get("value"), str)
        else p.get("value")
        for p in parameters
        if isinstance(p, dict) and isinstance(p.get("key"), str)
    }
    return replace(call, arguments={**call.arguments, **static})


def _fields(calls: list[ToolCall], values: dict[str, Any]) -> dict[str, Any]:
    sent = [with_parameters(c, values) for c in calls]
    return {
        "toolCallList": [c.wire() for c in sent],
        "toolWithToolCallList": [_with_call(c) for c in sent],
    }


async def _ask(context: ToolContext) -> dict[str, Any] | None:
    """One `tool-calls` message for the turn's calls to this call's server."""
    key = _key(context.call.tool)
    calls = [
        c for c in context.turn.calls if c.tool.get("type") == "function" and _key(c.tool) == key
    ]
    return await context.conversation.server.request(
        "tool-calls",
        tool_server=_server(context.call.tool),
        **_fields(calls, context.conversation.variable_values),
    )


async def _to_client(context: ToolContext) -> None:
    server = context.conversation.server
    calls = [
        c
        for c in context.turn.calls
        if c.tool.get("type") == "function" and not await server.has_server(_server(c.tool))
    ]
    fields = _fields(calls, context.conversation.variable_values)
    await context.conversation.to_client("tool-calls", **fields)


def _result_for(reply: dict[str, Any], call: ToolCall) -> dict[str, Any] | None:
    results = reply.get("results")
    if not isinstance(results, list):
        return None
    found = [r for r in results if isinstance(r, dict)]
    mine = next((r for r in found if r.get("toolCallId") == call.id), None)
    if mine is None and len(found) == 1 and "toolCallId" not in found[0]:
        mine = found[0]  # a handler that left the id out, answering the one call it was sent
    return mine


def outcome_of(reply: dict[str, Any] | None, call: ToolCall) -> Outcome:
    """The call's outcome from the server's reply (§5.3): its `result` (a non-string one
    JSON-encoded) or `error`, with the `message` it asks to speak."""
    if reply is None:
        return Outcome(error=NO_REPLY)
    mine = _result_for(reply, call)
    if mine is None:
        error = reply.get("error")
        return Outcome(error=error if isinstance(error, str) and error else NO_RESULT)
    message = mine.get("message") if isinstance(mine.get("message"), dict) else None
    if mine.get("error") is not None:
        return Outcome(error=str(mine["error"]) or NO_RESULT, message=message)
    result = mine.get("result")
    if result is None:
        return Outcome(error=NO_RESULT, message=message)
    text = result if isinstance(result, str) else json.dumps(result)
    return Outcome(result=text, message=message)


async def run_function(
    tool: dict[str, Any], arguments: dict[str, Any], context: ToolContext
) -> Outcome:
    if not await context.conversation.server.has_server(_server(tool)):
        context.turn.once("client", lambda: _to_client(context))
        return Outcome(result=CLIENT_RESULT)
    asked = context.turn.once(f"server:{_key(tool)}", lambda: _ask(context))
    if tool.get("async") is True:
        return Outcome(result=ASYNC_RESULT)
    try:
        # Shielded: a call cancelled by an interruption must not cancel its siblings' request.
        reply = await asyncio.shield(asked)
    except Exception as error:  # the port reports failures as None; this is a bug, logged
        logger.exception(f"tool-calls request failed: {error}")
        reply = None
    return outcome_of(reply, context.call)
