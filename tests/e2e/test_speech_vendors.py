"""Calls through the vendors' real protocols: Deepgram hears, ElevenLabs and Cartesia speak, and
a vendor that fails ends the call with Vapi's reason for it. The vendors are fakes on loopback."""

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.e2e.caller import Caller, fixture_pcm, loudness, seconds
from tests.e2e.fake_llm import FakeLLM
from tests.e2e.fake_speech import FakeCartesia, FakeDeepgram, FakeElevenLabs
from tests.e2e.test_websocket_call import GREETING, dial, ended, new_call, socket_url
from tests.support.server import LiveServer

pytestmark = pytest.mark.db

HEARD = "Is breakfast included with my room?"


def _served(fake: Any) -> Iterator[Any]:
    with LiveServer(fake.app) as server:
        fake.url = server.url.replace("http://", "ws://")
        yield fake


@pytest.fixture(scope="module")
def deepgram_server() -> Iterator[FakeDeepgram]:
    yield from _served(FakeDeepgram(HEARD))


@pytest.fixture(scope="module")
def elevenlabs_server() -> Iterator[FakeElevenLabs]:
    yield from _served(FakeElevenLabs())


@pytest.fixture(scope="module")
def cartesia_server() -> Iterator[FakeCartesia]:
    yield from _served(FakeCartesia())


def _vendor(fake: Any, provider: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Points `provider` at the fake (the server reads these when a call starts)."""
    name = provider.upper().replace("-", "_")
    monkeypatch.setenv(f"VOXGATE_{name}_BASE_URL", fake.url)
    monkeypatch.setenv(f"VOXGATE_{name}_API_KEY", f"test-{provider}-key")
    fake.fail = False
    return fake


@pytest.fixture
def deepgram(deepgram_server: FakeDeepgram, monkeypatch: pytest.MonkeyPatch) -> FakeDeepgram:
    deepgram_server.queries.clear()
    result: FakeDeepgram = _vendor(deepgram_server, "deepgram", monkeypatch)
    return result


@pytest.fixture
def elevenlabs(
    elevenlabs_server: FakeElevenLabs, monkeypatch: pytest.MonkeyPatch
) -> FakeElevenLabs:
    elevenlabs_server.spoken.clear()
    elevenlabs_server._failed = False
    result: FakeElevenLabs = _vendor(elevenlabs_server, "11labs", monkeypatch)
    return result


@pytest.fixture
def cartesia(cartesia_server: FakeCartesia, monkeypatch: pytest.MonkeyPatch) -> FakeCartesia:
    cartesia_server.requests.clear()
    result: FakeCartesia = _vendor(cartesia_server, "cartesia", monkeypatch)
    return result


async def speak_until_answered(caller: Caller, limit: float = 15) -> float:
    """Says the weather question, then sends silence until audio comes back (or the call
    ends); returns when the caller stopped speaking."""
    spoke = time.monotonic()
    with contextlib.suppress(ConnectionClosed):  # the call may end while the caller talks
        await caller.speak(fixture_pcm("weather-today.wav"))
        spoke = time.monotonic()
        while caller.first_audio_after(spoke) is None and not caller.closed.is_set():
            if time.monotonic() - spoke > limit:
                raise AssertionError("no answer and the call did not end")
            await caller.speak(b"\x00" * 640)
    return spoke


async def test_deepgram_hears_the_caller_and_the_llm_gets_its_transcript(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, deepgram: FakeDeepgram
) -> None:
    transcriber = {"provider": "deepgram", "model": "nova-3", "language": "en", "smartFormat": True}
    call = await new_call(client, llm, transcriber=transcriber)
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        spoke = await speak_until_answered(caller)
        await caller.quiet(after=spoke)
        transcripts = caller.of_type("transcript")
    query = deepgram.queries[0]
    assert (query["model"], query["language"], query["smart_format"]) == ("nova-3", "en", "true")
    assert (query["encoding"], query["sample_rate"]) == ("linear16", "16000")
    assert deepgram.keys[0] == "Token test-deepgram-key"
    assert llm.requests[0]["messages"][-1] == {"role": "user", "content": HEARD}
    assert [m["transcript"] for m in transcripts if m["role"] == "user"][-1] == HEARD
    stored = await ended(client, call["id"])
    assert [m["message"] for m in stored["artifact"]["messages"] if m["role"] == "user"] == [HEARD]


@pytest.mark.parametrize("provider", ["11labs", "cartesia"])
async def test_a_vendor_voice_speaks_the_greeting(
    client: httpx.AsyncClient,
    live_server: LiveServer,
    llm: FakeLLM,
    elevenlabs: FakeElevenLabs,
    cartesia: FakeCartesia,
    provider: str,
) -> None:
    voice = {"provider": provider, "voiceId": "test-voice", "model": "sonic-2"}
    if provider == "11labs":
        voice |= {"model": "eleven_turbo_v2_5", "stability": 0.5, "similarityBoost": 0.75}
    call = await new_call(client, llm, voice=voice)
    connected = time.monotonic()
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        greeting = caller.audio_since(connected)
    assert 1.5 < seconds(greeting) < 8, seconds(greeting)
    assert loudness(greeting) > 300
    if provider == "11labs":
        assert elevenlabs.spoken == [GREETING]
        assert "model_id=eleven_turbo_v2_5&output_format=pcm_16000" in elevenlabs.urls[-1]
    else:
        spoken = [r for r in cartesia.requests if r.get("transcript")]
        assert "".join(r["transcript"] for r in spoken).strip() == GREETING
        assert spoken[0]["model_id"] == "sonic-2" and spoken[0]["voice"]["id"] == "test-voice"
        assert spoken[0]["output_format"]["sample_rate"] == 16000
        assert cartesia.keys[-1] == "test-cartesia-key"
    stored = await ended(client, call["id"])
    assert stored["endedReason"] == "customer-ended-call"
    assert stored["artifact"]["messages"][1]["message"] == GREETING


@pytest.mark.parametrize(
    ("provider", "reason"),
    [
        ("11labs", "call.in-progress.error-vapifault-eleven-labs-voice-failed"),
        ("cartesia", "call.in-progress.error-vapifault-cartesia-voice-failed"),
    ],
)
async def test_a_voice_that_fails_ends_the_call_with_its_reason(
    client: httpx.AsyncClient,
    live_server: LiveServer,
    llm: FakeLLM,
    elevenlabs: FakeElevenLabs,
    cartesia: FakeCartesia,
    provider: str,
    reason: str,
) -> None:
    (elevenlabs if provider == "11labs" else cartesia).fail = True
    call = await new_call(client, llm, voice={"provider": provider, "voiceId": "test-voice"})
    async with dial(socket_url(live_server, call)) as caller:
        await caller.closed.wait()
    assert caller.close_code == 1000
    assert caller.of_type("status-update")[-1]["endedReason"] == reason
    assert (await ended(client, call["id"]))["endedReason"] == reason


async def test_a_transcriber_that_fails_ends_the_call_with_its_reason(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, deepgram: FakeDeepgram
) -> None:
    deepgram.fail = True
    call = await new_call(client, llm, transcriber={"provider": "deepgram"})
    reason = "call.in-progress.error-vapifault-deepgram-transcriber-failed"
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        await speak_until_answered(caller)
    assert caller.of_type("status-update")[-1]["endedReason"] == reason
    assert (await ended(client, call["id"]))["endedReason"] == reason
    assert llm.requests == []
