"""Tool calls without a call: which tool message applies and what it says, what a server's reply
means for each call, and what a settled call hands the LLM and the artifact."""

from dataclasses import dataclass, field
from typing import Any, cast

from pipecat.frames.frames import FunctionCallResultProperties
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.services.llm_service import FunctionCallParams

from voxgate.engine import tool_messages
from voxgate.engine.conversation import Conversation
from voxgate.engine.function_tool import NO_REPLY, NO_RESULT, outcome_of, with_parameters
from voxgate.engine.tool_calls import SAID_THEN_ENDED, ToolDispatcher
from voxgate.engine.tool_types import Outcome, ToolCall, Turn
from voxgate.engine.tools import tools_schema

WEATHER = {"type": "function", "function": {"name": "get_weather"}}


def call(arguments: dict[str, Any] | None = None, **tool: Any) -> ToolCall:
    return ToolCall("call_1", "get_weather", arguments or {}, {**WEATHER, **tool})


def test_a_call_goes_out_with_arguments_as_an_object_and_the_legacy_mirrors() -> None:
    wire = call({"city": "Paris"}).wire()
    assert wire == {
        "id": "call_1", "type": "function",
        "function": {"name": "get_weather", "arguments": {"city": "Paris"}},
        "name": "get_weather", "arguments": {"city": "Paris"},
    }  # fmt: skip


def test_static_parameters_are_merged_into_the_arguments_sent() -> None:
    parameters = [{"key": "caller", "value": "{{ customer.number }}"}, {"key": "units", "value": 2}]
    sent = with_parameters(
        call({"city": "Paris"}, parameters=parameters), {"customer": {"number": "+15550100"}}
    )
    assert sent.arguments == {"city": "Paris", "caller": "+15550100", "units": 2}


def test_function_tools_are_offered_with_their_own_schema_and_unknown_types_are_not() -> None:
    parameters = {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    }
    tools = [
        {"type": "function", "function": {"name": "get_weather", "parameters": parameters}},
        {"type": "sms"},
        {"type": "endCall"},
    ]
    schema = tools_schema({"model": {"tools": tools}})
    assert schema is not None
    [weather, end] = schema.standard_tools
    assert (weather.name, weather.properties, weather.required) == (
        "get_weather", parameters["properties"], ["city"],
    )  # fmt: skip
    assert end.name == "endCall"


def test_messages_apply_when_their_conditions_hold() -> None:
    hot = {"type": "request-start", "content": "Hot!",
           "conditions": [{"param": "degrees", "operator": "gt", "value": "30"}]}  # fmt: skip
    paris = {"type": "request-start", "content": "Paris!",
             "conditions": [{"param": "city", "operator": "eq", "value": "paris"}]}  # fmt: skip
    tool = {"messages": [hot, paris, {"type": "request-complete", "content": "Done."}]}
    assert tool_messages.find(tool, "request-start", {"degrees": 35, "city": "Rome"}) == [hot]
    assert tool_messages.find(tool, "request-start", {"city": "Paris"}) == [paris]
    assert tool_messages.find(tool, "request-start", {"degrees": "warm"}) == []
    assert tool_messages.configures(tool, "request-start")
    assert not tool_messages.configures(tool, "request-failed")


def test_a_message_speaks_the_assistants_language_or_its_content() -> None:
    contents = [{"type": "text", "text": "Un moment.", "language": "fr"},
                {"type": "text", "text": "Einen Moment.", "language": "de"}]  # fmt: skip
    assert tool_messages.text_of({"contents": contents}, "de") == "Einen Moment."
    assert tool_messages.text_of({"contents": contents}, "es") == "Un moment."
    assert tool_messages.text_of({"contents": contents, "content": "One moment."}, "es") == (
        "One moment."
    )
    assistant = {"transcriber": {"provider": "deepgram", "language": "de-DE"}}
    assert tool_messages.language(assistant) == "de"


