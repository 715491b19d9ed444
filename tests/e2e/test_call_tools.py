"""The assistant's tools at run time (VAPI-BEHAVIOUR §7.2, §7.3): `function` tools answered by the
user's server through one `tool-calls` message per model turn, their messages spoken at their
moments, results fed to the LLM; async and client-side tools; saved tools named by `toolIds`."""

import asyncio
import copy
import json
import time
from typing import Any

import httpx
import pytest

from tests.e2e.caller import Caller, loudness, seconds
from tests.e2e.conftest import REPLY
from tests.e2e.fake_llm import FakeLLM
from tests.e2e.test_websocket_call import GREETING, dial, ended, fake_model, new_call, socket_url
from tests.support.fake_webhook import FakeWebhook, fake_webhook
from tests.support.reference import assert_matches
from tests.support.server import LiveServer

pytestmark = pytest.mark.db

WEATHER = {"location": "Paris", "unit": "celsius"}
PARAMETERS = {
    "type": "object",
    "properties": {"location": {"type": "string"}, "unit": {"type": "string"}},
    "required": ["location"],
}


def function_tool(name: str, server: dict[str, Any] | None, **fields: Any) -> dict[str, Any]:
    function = {"name": name, "description": f"The {name} tool.", "parameters": PARAMETERS}
    return {"type": "function", "function": function, **({"server": server} if server else {}),
            **fields}  # fmt: skip


@pytest.fixture
def webhook() -> Any:
    with fake_webhook() as fake:
        yield fake


async def ask(caller: Caller, text: str) -> float:
    await caller.quiet()
    asked = time.monotonic()
    message = {"type": "add-message", "message": {"role": "user", "content": text}}
    await caller.ws.send(json.dumps(message))
    return asked


async def until(condition: Any, limit: float = 20) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("it never happened")
        await asyncio.sleep(0.05)


def said(caller: Caller) -> list[str]:
    """What the assistant said, as the client's final transcripts."""
    return [m["transcript"] for m in caller.of_type("transcript") if m["role"] == "assistant"]


def turns(llm: FakeLLM) -> list[dict[str, Any]]:
    return [r for r in llm.requests if r.get("stream")]  # not the post-call analysis


def tool_messages(request: dict[str, Any]) -> dict[str, str]:
    return {m["tool_call_id"]: m["content"] for m in request["messages"] if m["role"] == "tool"}


def assert_tool_calls_match(message: dict[str, Any], schema: str) -> None:
    """Vapi's schema types `function.arguments` as a string; §5.4 sends the object that
    webhook handlers read. Everything else is checked as is."""
    checked = copy.deepcopy(message)
    for call in checked["toolCallList"]:
        assert isinstance(call["function"]["arguments"], dict)
        call["function"]["arguments"] = json.dumps(call["function"]["arguments"])
    for entry in checked["toolWithToolCallList"]:
        entry["toolCall"]["function"]["arguments"] = json.dumps(
            entry["toolCall"]["function"]["arguments"]
        )
    assert_matches(checked, schema)


async def test_a_function_tool_is_answered_by_its_server_and_the_llm_speaks_the_result(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, webhook: FakeWebhook
) -> None:
    llm.tool_calls = [("get_weather", WEATHER), ("get_time", {"location": "Paris"})]
    tool_server = {"url": f"{webhook.url}/tools", "headers": {"X-Tool": "t"}, "secret": "tool-s"}
    assistant_server = {"url": webhook.url, "secret": "assistant-s"}
    start = {"type": "request-start", "content": "Let me look that up."}
    tools = [
        function_tool("get_weather", tool_server, messages=[start]),
        function_tool("get_time", tool_server),
    ]
    webhook.answers["tool-calls"] = {
        "results": [
            {"toolCallId": "call_fake_1", "result": "Sunny, 24 degrees"},
            {"toolCallId": "call_fake_2", "result": {"time": "14:05"}},
        ]
    }
    call = await new_call(client, llm, model=fake_model(llm, tools=tools), server=assistant_server)
    async with dial(socket_url(live_server, call)) as caller:
        asked = await ask(caller, "What is the weather in Paris?")
        await until(lambda: REPLY in said(caller))
        await caller.quiet(after=asked)
        heard = caller.audio_since(asked)

    [received] = webhook.of_type("tool-calls")  # one message for the turn's two calls
    assert received.path == "webhook/tools"
    assert received.headers["x-tool"] == "t" and received.headers["x-vapi-secret"] == "tool-s"
    message = received.message
    assert_tool_calls_match(message, "ServerMessageToolCalls")
    weather, time_call = message["toolCallList"]
    assert weather["function"] == {"name": "get_weather", "arguments": WEATHER}
    assert (weather["name"], weather["arguments"]) == ("get_weather", WEATHER)  # §5.4 mirrors
    assert (weather["id"], time_call["id"]) == ("call_fake_1", "call_fake_2")
    entry = message["toolWithToolCallList"][0]
    assert (
        entry["function"]["name"] == "get_weather" and entry["server"]["url"] == tool_server["url"]
    )
    assert entry["toolCall"]["id"] == "call_fake_1"
    assert message["call"]["id"] == call["id"]

    first, second = turns(llm)
    assert [t["function"]["name"] for t in first["tools"]] == ["get_weather", "get_time"]
    results = tool_messages(second)
    assert "Sunny, 24 degrees" in results["call_fake_1"]
    assert json.loads(json.loads(results["call_fake_2"])) == {"time": "14:05"}
    assert said(caller)[1:] == ["Let me look that up.", REPLY]  # request-start, then the answer
    assert seconds(heard) > 2 and loudness(heard) > 300

    stored = await ended(client, call["id"])
    assert_matches(stored, "Call")
    messages = stored["artifact"]["messages"]
    calls = next(m for m in messages if m["role"] == "tool_calls")
    assert [c["function"]["name"] for c in calls["toolCalls"]] == ["get_weather", "get_time"]
    assert json.loads(calls["toolCalls"][0]["function"]["arguments"]) == WEATHER
    stored_results = {m["toolCallId"]: m for m in messages if m["role"] == "tool_call_result"}
    assert stored_results["call_fake_1"]["result"] == "Sunny, 24 degrees"
    assert stored_results["call_fake_2"]["result"] == '{"time": "14:05"}'
    assert stored_results["call_fake_2"]["name"] == "get_time"
    assert messages[-1] == {**messages[-1], "role": "bot", "message": REPLY}
    assert stored["artifact"]["transcript"].startswith(f"AI: {GREETING}")
