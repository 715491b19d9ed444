"""The assistant hanging up by itself: the endCall tool (after endCallMessage), endCallPhrases,
and the caller's silence (silenceTimeoutSeconds)."""

import asyncio
import json
import time

import httpx
import pytest

from tests.e2e.caller import loudness, seconds
from tests.e2e.fake_llm import FakeLLM
from tests.e2e.test_websocket_call import dial, ended, fake_model, new_call, socket_url
from tests.support.reference import assert_matches
from tests.support.server import LiveServer

pytestmark = pytest.mark.db

GOODBYE = "Thank you for calling. Goodbye."


async def test_the_end_call_tool_says_the_end_call_message_and_hangs_up(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    llm.tool_call = "endCall"
    call = await new_call(
        client, llm, model=fake_model(llm, tools=[{"type": "endCall"}]), endCallMessage=GOODBYE
    )
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        asked = time.monotonic()
        question = {"role": "user", "content": "That is all, thanks."}
        await caller.ws.send(json.dumps({"type": "add-message", "message": question}))
        await asyncio.wait_for(caller.closed.wait(), 15)
        goodbye = caller.audio_since(asked)
    assert caller.close_code == 1000
    assert llm.requests[0]["tools"][0]["function"]["name"] == "endCall"
    assert seconds(goodbye) > 1 and loudness(goodbye) > 300  # the goodbye was heard
    turns = [r for r in llm.requests if r.get("stream")]  # not the post-call analysis
    assert len(turns) == 1  # no further LLM turn after the tool
    assert caller.of_type("status-update")[-1]["endedReason"] == "assistant-ended-call"
    stored = await ended(client, call["id"])
    assert_matches(stored, "Call")
    assert stored["endedReason"] == "assistant-ended-call"
    assert stored["artifact"]["transcript"].endswith(f"AI: {GOODBYE}")
    messages = stored["artifact"]["messages"]
    assert [m["role"] for m in messages[-3:]] == ["tool_calls", "tool_call_result", "bot"]
    assert messages[-3]["toolCalls"][0]["function"] == {"name": "endCall", "arguments": "{}"}
    assert messages[-2]["toolCallId"] == messages[-3]["toolCalls"][0]["id"]


async def test_without_the_tool_the_llm_is_offered_no_functions(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    call = await new_call(client, llm)
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        question = {"role": "user", "content": "Hello?"}
        await caller.ws.send(json.dumps({"type": "add-message", "message": question}))
        await caller.quiet(after=caller.audio[-1][0])
    assert "tools" not in llm.requests[0]
    assert (await ended(client, call["id"]))["endedReason"] == "customer-ended-call"


async def test_an_end_call_phrase_in_the_reply_hangs_up_after_it_is_spoken(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    # The fake LLM answers "It is sunny and warm today."
    call = await new_call(client, llm, endCallPhrases=["Sunny AND warm"])
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        asked = time.monotonic()
        question = {"role": "user", "content": "How is the weather?"}
        await caller.ws.send(json.dumps({"type": "add-message", "message": question}))
        await asyncio.wait_for(caller.closed.wait(), 15)
        reply = caller.audio_since(asked)
    assert seconds(reply) > 1 and loudness(reply) > 300
    assert caller.of_type("status-update")[-1]["endedReason"] == "assistant-said-end-call-phrase"
    stored = await ended(client, call["id"])
    assert stored["endedReason"] == "assistant-said-end-call-phrase"
    assert stored["artifact"]["transcript"].endswith("AI: It is sunny and warm today.")


async def test_the_callers_silence_times_out(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    call = await new_call(client, llm, silenceTimeoutSeconds=10)  # the smallest Vapi allows
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet(gap=0.2)
        greeted = caller.audio[-1][0]
        await caller.silence_until_closed(limit=20)
    assert caller.closed.is_set(), "the call did not end"
    assert caller.messages[-1][0] - greeted >= 10  # not before the caller had 10 s to answer
    assert caller.of_type("status-update")[-1]["endedReason"] == "silence-timed-out"
    assert (await ended(client, call["id"]))["endedReason"] == "silence-timed-out"


async def test_say_with_end_call_after_spoken_hangs_up_after_it(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    call = await new_call(client, llm)
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        said = time.monotonic()
        say = {"type": "say", "content": GOODBYE, "endCallAfterSpoken": True}
        await caller.ws.send(json.dumps(say))
        await asyncio.wait_for(caller.closed.wait(), 15)
        goodbye = caller.audio_since(said)
    assert seconds(goodbye) > 1 and loudness(goodbye) > 300
    reason = "assistant-ended-call-after-message-spoken"
    assert caller.of_type("status-update")[-1]["endedReason"] == reason
    stored = await ended(client, call["id"])
    assert stored["endedReason"] == reason
    assert stored["artifact"]["transcript"].endswith(f"AI: {GOODBYE}")
