"""Tools in a chat (VAPI-BEHAVIOUR §9.4, §7.2): the LLM's calls are run and their results fed
back until it answers in text. `function` tools go to the user's server as one `tool-calls`
message per model turn (`function_tool.py`, with a `chat` field where a call's message has
`call`: the control side's port adds it); `apiRequest` tools make their request
(`api_request.py`), extracted variables kept for the chat's later templates.

A chat has no voice, so tool messages (`request-start`…) are not spoken, and a server's reply
`message` is not either: the LLM always reads the result and goes on. A `function` tool with
no server anywhere cannot reach a client from a chat: the LLM is told so. Other types are not
offered in a chat.

`steps` keeps what the turn added, in OpenAI's form: the assistant's `tool_calls` message, then
one `tool` message per result, for the chat's stored output.
"""

import asyncio
from typing import Any

from loguru import logger
from pipecat.adapters.llm.schemas.tools_schema import ToolsSchema
from pipecat.frames.frames import FunctionCallFromLLM
from pipecat.services.llm_service import FunctionCallParams, LLMService

from voxgate.engine.api_request import API_REQUEST, run_in_call
from voxgate.engine.conversation import Conversation
from voxgate.engine.function_tool import run_function
from voxgate.engine.ports import ServerMessages
from voxgate.engine.tool_types import Handler, Outcome, ToolCall, ToolContext, Turn
from voxgate.engine.tools import offered

NO_CLIENT = "This tool runs in the caller's app, and a chat has none: it cannot run here."


async def _function(
    tool: dict[str, Any], arguments: dict[str, Any], context: ToolContext
) -> Outcome:
    if not await context.conversation.server.has_server(_server(tool)):
        return Outcome(error=NO_CLIENT)
    return await run_function(tool, arguments, context)


def _server(tool: dict[str, Any]) -> dict[str, Any] | None:
    server = tool.get("server")
    return server if isinstance(server, dict) else None


HANDLERS: dict[str, Handler] = {"function": _function, API_REQUEST: run_in_call}


class _NoClient:
    """A chat has no client socket: a client-side tool's message goes nowhere."""

    async def send_text(self, text: str) -> None:
        return None


async def _nothing(*_args: Any) -> None:
    return None


class ChatTools:
    """The functions a chat's LLM may call, and what its calls in one answer added."""

    def __init__(
        self, assistant: dict[str, Any], server: ServerMessages | None, values: dict[str, Any]
    ) -> None:
        self._assistant = assistant
        self._offered = {
            name: (tool, schema)
            for name, (tool, schema) in offered(assistant).items()
            if str(tool.get("type")) in HANDLERS
        }
        # Chats subscribe to nothing informational; `tool-calls` is asked for explicitly.
        self._conversation = Conversation(_NoClient(), [], server, ["tool-calls"])
        self._conversation.variable_values = values
        self._turns: dict[str, asyncio.Future[Turn]] = {}
        self.steps: list[dict[str, Any]] = []

    def schema(self) -> ToolsSchema | None:
        schemas = [schema for _tool, schema in self._offered.values()]
        return ToolsSchema(standard_tools=schemas) if schemas else None

    def attach(self, llm: LLMService[Any]) -> None:
        for name in self._offered:
            llm.register_function(name, self._run)
        if self._offered:
            llm.event_handler("on_function_calls_started")(self._started)

    def _turn(self, call_id: str) -> asyncio.Future[Turn]:
        """Where a call's turn goes from the announcement to its handler; a settled one is stale
        (some models reuse call ids from turn to turn) and is replaced."""
        found = self._turns.get(call_id)
        if found is None or found.done():
            found = self._turns[call_id] = asyncio.get_running_loop().create_future()
        return found

    async def _started(self, _llm: Any, function_calls: list[FunctionCallFromLLM]) -> None:
        calls = [
            ToolCall(f.tool_call_id, f.function_name, dict(f.arguments), self._offered[name][0])
            for f in function_calls
            if (name := f.function_name) in self._offered
        ]
        if not calls:
            return
        self.steps.append({"role": "assistant", "tool_calls": [
            {"id": c.id, "type": "function",
             "function": {"name": c.name, "arguments": c.arguments_json()}} for c in calls
        ]})  # fmt: skip
        turn = Turn(calls)
        for call in calls:
            self._turn(call.id).set_result(turn)

    async def _run(self, params: FunctionCallParams) -> None:
        announced = self._turns.get(params.tool_call_id) or self._turn(params.tool_call_id)
        turn = await announced
        self._turns.pop(params.tool_call_id, None)
        call = next(c for c in turn.calls if c.id == params.tool_call_id)
        context = ToolContext(
            call, turn, self._conversation, self._assistant, _nothing, _nothing
        )  # fmt: skip
        try:
            outcome = await HANDLERS[str(call.tool.get("type"))](call.tool, call.arguments, context)
        except Exception as error:
            logger.exception(f"chat tool {call.name} failed")
            outcome = Outcome(error=f"The tool failed: {error}")
        text = outcome.text or "Done."
        self.steps.append({"role": "tool", "tool_call_id": call.id, "content": text})
        await params.result_callback(text)
