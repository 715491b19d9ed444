"""An `apiRequest` tool in a call: the LLM calls it, voxgate makes the HTTP request itself (the
URL, headers and static fields rendered with the call's variables, the arguments as the body),
the API's answer is the LLM's next input, and `variableExtractionPlan` adds to the call's
variables, which the ended call's `artifact.variableValues` shows."""

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.fake_llm import FakeLLM
from tests.e2e.test_websocket_call import (
    PROMPT,
    dial,
    ended,
    fake_model,
    new_call,
    socket_url,
)
from tests.support.fake_api import FakeApi, fake_api
from tests.support.server import LiveServer

pytestmark = pytest.mark.db
ARGUMENTS = {"product": "beans", "quantity": 2}


@pytest.fixture
def api() -> Iterator[FakeApi]:
    with fake_api() as fake:
        yield fake


def order_tool(api: FakeApi) -> dict[str, Any]:
    return {
        "type": "apiRequest", "name": "createOrder", "description": "Places the caller's order.",
        "method": "POST", "url": api.url + "/accounts/{{ accountId }}/orders",
        "headers": {"type": "object", "properties": {
            "X-Call-Id": {"type": "string", "value": "{{ call.id }}"}}},
        "body": {"type": "object", "required": ["product", "quantity"], "properties": {
            "product": {"type": "string"}, "quantity": {"type": "integer"}}},
        "parameters": [{"key": "channel", "value": "phone"}],
        "variableExtractionPlan": {"aliases": [
            {"key": "orderId", "value": "{{ $.order.id }}"},
            {"key": "orderTotal", "value": "{{ total }}"}]},
        "messages": [{"type": "request-start", "content": ""}],  # no filler: a quieter test
    }  # fmt: skip


def tool_results(request: dict[str, Any]) -> list[str]:
    return [m["content"] for m in request["messages"] if m["role"] == "tool"]


async def test_the_llm_calls_an_api_and_reads_its_answer(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, api: FakeApi
) -> None:
    api.reply = {"order": {"id": "ord_47"}, "total": "$36.00"}
    llm.tool_calls = [("createOrder", ARGUMENTS)]
    prompt = [{"role": "system", "content": PROMPT}]
    model = fake_model(llm, messages=prompt, tools=[order_tool(api)])
    overrides = {"assistantOverrides": {"variableValues": {"accountId": "acct_9"}}}
    call = await new_call(client, llm, call_fields=overrides, model=model)
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        asked = time.monotonic()
        question = {"role": "user", "content": "Two bags of beans, please."}
        await caller.ws.send(json.dumps({"type": "add-message", "message": question}))
        await caller.quiet(after=asked)
    stored = await ended(client, call["id"])

    (seen,) = api.seen
    assert (seen.method, seen.path) == ("POST", "/accounts/acct_9/orders")
    assert seen.headers["x-call-id"] == call["id"]
    assert json.loads(seen.body) == {**ARGUMENTS, "channel": "phone"}

    turns = [r for r in llm.requests if r.get("stream")]
    assert [r["messages"][-1]["role"] for r in turns] == ["user", "tool"]
    # pipecat JSON-encodes every tool result for the context, text included.
    assert [json.loads(r) for r in tool_results(turns[1])] == [json.dumps(api.reply)]

    variables = stored["artifact"]["variableValues"]
    assert variables["orderId"] == "ord_47" and variables["orderTotal"] == "$36.00"
    assert variables["accountId"] == "acct_9"
    results = [m for m in stored["artifact"]["messages"] if m["role"] == "tool_call_result"]
    assert [(r["name"], r["result"]) for r in results] == [("createOrder", json.dumps(api.reply))]
