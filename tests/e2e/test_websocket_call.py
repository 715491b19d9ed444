"""A websocket call that talks, offline: espeak greets, faster-whisper hears, a fake LLM answers.

Everything runs on loopback: the voxgate server, the OpenAI-compatible fake, and the caller.
"""

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from difflib import SequenceMatcher
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from pipecat.audio.utils import create_file_resampler, pcm_to_ulaw
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.e2e.caller import Caller, fixture_pcm, loudness, seconds, ulaw_to_pcm
from tests.e2e.conftest import REPLY
from tests.e2e.fake_llm import FakeLLM
from tests.support.reference import assert_matches
from tests.support.server import LiveServer

pytestmark = pytest.mark.db

GREETING = "Hello, this is the front desk. How can I help?"
PROMPT = "You are the front desk of a small hotel. Answer in one sentence."
POLICY_VIOLATION = 1008


def fake_model(llm: FakeLLM, **fields: Any) -> dict[str, Any]:
    """A `custom-llm` model answered by the fake LLM."""
    url = f"{llm.url}/chat/completions"  # type: ignore[attr-defined]
    return {"provider": "custom-llm", "model": "fake-model", "url": url, **fields}


async def new_call(
    client: httpx.AsyncClient,
    llm: FakeLLM,
    audio_format: dict[str, Any] | None = None,
    call_fields: dict[str, Any] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A websocket call of the front-desk assistant with these assistant `fields`; `call_fields`
    go on the call itself (`assistantOverrides`, `customer`…)."""
    assistant = {
        "name": "Front desk",
        "firstMessage": GREETING,
        "model": fake_model(llm, messages=[{"role": "system", "content": PROMPT}]),
        **fields,
    }
    created = await client.post("/assistant", json=assistant)
    assert created.status_code == 201, created.text
    transport = {"provider": "vapi.websocket"}
    if audio_format:
        transport["audioFormat"] = audio_format
    body = {"assistantId": created.json()["id"], "transport": transport, **(call_fields or {})}
    response = await client.post("/call", json=body)
    assert response.status_code == 201, response.text
    call: dict[str, Any] = response.json()
    return call


def socket_url(server: LiveServer, call: dict[str, Any]) -> str:
    # The record names the public URL; the path is what the test server serves.
    path = urlparse(call["transport"]["websocketCallUrl"]).path
    return server.url.replace("http://", "ws://") + path


@asynccontextmanager
async def dial(url: str, **kwargs: Any) -> AsyncIterator[Caller]:
    async with connect(url, **kwargs) as ws:
        caller = Caller(ws)
        reader = asyncio.create_task(caller.read())
        try:
            yield caller
        finally:
            await ws.close()
            await reader


async def ended(client: httpx.AsyncClient, call_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        call: dict[str, Any] = (await client.get(f"/call/{call_id}")).json()
        if call["status"] == "ended":
            return call
        await asyncio.sleep(0.1)
    raise AssertionError("the call never ended")


async def test_greeting_is_spoken_and_hanging_up_ends_the_call(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    call = await new_call(client, llm)
    connected = time.monotonic()
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        first = caller.first_audio_after(connected)
        greeting = caller.audio_since(connected)
        statuses = caller.of_type("status-update")
    assert first is not None
    print(f"\ngreeting: first audio {first - connected:.3f} s after connect")
    # espeak says the greeting in about 3 s; it must be speech, not silence.
    assert 1.5 < seconds(greeting) < 8, seconds(greeting)
    assert loudness(greeting) > 300
    assert statuses[0]["status"] == "in-progress"

    stored = await ended(client, call["id"])
    assert_matches(stored, "Call")
    assert stored["endedReason"] == "customer-ended-call"
    assert stored["startedAt"] <= stored["endedAt"]
    assert llm.requests == []  # greeting the caller needs no LLM


async def test_a_turn_is_heard_answered_and_recorded(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    call = await new_call(client, llm)
    utterance = fixture_pcm("weather-today.wav")
    async with dial(socket_url(live_server, call)) as caller:
        await caller.greeted()
        await caller.quiet()
        await caller.speak(utterance)
        spoke = time.monotonic()
        # A microphone keeps sending: silence until the answer has been heard.
        silence = b"\x00" * 640
        while caller.first_audio_after(spoke) is None and time.monotonic() - spoke < 10:
            await caller.speak(silence)
        await caller.quiet()
        answer_at = caller.first_audio_after(spoke)
        answer = caller.audio_since(spoke)
        transcripts = caller.of_type("transcript")
        updates = caller.of_type("conversation-update")
        speech = [(m["role"], m["status"], m["turn"]) for m in caller.of_type("speech-update")]
    assert answer_at is not None, "no reply audio"
    print(f"\nturn: first reply audio {answer_at - spoke:.3f} s after the caller stopped")
    assert seconds(answer) > 1 and loudness(answer) > 300

    heard = next(m["transcript"] for m in transcripts if m["role"] == "user")
    assert SequenceMatcher(None, heard.lower(), "what is the weather like today?").ratio() > 0.7
    assert speech == [
        ("assistant", "started", 0),
        ("assistant", "stopped", 0),
        ("user", "started", 1),
        ("user", "stopped", 1),
        ("assistant", "started", 1),
        ("assistant", "stopped", 1),
    ]
    sent = llm.requests[0]["messages"]
    assert sent[0] == {"role": "system", "content": PROMPT}
    assert "weather" in sent[-1]["content"].lower() and sent[-1]["role"] == "user"
    assert updates and updates[-1]["messagesOpenAIFormatted"][-1]["content"] == REPLY

    stored = await ended(client, call["id"])
    assert_matches(stored, "Call")
    messages = stored["artifact"]["messages"]
    assert [m["role"] for m in messages] == ["system", "bot", "user", "bot"]
    assert messages[1]["message"] == GREETING and messages[3]["message"] == REPLY
    assert all(m["secondsFromStart"] >= 0 and m["time"] > 0 for m in messages)
    assert stored["artifact"]["transcript"] == f"AI: {GREETING}\nUser: {heard}\nAI: {REPLY}"


async def test_a_second_connection_is_refused(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    call = await new_call(client, llm)
    url = socket_url(live_server, call)
    async with dial(url) as first:
        await first.quiet()
        async with dial(url) as second:
            await asyncio.wait_for(second.closed.wait(), 5)
        assert second.close_code == POLICY_VIOLATION
        assert not first.closed.is_set()
    stored = await ended(client, call["id"])
    assert stored["endedReason"] == "customer-ended-call"


async def test_an_ended_call_cannot_be_joined_again(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    call = await new_call(client, llm)
    url = socket_url(live_server, call)
    async with dial(url) as caller:
        await caller.quiet()
    await ended(client, call["id"])
    async with dial(url) as again:
        await asyncio.wait_for(again.closed.wait(), 5)
    assert again.close_code == POLICY_VIOLATION


async def test_an_unknown_call_is_refused(live_server: LiveServer) -> None:
    url = f"{live_server.url.replace('http://', 'ws://')}/call/{'0' * 8}-0000-4000-8000-{'0' * 12}"
    async with dial(url + "/transport") as caller:
        await asyncio.wait_for(caller.closed.wait(), 5)
    assert caller.close_code == POLICY_VIOLATION


async def test_a_bearer_key_of_the_call_org_is_accepted_and_another_refused(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, api_key: str, other_key: str
) -> None:
    call = await new_call(client, llm)
    url = socket_url(live_server, call)
    wrong = {"Authorization": f"Bearer {other_key}"}
    async with dial(url, additional_headers=wrong) as refused:
        await asyncio.wait_for(refused.closed.wait(), 5)
    assert refused.close_code == POLICY_VIOLATION
    right = {"Authorization": f"Bearer {api_key}"}
    async with dial(url, additional_headers=right) as caller:
        await caller.quiet()
        assert caller.audio


async def test_a_mulaw_8_khz_call_talks_mulaw(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    telephony = {"format": "mulaw", "container": "raw", "sampleRate": 8000}
    call = await new_call(client, llm, telephony)
    utterance = await pcm_to_ulaw(
        fixture_pcm("weather-today.wav"), 16000, 8000, create_file_resampler()
    )
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        greeting = ulaw_to_pcm(caller.audio_since(0))
        await caller.speak(utterance, bytes_per_second=8000)
        spoke = time.monotonic()
        while caller.first_audio_after(spoke) is None and time.monotonic() - spoke < 10:
            await caller.speak(b"\xff" * 160, bytes_per_second=8000)  # mu-law silence
        await caller.quiet()
        transcripts = caller.of_type("transcript")
    assert 1.5 < seconds(greeting, rate=8000) < 8 and loudness(greeting) > 300
    heard = next(m["transcript"] for m in transcripts if m["role"] == "user")
    assert SequenceMatcher(None, heard.lower(), "what is the weather like today?").ratio() > 0.7


async def test_an_end_call_message_hangs_up(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    call = await new_call(client, llm)
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        await caller.ws.send(json.dumps({"type": "end-call"}))
        await asyncio.wait_for(caller.closed.wait(), 5)
    assert caller.close_code == 1000
    assert caller.of_type("status-update")[-1] == {
        "type": "status-update",
        "status": "ended",
        "endedReason": "customer-ended-call",
        "timestamp": caller.of_type("status-update")[-1]["timestamp"],
    }
    assert (await ended(client, call["id"]))["endedReason"] == "customer-ended-call"


async def talk_over_greeting(caller: Caller) -> float:
    """Starts speaking half a second into the greeting, for one second; returns when."""
    while not caller.audio:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.5)
    talking = time.monotonic()
    await caller.speak(fixture_pcm("weather-today.wav")[: 16000 * 2])  # its first second
    return talking


async def interruptions(caller: Caller, within: float) -> list[float]:
    """When the server sent `user-interrupted`, waiting up to `within` s for the first."""
    deadline = time.monotonic() + within
    while True:
        found = [at for at, m in caller.messages if m.get("type") == "user-interrupted"]
        if found or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.05)


async def test_the_first_message_is_not_interrupted_by_default(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    call = await new_call(client, llm)
    async with dial(socket_url(live_server, call)) as caller:
        await talk_over_greeting(caller)
        await caller.quiet(gap=1.0)
        greeting = caller.audio_since(0)
    assert seconds(greeting) > 2.5  # all of it (about 3 s)
    assert caller.of_type("user-interrupted") == []


async def test_barge_in_cuts_the_assistant_off_when_enabled(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    call = await new_call(client, llm, firstMessageInterruptionsEnabled=True)
    async with dial(socket_url(live_server, call)) as caller:
        talking = await talk_over_greeting(caller)
        # The caller's voice is heard after the VAD's start window, later on a loaded machine.
        interrupted = await interruptions(caller, within=2.0)
        assert interrupted, "no user-interrupted message"
        await asyncio.sleep(0.5)
        after = [chunk for at, chunk in caller.audio if at > interrupted[0] + 0.1]
        before = [chunk for at, chunk in caller.audio if at <= interrupted[0]]
    print(f"\nbarge-in: user-interrupted {interrupted[0] - talking:.3f} s after the caller spoke")
    assert before, "the greeting had not started"
    assert seconds(b"".join(after)) < 0.3  # the rest of the greeting was dropped


async def test_an_llm_that_fails_ends_the_call_with_its_pipeline_error(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    llm.status = 500
    call = await new_call(client, llm)
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        # The call may end while the caller is still talking.
        with contextlib.suppress(ConnectionClosed):
            await caller.speak(fixture_pcm("weather-today.wav"))
        await caller.silence_until_closed(limit=20)
    assert caller.closed.is_set(), "the call did not end"
    assert caller.close_code == 1000
    assert caller.of_type("status-update")[-1]["endedReason"] == (
        "pipeline-error-custom-llm-llm-failed"
    )
    stored = await ended(client, call["id"])
    assert stored["endedReason"] == "pipeline-error-custom-llm-llm-failed"
    assert len(llm.requests) >= 1


async def test_say_speaks_verbatim_and_add_message_gets_an_answer(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    call = await new_call(client, llm)
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        said = time.monotonic()
        await caller.ws.send(json.dumps({"type": "say", "content": "Your room is ready."}))
        await caller.quiet(after=said)
        spoken = caller.audio_since(said)
        asked = time.monotonic()
        question = {"role": "user", "content": "When is breakfast?"}
        await caller.ws.send(json.dumps({"type": "add-message", "message": question}))
        await caller.quiet(after=asked)
        answer = caller.audio_since(asked)
    assert seconds(spoken) > 0.8 and loudness(spoken) > 300
    assert seconds(answer) > 1 and loudness(answer) > 300
    assert llm.requests[0]["messages"][-1] == question
    stored = await ended(client, call["id"])
    bot = [m["message"] for m in stored["artifact"]["messages"] if m["role"] == "bot"]
    assert bot == [GREETING, "Your room is ready.", REPLY]


async def test_max_duration_ends_the_call(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    call = await new_call(client, llm, maxDurationSeconds=10)  # the smallest Vapi allows
    connected = time.monotonic()
    async with dial(socket_url(live_server, call)) as caller:
        await asyncio.wait_for(caller.closed.wait(), 20)
    assert 10 <= time.monotonic() - connected < 13
    assert caller.of_type("status-update")[-1]["endedReason"] == "exceeded-max-duration"
    stored = await ended(client, call["id"])
    assert stored["endedReason"] == "exceeded-max-duration"
    assert stored["artifact"]["messages"][1]["message"] == GREETING
