"""The assistant's tools at run time (VAPI-BEHAVIOUR §7.2, §7.3): `function` tools answered by the
user's server through one `tool-calls` message per model turn, their messages spoken at their
moments, results fed to the LLM; async and client-side tools; saved tools named by `toolIds`."""

import asyncio
import copy
import json
import threading
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
from voxgate.engine.function_tool import ASYNC_RESULT, CLIENT_RESULT, NO_REPLY
from voxgate.engine.tool_messages import DEFAULT_FILLERS

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


async def test_a_server_that_does_not_answer_in_time_fails_the_call_with_its_messages(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, webhook: FakeWebhook
) -> None:
    llm.tool_calls = [("get_weather", WEATHER)]
    webhook.delay = 4  # longer than the tool server's timeout
    messages = [
        {
            "type": "request-response-delayed",
            "content": "Still checking.",
            "timingMilliseconds": 200,
        },
        {"type": "request-failed", "content": "Sorry, the weather service is down."},
    ]
    server = {"url": webhook.url, "timeoutSeconds": 1}
    tools = [function_tool("get_weather", server, messages=messages)]
    call = await new_call(client, llm, model=fake_model(llm, tools=tools))
    async with dial(socket_url(live_server, call)) as caller:
        asked = await ask(caller, "What is the weather in Paris?")
        await until(lambda: "service is down" in " ".join(said(caller)))
        await caller.quiet(after=asked)

    spoken = " ".join(said(caller)[1:])
    assert any(filler in spoken for filler in DEFAULT_FILLERS)  # no request-start configured
    assert "Still checking." in spoken
    assert len(turns(llm)) == 1  # request-failed was spoken instead of a new LLM turn
    stored = await ended(client, call["id"])
    [result] = [m for m in stored["artifact"]["messages"] if m["role"] == "tool_call_result"]
    assert result["result"] == result["error"] == NO_REPLY
    openai = stored["artifact"]["messagesOpenAIFormatted"]
    assert {"role": "tool", "tool_call_id": "call_fake_1", "content": NO_REPLY} in openai


async def test_async_and_client_side_tools_do_not_hold_the_conversation_up(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, webhook: FakeWebhook
) -> None:
    llm.tool_calls = [("log_interest", WEATHER), ("show_map", {"location": "Paris"})]
    release = threading.Event()  # the webhook answers only once the LLM has moved on

    async def answer(_message: dict[str, Any]) -> dict[str, Any]:
        await asyncio.to_thread(release.wait, 30)
        return {"results": [{"toolCallId": "call_fake_1", "result": "Logged"}]}

    webhook.answers["tool-calls"] = answer
    tools = [function_tool("log_interest", {"url": webhook.url}, **{"async": True})]
    client_tool = function_tool("show_map", None)  # no server anywhere: the client's tool
    overrides = {"assistantOverrides": {"tools:append": [client_tool]}}
    call = await new_call(client, llm, call_fields=overrides, model=fake_model(llm, tools=tools))
    try:
        async with dial(socket_url(live_server, call)) as caller:
            asked = await ask(caller, "Show me Paris.")
            await until(lambda: REPLY in said(caller))
            [received] = await webhook.wait_for("tool-calls")
            release.set()
            await caller.quiet(after=asked)
    finally:
        release.set()

    _first, second = turns(llm)
    assert tool_messages(second) == {
        "call_fake_1": json.dumps(ASYNC_RESULT),
        "call_fake_2": json.dumps(CLIENT_RESULT),
    }
    assert [c["function"]["name"] for c in received.message["toolCallList"]] == ["log_interest"]
    [to_client] = caller.of_type("tool-calls")
    assert_tool_calls_match(to_client, "ClientMessageToolCalls")
    assert [c["name"] for c in to_client["toolCallList"]] == ["show_map"]
    assert to_client["toolCallList"][0]["function"]["arguments"] == {"location": "Paris"}
    assert said(caller) == [GREETING, REPLY]  # async and client tools get no filler


async def test_saved_tools_named_by_tool_ids_run_and_a_reply_message_can_end_the_call(
    client: httpx.AsyncClient,
    live_server: LiveServer,
    llm: FakeLLM,
    webhook: FakeWebhook,
    other_key: str,
) -> None:
    llm.tool_calls = [("book_table", {"location": "Paris"})]
    server = {"url": webhook.url}
    kept = (await client.post("/tool", json=function_tool("book_table", server))).json()
    doomed = (await client.post("/tool", json=function_tool("old_tool", server))).json()
    headers = {"Authorization": f"Bearer {other_key}"}
    async with httpx.AsyncClient(base_url=live_server.url, headers=headers) as other:
        foreign = (await other.post("/tool", json=function_tool("theirs", server))).json()
    for unknown in (foreign["id"], "6f1c2e3a-0000-4000-8000-000000000000"):
        assistant = {"model": fake_model(llm, toolIds=[kept["id"], unknown])}
        body = {"assistant": assistant, "transport": {"provider": "vapi.websocket"}}
        refused = await client.post("/call", json=body)
        assert refused.status_code == 400, refused.text
        assert unknown in str(refused.json()["message"]) and refused.json()["statusCode"] == 400

    goodbye = "Your table is booked. Goodbye."
    complete = {"type": "request-complete", "content": goodbye, "endCallAfterSpokenEnabled": True}
    webhook.answers["tool-calls"] = {
        "results": [{"toolCallId": "call_fake_1", "result": "Booked", "message": complete}]
    }
    model = fake_model(llm, toolIds=[kept["id"], doomed["id"]])
    call = await new_call(client, llm, model=model)
    assert (await client.delete(f"/tool/{doomed['id']}")).status_code == 200
    async with dial(socket_url(live_server, call)) as caller:
        await ask(caller, "A table for two, please.")
        await asyncio.wait_for(caller.closed.wait(), 20)

    [first] = turns(llm)  # the reply's message was spoken instead of a new LLM turn
    assert [t["function"]["name"] for t in first["tools"]] == ["book_table"]  # deleted: skipped
    [received] = webhook.of_type("tool-calls")
    assert received.message["toolWithToolCallList"][0]["id"] == kept["id"]
    assert goodbye in said(caller)
    reason = "assistant-ended-call-after-message-spoken"
    assert caller.of_type("status-update")[-1]["endedReason"] == reason
    stored = await ended(client, call["id"])
    assert stored["endedReason"] == reason
    assert stored["artifact"]["transcript"].endswith(f"AI: {goodbye}")
