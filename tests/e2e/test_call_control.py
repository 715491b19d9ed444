"""What the client sees and steers during a call: `model-output` tokens, `control` messages
(mute and unmute either side, say the first message again) and `stopSpeakingPlan.numWords`."""

import asyncio
import json
import time

import httpx
import pytest
from websockets.asyncio.client import ClientConnection

from tests.e2e.caller import Caller, fixture_pcm, loudness, seconds
from tests.e2e.conftest import REPLY
from tests.e2e.fake_llm import FakeLLM
from tests.e2e.test_websocket_call import (
    GREETING,
    dial,
    ended,
    new_call,
    socket_url,
    talk_over_greeting,
)
from tests.support.server import LiveServer

pytestmark = pytest.mark.db


async def control(ws: ClientConnection, what: str) -> None:
    await ws.send(json.dumps({"type": "control", "control": what}))


async def say(caller: Caller, text: str) -> bytes:
    """Asks the assistant to say `text`; returns the audio that came back for it."""
    said = time.monotonic()
    await caller.ws.send(json.dumps({"type": "say", "content": text}))
    await caller.quiet(after=said)
    return caller.audio_since(said)


async def test_model_output_streams_the_llms_tokens(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    call = await new_call(client, llm)
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        question = {"role": "user", "content": "How is the weather?"}
        await caller.ws.send(json.dumps({"type": "add-message", "message": question}))
        await caller.quiet(after=caller.audio[-1][0])
        tokens = caller.of_type("model-output")
    assert len(tokens) == len(REPLY.split(" "))
    assert "".join(t["output"] for t in tokens) == REPLY
    assert len({t["turnId"] for t in tokens}) == 1


async def test_the_assistant_can_be_muted_and_unmuted(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    call = await new_call(client, llm)
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        await control(caller.ws, "mute-assistant")
        muted = await say(caller, "Your room is ready.")
        await control(caller.ws, "unmute-assistant")
        heard = await say(caller, "Your room is ready.")
    assert seconds(muted) > 0.8 and loudness(muted) == 0  # the stream goes on, silent
    assert seconds(heard) > 0.8 and loudness(heard) > 300
    stored = await ended(client, call["id"])
    bot = [m["message"] for m in stored["artifact"]["messages"] if m["role"] == "bot"]
    assert bot == [GREETING, "Your room is ready.", "Your room is ready."]


async def test_say_first_message_says_it_again(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    call = await new_call(client, llm)
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        asked = time.monotonic()
        await control(caller.ws, "say-first-message")
        await caller.quiet(after=asked)
        again = caller.audio_since(asked)
    assert seconds(again) > 1.5 and loudness(again) > 300
    stored = await ended(client, call["id"])
    assert stored["artifact"]["transcript"] == f"AI: {GREETING}\nAI: {GREETING}"


async def test_a_muted_customer_is_not_heard(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    call = await new_call(client, llm)
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        await control(caller.ws, "mute-customer")
        await caller.speak(fixture_pcm("weather-today.wav"))
        await caller.speak(b"\x00" * 640 * 100)  # two seconds for a turn that never comes
        speech = [m["role"] for m in caller.of_type("speech-update")]
        heard = [m for m in caller.of_type("transcript") if m["role"] == "user"]
    assert "user" not in speech
    assert heard == [] and llm.requests == []


async def test_num_words_keeps_a_short_remark_from_interrupting(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    call = await new_call(
        client, llm, firstMessageInterruptionsEnabled=True, stopSpeakingPlan={"numWords": 5}
    )
    async with dial(socket_url(live_server, call)) as caller:
        await talk_over_greeting(caller)  # about two words over the greeting
        await caller.quiet(gap=1.0)
        greeting = caller.audio_since(0)
        await asyncio.sleep(0.5)
    assert seconds(greeting) > 2.5  # all of it: the same remark cuts it off without numWords
    assert caller.of_type("user-interrupted") == []


async def test_after_an_interruption_the_assistant_backs_off(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    plan = {"backoffSeconds": 8}
    call = await new_call(client, llm, firstMessageInterruptionsEnabled=True, stopSpeakingPlan=plan)
    async with dial(socket_url(live_server, call)) as caller:
        while not caller.audio:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.5)
        await caller.speak(fixture_pcm("weather-today.wav"))  # a whole question, over the greeting
        interrupted = next(at for at, m in caller.messages if m.get("type") == "user-interrupted")
        # The cut-off greeting's last chunks may still arrive just after the interruption.
        while caller.first_audio_after(interrupted + 1) is None:
            assert time.monotonic() - interrupted < 20, "no reply"
            await caller.speak(b"\x00" * 640)
        replied = caller.first_audio_after(interrupted + 1)
        heard = [m["transcript"] for m in caller.of_type("transcript") if m["role"] == "user"]
    assert heard and "weather" in heard[0].lower() and llm.requests  # the reply answers it
    # About 3 s after the interruption without a backoff.
    assert replied is not None and replied - interrupted >= 7.8