def test_a_reply_is_matched_to_each_call_by_its_id() -> None:
    reply = {"results": [
        {"toolCallId": "call_0", "result": "not mine"},
        {"toolCallId": "call_1", "result": {"temperature": 21}},
    ]}  # fmt: skip
    assert outcome_of(reply, call()) == Outcome(result='{"temperature": 21}')
    failed = {
        "toolCallId": "call_1",
        "error": "No such city",
        "message": {"type": "request-failed"},
    }
    assert outcome_of({"results": [failed]}, call()) == Outcome(
        error="No such city", message={"type": "request-failed"}
    )
    assert outcome_of({"results": [{"result": "Sunny"}]}, call()).result == "Sunny"


def test_no_reply_or_no_result_is_an_error() -> None:
    assert outcome_of(None, call()).error == NO_REPLY
    assert outcome_of({"results": [{"toolCallId": "call_9", "result": "x"}]}, call()).error == (
        NO_RESULT
    )
    assert outcome_of({"results": [{"toolCallId": "call_1"}]}, call()).error == NO_RESULT
    assert outcome_of({"error": "Server is down"}, call()).error == "Server is down"


class Sink:
    async def send_text(self, text: str) -> None:
        pass


@dataclass
class Ended:
    ends: list[tuple[str, str | None]] = field(default_factory=list)

    async def __call__(self, reason: str, text: str | None) -> None:
        self.ends.append((reason, text))


@dataclass
class Params:
    context: LLMContext = field(default_factory=LLMContext)
    results: list[tuple[Any, FunctionCallResultProperties | None]] = field(default_factory=list)

    async def result_callback(
        self, result: Any, *, properties: FunctionCallResultProperties | None = None
    ) -> None:
        self.results.append((result, properties))


def dispatcher_saying(
    values: dict[str, Any] | None = None, assistant: dict[str, Any] | None = None
) -> tuple[ToolDispatcher, Conversation, Ended, list[str]]:
    """A dispatcher whose speech is written down, over a call with these variables."""
    conversation, ended, said = Conversation(Sink(), None), Ended(), []
    conversation.variable_values = dict(values or {})
    assistant = {"model": {"tools": [WEATHER]}, **(assistant or {})}
    dispatcher = ToolDispatcher(assistant, conversation, ended)

    async def say(text: str) -> None:
        said.append(text)

    dispatcher.say = say  # type: ignore[method-assign]
    return dispatcher, conversation, ended, said


async def settle(
    outcome: Outcome, values: dict[str, Any] | None = None, **tool: Any
) -> tuple[Params, Conversation, Ended, list[str]]:
    dispatcher, conversation, ended, said = dispatcher_saying(values)
    params = Params()
    settled = call(**tool)
    await dispatcher._settle(cast(FunctionCallParams, params), Turn([settled]), settled, outcome)
    return params, conversation, ended, said


async def test_a_result_without_messages_starts_a_new_llm_turn() -> None:
    params, conversation, _ended, said = await settle(Outcome(result="Sunny"))
    [(result, properties)] = params.results
    assert result == "Sunny" and properties is not None and properties.run_llm is True
    assert said == []
    assert conversation.messages[-1]["result"] == "Sunny"


async def test_the_replys_message_comes_before_the_tools_and_replaces_the_llm_turn() -> None:
    own = [{"type": "request-complete", "content": "Done, says the tool."}]
    reply_message = {"type": "request-complete", "content": "Done, says the server."}
    params, _conversation, _ended, said = await settle(
        Outcome(result="ok", message=reply_message), messages=own
    )
    assert said == ["Done, says the server."]
    assert params.results[0][1] is not None and params.results[0][1].run_llm is False
    _params, _conversation, _ended, said = await settle(Outcome(result="ok"), messages=own)
    assert said == ["Done, says the tool."]


async def test_a_system_message_is_a_hint_and_the_llm_still_runs() -> None:
    hint = [{"type": "request-complete", "role": "system", "content": "Tell them it is sunny."}]
    params, _conversation, _ended, said = await settle(Outcome(result="ok"), messages=hint)
    assert said == []
    assert params.context.messages[-1] == {"role": "system", "content": "Tell them it is sunny."}
    assert params.results[0][1] is not None and params.results[0][1].run_llm is True


