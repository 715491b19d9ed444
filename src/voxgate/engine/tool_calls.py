"""Runs the functions the LLM calls (VAPI-BEHAVIOUR §7.2, §7.3): one pipecat handler per offered
function, the tool messages spoken at their moments, results into the LLM's context and the
artifact.

How a tool type plugs in: `tools.SCHEMAS[type]` says what function the LLM is offered for it,
and `HANDLERS[type]` (or `register(type, handler)`) runs a call of it:

    async def handler(tool: dict, arguments: dict, context: ToolContext) -> Outcome

`tool` is the assistant's tool as configured, `arguments` the LLM's (parsed), `context` the call
(`context.call.id`), the model turn's other calls (`context.turn`, to act once per turn), the
conversation (server and client messages), `say(text)`, `end_after_speaking(reason, text)`,
the squad's `switch` and a phone call's `phone` (its transfer and keypad).
It returns `Outcome(result=…)` or `Outcome(error=…)` (text the LLM reads; a raised exception
is an error too), optionally with the `message` a server's reply asked to speak, `run_llm=False`
for no new LLM turn, or `after` to run once the result is in the context.

Around every handler the dispatcher:
- records the turn's calls in the artifact once, then each result (`conversation.tool_calls`);
- speaks each called tool's `request-start` (conditions on the arguments; the language's
  variant; every tool message's Liquid rendered over the call's variables as they are then),
  or one default filler for a sync tool of `FILLER_TYPES` that configures none (not for
  `SCRIPTED_TYPES`, whose handler says it: the voicemail tool's message);
  `blocking` waits for it to be spoken before the handler runs;
- speaks `request-response-delayed` messages at their `timingMilliseconds` while it waits;
- then by §7.2.4: the outcome's `message`, else the tool's `request-complete` /
  `request-failed`, is spoken instead of a new LLM turn; a `role: system` one is a hint added
  to the context and the LLM still runs; `endCallAfterSpokenEnabled` ends the call after it;
- runs the LLM once after the turn's last call if any call wants it (and none forbids it).
"""

import asyncio
import contextlib
from typing import Any

from loguru import logger
from pipecat.frames.frames import (
    FunctionCallFromLLM,
    FunctionCallResultProperties,
    TTSSpeakFrame,
)
from pipecat.services.llm_service import FunctionCallParams, LLMService

from voxgate.engine import tool_messages
from voxgate.engine.api_request import API_REQUEST, run_in_call
from voxgate.engine.builder import Built
from voxgate.engine.conversation import Conversation
from voxgate.engine.dtmf import DTMF, press_keys
from voxgate.engine.function_tool import run_function
from voxgate.engine.handoff import HANDOFF, hand_off
from voxgate.engine.hangup import end_call
from voxgate.engine.tool_types import (
    EndAfterSpeaking,
    Handler,
    Outcome,
    Phone,
    Switch,
    ToolCall,
    ToolContext,
    Turn,
)
from voxgate.engine.tools import END_CALL, offered
from voxgate.engine.transfers.functions import TRANSFER_CALL
from voxgate.engine.transfers.transfer_call import transfer_call
from voxgate.engine.voicemail import VOICEMAIL, leave_voicemail

HANDLERS: dict[str, Handler] = {
    "function": run_function,
    END_CALL: end_call,
    API_REQUEST: run_in_call,
    TRANSFER_CALL: transfer_call,
    HANDOFF: hand_off,
    DTMF: press_keys,
    VOICEMAIL: leave_voicemail,
}
# Tools that get a default filler when they configure no `request-start` (unless async).
FILLER_TYPES = {"function", "apiRequest", "code"}
# Tools whose `request-start` is what their handler says (the voicemail left), not a start message.
SCRIPTED_TYPES = {VOICEMAIL}
SAID_THEN_ENDED = "assistant-ended-call-after-message-spoken"
_BLOCKING_LIMIT_SECONDS = 15.0  # a filler not heard by then no longer holds the tool up
_TURN_WAIT_SECONDS = 5.0


