"""The voicemail tool over a websocket call: the LLM hears a voicemail greeting and calls the
tool; the assistant leaves its message (the tool's script, else `voicemailMessage`, else none)
and the call ends `voicemail`, with no LLM turn after it."""

import asyncio
import json
import time
from typing import Any

import httpx
import pytest

from tests.e2e.caller import Caller, loudness, seconds
from tests.e2e.fake_llm import FakeLLM
from tests.e2e.test_websocket_call import dial, ended, fake_model, new_call, socket_url
from tests.support.reference import assert_matches
from tests.support.server import LiveServer

pytestmark = pytest.mark.db

GREETING = "You have reached Ann. Please leave a message after the tone."
VARIABLES = {"assistantOverrides": {"variableValues": {"hotel": "the Grand"}}}


async def reach_voicemail(caller: Caller) -> float:
    """The greeting heard, then the machine's own greeting in the conversation; returns when."""
    await caller.quiet()
    reached = time.monotonic()
    greeting = {"role": "user", "content": GREETING}
    await caller.ws.send(json.dumps({"type": "add-message", "message": greeting}))
    await asyncio.wait_for(caller.closed.wait(), 15)
    return reached


def streamed(llm: FakeLLM) -> list[dict[str, Any]]:
    return [r for r in llm.requests if r.get("stream")]  # not the post-call analysis


async def test_the_voicemail_tool_leaves_the_voicemail_message_and_ends_the_call(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    llm.tool_call = "leave_voicemail"
    message = "Hello, this is {{ hotel }} calling about your booking. Please call us back."
    call = await new_call(
        client,
        llm,
        call_fields=VARIABLES,
        model=fake_model(llm, tools=[{"type": "voicemail"}]),
        voicemailMessage=message,
    )
    async with dial(socket_url(live_server, call)) as caller:
        left = caller.audio_since(await reach_voicemail(caller))
    said = "Hello, this is the Grand calling about your booking. Please call us back."
    [offered] = streamed(llm)[0]["tools"]
    assert offered["function"]["name"] == "leave_voicemail"
    assert "voicemail" in offered["function"]["description"]
    assert seconds(left) > 2 and loudness(left) > 300  # the message was heard
    assert len(streamed(llm)) == 1  # no LLM turn after the tool
    assert caller.close_code == 1000
    assert caller.of_type("status-update")[-1]["endedReason"] == "voicemail"
    stored = await ended(client, call["id"])
    assert_matches(stored, "Call")
    assert stored["endedReason"] == "voicemail"
    assert stored["artifact"]["transcript"].endswith(f"AI: {said}")
    messages = stored["artifact"]["messages"]
    assert [m["role"] for m in messages[-3:]] == ["tool_calls", "tool_call_result", "bot"]
    assert messages[-3]["toolCalls"][0]["function"]["name"] == "leave_voicemail"
    assert messages[-1]["message"] == said


async def test_the_tools_own_script_is_left_once_instead_under_its_function_name(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    llm.tool_call = "drop_message"
    script = "Hi, {{ hotel }} here. Your room is ready."
    tool = {
        "type": "voicemail",
        "function": {"name": "drop_message", "description": "On an answering machine."},
        "messages": [{"type": "request-start", "content": script}],
    }
    call = await new_call(
        client,
        llm,
        call_fields=VARIABLES,
        model=fake_model(llm, tools=[tool]),
        voicemailMessage="The assistant's own message, not this time.",
    )
    async with dial(socket_url(live_server, call)) as caller:
        await reach_voicemail(caller)
    offered = streamed(llm)[0]["tools"][0]["function"]
    assert (offered["name"], offered["description"]) == ("drop_message", "On an answering machine.")
    stored = await ended(client, call["id"])
    assert stored["endedReason"] == "voicemail"
    messages = stored["artifact"]["messages"]
    called = next(i for i, m in enumerate(messages) if m["role"] == "tool_calls")
    said = [m["message"] for m in messages[called:] if m["role"] == "bot"]
    # Said once, rendered, as the message: not also as a start message, nor voicemailMessage.
    assert said == ["Hi, the Grand here. Your room is ready."]


async def test_without_a_message_the_call_just_ends_voicemail(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    llm.tool_call = "leave_voicemail"
    call = await new_call(client, llm, model=fake_model(llm, tools=[{"type": "voicemail"}]))
    async with dial(socket_url(live_server, call)) as caller:
        after = caller.audio_since(await reach_voicemail(caller))
    assert loudness(after) < 50  # nothing was said to the machine
    assert caller.of_type("status-update")[-1]["endedReason"] == "voicemail"
    stored = await ended(client, call["id"])
    assert stored["endedReason"] == "voicemail"
    roles = [m["role"] for m in stored["artifact"]["messages"]]
    assert roles[-2:] == ["tool_calls", "tool_call_result"]