async def test_an_error_speaks_request_failed_and_can_end_the_call() -> None:
    failed = [{"type": "request-failed", "content": "Sorry.", "endCallAfterSpokenEnabled": True}]
    params, conversation, ended, said = await settle(Outcome(error="boom"), messages=failed)
    assert ended.ends == [(SAID_THEN_ENDED, "Sorry.")] and said == []
    assert params.results[0][0] == "boom"
    assert conversation.messages[-1]["error"] == "boom"
    assert conversation.artifact()["messagesOpenAIFormatted"][-1] == {
        "role": "tool", "tool_call_id": "call_1", "content": "boom",
    }  # fmt: skip


def test_a_turn_runs_the_llm_once_after_its_last_call_if_any_wants_it() -> None:
    two = [call(), call()]
    turn = Turn(two)
    assert turn.settle(wants_llm=True, forbids_llm=False) is False  # one still running
    assert turn.settle(wants_llm=False, forbids_llm=False) is True  # the first one wanted it
    quiet = Turn(two)
    assert not quiet.settle(wants_llm=False, forbids_llm=False)
    assert not quiet.settle(wants_llm=False, forbids_llm=False)
    ending = Turn(two)
    assert not ending.settle(wants_llm=True, forbids_llm=False)
    assert not ending.settle(wants_llm=False, forbids_llm=True)  # endCall: the call is over


CALLER = {"customer": {"number": "+15550100"}, "hotel": "The Grand"}


async def test_start_and_delayed_messages_are_spoken_with_the_calls_variables() -> None:
    german = {"transcriber": {"provider": "deepgram", "language": "de-DE"}}
    dispatcher, _conversation, _ended, said = dispatcher_saying(CALLER, german)
    start = {
        "type": "request-start",
        "content": "Looking up {{ customer.number }}.",
        "contents": [{"type": "text", "language": "de", "text": "Moment, {{ hotel }}."}],
    }
    delayed = {"type": "request-response-delayed", "timingMilliseconds": 0,
               "content": "Still on {{ hotel | upcase }}[{{ nobody }}]."}  # fmt: skip
    weather = call(messages=[start, delayed])
    await dispatcher._request_start([weather])
    await dispatcher._delayed(weather)
    assert said == ["Moment, The Grand.", "Still on THE GRAND[]."]


async def test_a_broken_template_in_a_tool_message_is_said_as_written() -> None:
    dispatcher, _conversation, _ended, said = dispatcher_saying(CALLER)
    start = {"type": "request-start", "content": "Checking {{ hotel | nope }} for {{ customer"}
    await dispatcher._request_start([call(messages=[start])])
    assert said == ["Checking {{ hotel | nope }} for {{ customer"]


async def test_complete_and_failed_messages_use_the_variables_as_they_are_then() -> None:
    done = [{"type": "request-complete", "content": "Booked at {{ hotel }}, ref {{ ref }}."}]
    values = {**CALLER, "ref": "AB12"}  # as an apiRequest tool's extraction adds one mid-call
    _params, _conversation, _ended, said = await settle(Outcome(result="ok"), values, messages=done)
    assert said == ["Booked at The Grand, ref AB12."]
    failed = [{"type": "request-failed", "content": "Sorry {{ customer.number }}.",
               "endCallAfterSpokenEnabled": True}]  # fmt: skip
    _params, _conversation, ended, _said = await settle(Outcome(error="x"), CALLER, messages=failed)
    assert ended.ends == [(SAID_THEN_ENDED, "Sorry +15550100.")]
    hint = [{"type": "request-complete", "role": "system", "content": "Greet {{ hotel }} guests."}]
    params, _conversation, _ended, _said = await settle(Outcome(result="ok"), CALLER, messages=hint)
    assert params.context.messages[-1] == {"role": "system", "content": "Greet The Grand guests."}
