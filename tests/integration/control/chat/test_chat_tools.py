"""Tools in a chat: the LLM's calls are run (a `function` tool through the user's server, with
the chat in place of a call; an `apiRequest` tool by voxgate itself), the results fed back until
it answers in text, and the calls and results kept in the chat's `output`."""

import copy
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import REPLY
from tests.e2e.fake_llm import FakeLLM
from tests.support.fake_api import FakeApi, fake_api
from tests.support.fake_webhook import FakeWebhook, fake_webhook
from tests.support.reference import assert_matches

pytestmark = pytest.mark.db
WEATHER = {"type": "object", "properties": {"location": {"type": "string"}}}


@pytest.fixture
def webhook() -> Iterator[FakeWebhook]:
    with fake_webhook() as fake:
        yield fake


@pytest.fixture
def api() -> Iterator[FakeApi]:
    with fake_api() as fake:
        yield fake


def assistant(llm: FakeLLM, *tools: dict[str, Any]) -> dict[str, Any]:
    model = {
        "provider": "custom-llm", "model": "fake-model", "url": llm.url,  # type: ignore[attr-defined]
        "messages": [{"role": "system", "content": "You help with the weather."}],
        "tools": list(tools),
    }  # fmt: skip
    return {"name": "Weather", "model": model}


def weather_tool(webhook: FakeWebhook) -> dict[str, Any]:
    function = {"name": "get_weather", "description": "The weather.", "parameters": WEATHER}
    return {"type": "function", "function": function, "server": {"url": webhook.url}}


def answered(message: dict[str, Any]) -> dict[str, Any]:
    call = message["toolCallList"][0]
    return {"results": [{"toolCallId": call["id"], "result": "Sunny, 24 degrees"}]}


def tool_outputs(llm: FakeLLM) -> list[str]:
    last = [r for r in llm.requests if r.get("stream")][-1]
    return [json.loads(m["content"]) for m in last["messages"] if m["role"] == "tool"]


async def test_a_function_tool_is_answered_by_the_server_and_the_chat_goes_on(
    client: httpx.AsyncClient, llm: FakeLLM, webhook: FakeWebhook
) -> None:
    llm.tool_calls = [("get_weather", {"location": "Paris"})]
    webhook.answers["tool-calls"] = answered
    body = {"assistant": assistant(llm, weather_tool(webhook)), "input": "Weather in Paris?"}
    response = await client.post("/chat", json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert_matches(created, "Chat")

    (received,) = webhook.of_type("tool-calls")
    message = received.message
    assert message["chat"]["id"] == created["id"] and "call" not in message
    assert message["toolCallList"][0]["function"]["arguments"] == {"location": "Paris"}
    checked = copy.deepcopy(message)  # Vapi's schema types the arguments as a string (§5.4)
    for call in [
        *checked["toolCallList"],
        *(e["toolCall"] for e in checked["toolWithToolCallList"]),
    ]:
        call["function"]["arguments"] = json.dumps(call["function"]["arguments"])
        for mirror in ("name", "arguments"):
            call.pop(mirror, None)
    assert_matches(checked, "ServerMessageToolCalls")

    assert tool_outputs(llm) == ["Sunny, 24 degrees"]
    call_id = message["toolCallList"][0]["id"]
    assert created["output"] == [
        {"role": "assistant", "tool_calls": [{"id": call_id, "type": "function", "function": {
            "name": "get_weather", "arguments": '{"location": "Paris"}'}}]},
        {"role": "tool", "tool_call_id": call_id, "content": "Sunny, 24 degrees"},
        {"role": "assistant", "content": REPLY},
    ]  # fmt: skip

    # The next chat carries the calls and results to the model.
    llm.tool_calls = []
    follow = await client.post("/chat", json={"previousChatId": created["id"], "input": "Thanks"})
    assert follow.status_code == 201, follow.text
    sent = [r for r in llm.requests if r.get("stream")][-1]["messages"]
    assert [m["role"] for m in sent[-5:]] == ["user", "assistant", "tool", "assistant", "user"]


async def test_an_api_request_tool_is_run_in_a_chat(
    client: httpx.AsyncClient, llm: FakeLLM, api: FakeApi
) -> None:
    api.reply = {"forecast": "rain"}
    tool = {"type": "apiRequest", "name": "forecast", "method": "GET",
            "url": api.url + "/forecast/{{ city }}", "body": WEATHER}  # fmt: skip
    llm.tool_calls = [("forecast", {"location": "Lyon"})]
    overrides = {"variableValues": {"city": "lyon"}}
    body = {"assistant": assistant(llm, tool), "assistantOverrides": overrides, "input": "Rain?"}
    response = await client.post("/chat", json=body)
    assert response.status_code == 201, response.text
    (seen,) = api.seen
    assert (seen.path, seen.query) == ("/forecast/lyon", {"location": "Lyon"})
    assert tool_outputs(llm) == [json.dumps(api.reply)]
    assert response.json()["output"][-1] == {"role": "assistant", "content": REPLY}


async def test_a_streamed_chat_with_a_tool_streams_the_answer_after_it(
    client: httpx.AsyncClient, llm: FakeLLM, webhook: FakeWebhook
) -> None:
    llm.tool_calls = [("get_weather", {"location": "Paris"})]
    webhook.answers["tool-calls"] = answered
    body = {"assistant": assistant(llm, weather_tool(webhook)), "input": "Paris?", "stream": True}
    response = await client.post("/chat", json=body)
    assert response.status_code == 200, response.text
    events = [
        json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: ")
    ]
    assert {e["path"] for e in events} == {"chat.output[2].content"}
    assert "".join(e["delta"] for e in events) == REPLY


async def test_a_function_tool_without_a_server_is_an_error_for_the_model(
    client: httpx.AsyncClient, llm: FakeLLM
) -> None:
    function = {"name": "get_weather", "parameters": WEATHER}
    llm.tool_calls = [("get_weather", {"location": "Paris"})]
    body = {"assistant": assistant(llm, {"type": "function", "function": function}),
            "input": "Paris?"}  # fmt: skip
    response = await client.post("/chat", json=body)
    assert response.status_code == 201, response.text
    (result,) = tool_outputs(llm)
    assert "a chat has none" in result