def register(tool_type: str, handler: Handler) -> None:
    HANDLERS[tool_type] = handler


class ToolDispatcher:
    """Registers a handler for each function the assistant offers and runs the calls."""

    def __init__(
        self,
        assistant: dict[str, Any],
        conversation: Conversation,
        end_after_speaking: EndAfterSpeaking,
        switch: Switch | None = None,
        phone: Phone | None = None,
    ) -> None:
        self._assistant, self._conversation = assistant, conversation
        self._switch, self._phone = switch, phone
        self._end = end_after_speaking
        self._tools = {
            name: tool
            for name, (tool, _schema) in offered(assistant).items()
            if str(tool.get("type")) in HANDLERS
        }
        self._turns: dict[str, asyncio.Future[tuple[Turn, asyncio.Event]]] = {}
        self._spoken = asyncio.Event()
        self._built: Built | None = None
        self._llm: LLMService[Any] | None = None
        self._language = tool_messages.language(assistant)

    def attach(self, built: Built, llm: LLMService[Any] | None = None) -> None:
        """Registers the functions on `llm`: the assistant's own service (a squad's call has
        one per assistant), by default the first."""
        self._built = built
        self._llm = llm or built.llm
        for name in self._tools:
            self._llm.register_function(name, self._run)
        if self._tools:
            self._llm.event_handler("on_function_calls_started")(self._started)
            built.aggregators.assistant().event_handler("on_assistant_turn_stopped")(self._heard)

    async def say(self, text: str) -> None:
        if text.strip() and self._llm is not None:
            await self._llm.push_frame(TTSSpeakFrame(text))

    def _text(self, message: dict[str, Any]) -> str:
        """A tool message's words in the call's language, with the call's variables as they
        are now (§2.3)."""
        return tool_messages.rendered_text(
            message, self._language, self._conversation.variable_values
        )

    async def _heard(self, _aggregator: Any, _message: Any) -> None:
        self._spoken.set()

    def _turn(self, call_id: str) -> asyncio.Future[tuple[Turn, asyncio.Event]]:
        """Where a call's turn is handed from the announcement to its handler. A settled one is
        stale (some models reuse call ids from turn to turn) and is replaced."""
        found = self._turns.get(call_id)
        if found is None or found.done():
            found = self._turns[call_id] = asyncio.get_running_loop().create_future()
        return found

    async def _started(self, _llm: Any, function_calls: list[FunctionCallFromLLM]) -> None:
        """A model turn's calls (pipecat announces them before running any handler)."""
        calls = [
            ToolCall(
                f.tool_call_id, f.function_name, dict(f.arguments), self._tools[f.function_name]
            )
            for f in function_calls
            if f.function_name in self._tools
        ]
        if not calls:
            return
        turn, ready = Turn(calls), asyncio.Event()
        self._conversation.tool_calls(
            [{"id": c.id, "type": "function",
              "function": {"name": c.name, "arguments": c.arguments_json()}} for c in calls]
        )  # fmt: skip
        for call in calls:
            self._turn(call.id).set_result((turn, ready))
        try:
            await self._request_start(calls)
        finally:
            ready.set()

    async def _request_start(self, calls: list[ToolCall]) -> None:
        texts, blocking, filler = [], False, False
        for call in calls:
            if call.tool.get("type") in SCRIPTED_TYPES:
                continue
            found = tool_messages.find(call.tool, "request-start", call.arguments)
            for message in found:
                texts.append(self._text(message))
                blocking = blocking or message.get("blocking") is True
            if not found and not tool_messages.configures(call.tool, "request-start"):
                filler = filler or await self._waits(call)
        if not texts and filler:
            texts.append(tool_messages.default_filler())
        said = [t for t in texts if t.strip()]
        if not said:
            return
        self._spoken.clear()
        for text in said:
            await self.say(text)
        if blocking:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._spoken.wait(), _BLOCKING_LIMIT_SECONDS)

    async def _waits(self, call: ToolCall) -> bool:
        """Whether the caller will wait on this call (it gets a default filler): not an async
        tool, nor a client-side one (a function with no server anywhere)."""
        if call.tool.get("type") not in FILLER_TYPES or call.tool.get("async") is True:
            return False
        if call.tool.get("type") != "function":
            return True
        server = call.tool.get("server")
        return await self._conversation.server.has_server(
            server if isinstance(server, dict) else None
        )

    async def _delayed(self, call: ToolCall) -> None:
        """`request-response-delayed` messages, each at its time, while the handler runs."""
        found = tool_messages.find(call.tool, "request-response-delayed", call.arguments)
        timed = sorted(found, key=lambda m: float(m.get("timingMilliseconds") or 1000))
        waited = 0.0
        for message in timed:
            at = float(message.get("timingMilliseconds") or 1000) / 1000
            await asyncio.sleep(max(0.0, at - waited))
            waited = at
            await self.say(self._text(message))

    async def _run(self, params: FunctionCallParams) -> None:
        announced = self._turns.get(params.tool_call_id)
        if announced is None:  # the handler came first: wait for the announcement
            announced = self._turn(params.tool_call_id)
        try:
            turn, ready = await asyncio.wait_for(asyncio.shield(announced), _TURN_WAIT_SECONDS)
            self._turns.pop(params.tool_call_id, None)
        except TimeoutError:  # not announced (should not happen): a turn of its own
            tool = self._tools[params.function_name]
            call = ToolCall(params.tool_call_id, params.function_name, dict(params.arguments), tool)
            turn, ready = Turn([call]), asyncio.Event()
            ready.set()
        call = next(c for c in turn.calls if c.id == params.tool_call_id)
        await ready.wait()
        context = ToolContext(
            call,
            turn,
            self._conversation,
            self._assistant,
            self.say,
            self._end,
            self._switch,
            self._phone,
        )
        delayed = asyncio.create_task(self._delayed(call))
        try:
            outcome = await HANDLERS[str(call.tool.get("type"))](call.tool, call.arguments, context)
        except Exception as error:
            logger.exception(f"tool {call.name} failed")
            outcome = Outcome(error=f"The tool failed: {error}")
        finally:
            delayed.cancel()
        await self._settle(params, turn, call, outcome)

    def _message(self, call: ToolCall, outcome: Outcome) -> dict[str, Any] | None:
        if not outcome.speaks:
            return None
        kind = "request-failed" if outcome.error is not None else "request-complete"
        if outcome.message is not None and outcome.message.get("type", kind) == kind:
            return outcome.message
        found = tool_messages.find(call.tool, kind, call.arguments)
        return found[0] if found else None

    async def _settle(
        self, params: FunctionCallParams, turn: Turn, call: ToolCall, outcome: Outcome
    ) -> None:
        # An empty result would read to pipecat as none, and no LLM turn would follow.
        text = outcome.text or "Done."
        self._conversation.tool_result(call.id, call.name, text, error=outcome.error is not None)
        message = self._message(call, outcome)
        spoken = self._text(message) if message else ""
        wants_llm = outcome.run_llm is not False
        if message is not None and message.get("role") == "system":
            if spoken.strip():  # a hint for the LLM's next turn, not speech
                params.context.add_message({"role": "system", "content": spoken})
            spoken = ""
        elif message is not None:
            wants_llm = False  # what to say has been said: no new LLM turn (§7.2.4)
        # pipecat would run the LLM after the turn's last result whatever the others wanted:
        # the turn decides instead, once.
        run_llm = turn.settle(wants_llm=wants_llm, forbids_llm=outcome.run_llm is False)
        # `after` waits for the result to be in the context: a switch of assistants carries
        # the history with the call that asked for it.
        properties = FunctionCallResultProperties(run_llm=run_llm, on_context_updated=outcome.after)
        await params.result_callback(text, properties=properties)
        if message is not None and message.get("endCallAfterSpokenEnabled") is True:
            await self._end(SAID_THEN_ENDED, spoken or None)
        elif spoken:
            await self.say(spoken)
