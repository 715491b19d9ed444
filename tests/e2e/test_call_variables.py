"""Liquid variables over a real call: the client's `variableValues` and Vapi's built-ins reach
the greeting the caller hears about, the prompt the LLM gets and a tool's spoken messages."""

import json
from typing import Any

import httpx
import pytest

from tests.e2e.fake_llm import FakeLLM
from tests.e2e.test_call_tools import ask, function_tool, said, turns, until
from tests.e2e.test_websocket_call import GREETING, dial, ended, fake_model, new_call, socket_url
from tests.support.fake_webhook import fake_webhook
from tests.support.server import LiveServer

pytestmark = pytest.mark.db


async def test_variables_fill_the_greeting_and_the_prompt(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    prompt = "You work at {{ hotel }}. This is call {{ call.id }} in {{ year }}. [{{ unknown }}]"
    call = await new_call(
        client,
        llm,
        firstMessage="Hello {{ customer.name }}, welcome to {{ hotel }}.",
        model=fake_model(llm, messages=[{"role": "system", "content": prompt}]),
        call_fields={
            "assistantOverrides": {"variableValues": {"hotel": "the Grand"}},
            "customer": {"name": "Ann"},
        },
    )
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        question = {"role": "user", "content": "Who are you?"}
        await caller.ws.send(json.dumps({"type": "add-message", "message": question}))
        await caller.quiet(after=caller.audio[-1][0])
    system = llm.requests[0]["messages"][0]
    assert system["role"] == "system"
    assert system["content"].startswith(f"You work at the Grand. This is call {call['id']} in 20")
    assert system["content"].endswith(". []")  # an unknown variable renders empty

    stored = await ended(client, call["id"])
    greeting = "Hello Ann, welcome to the Grand."
    assert stored["artifact"]["transcript"].startswith(f"AI: {greeting}\n")
    assert stored["artifact"]["messages"][0]["message"] == system["content"]
    assert stored["artifact"]["variableValues"]["hotel"] == "the Grand"
    assert stored["artifact"]["variableValues"]["customer"] == {"name": "Ann"}


async def test_a_broken_template_does_not_stop_the_call(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    call = await new_call(client, llm, firstMessage="Hello {{ customer.name")
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
    stored = await ended(client, call["id"])
    assert stored["endedReason"] == "customer-ended-call"
    assert stored["artifact"]["transcript"] == "AI: Hello {{ customer.name"


async def test_a_tools_messages_are_spoken_with_the_calls_variables(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    llm.tool_calls = [("find_booking", {"location": "Paris"})]
    messages: list[dict[str, Any]] = [
        {"type": "request-start", "content": "Looking up the booking for {{ customer.number }}."},
        {"type": "request-complete", "content": "Your room at {{ hotel }} is ready{{ nobody }}."},
    ]
    with fake_webhook() as webhook:
        webhook.answers["tool-calls"] = {"results": [{"toolCallId": "call_fake_1", "result": "ok"}]}
        tool = function_tool("find_booking", {"url": webhook.url}, messages=messages)
        call = await new_call(
            client,
            llm,
            model=fake_model(llm, tools=[tool]),
            call_fields={
                "assistantOverrides": {"variableValues": {"hotel": "the Grand"}},
                "customer": {"number": "+15550100"},
            },
        )
        async with dial(socket_url(live_server, call)) as caller:
            asked = await ask(caller, "Is my room ready?")
            await until(lambda: any("ready" in text for text in said(caller)))
            await caller.quiet(after=asked)

    start, complete = "Looking up the booking for +15550100.", "Your room at the Grand is ready."
    assert said(caller) == [GREETING, start, complete]  # request-complete replaced the LLM's turn
    assert len(turns(llm)) == 1
    stored = await ended(client, call["id"])
    assert f"AI: {start}" in stored["artifact"]["transcript"]
    assert f"AI: {complete}" in stored["artifact"]["transcript"]
