"""What a call leaves behind: recordings, per-turn latencies and its log, over a real call.

The greeting is espeak's (about 3 s), the caller's words are the fixture's; the recordings must
hold each where it was said, and nothing where nobody spoke.
"""

import io
import json
import time
import wave
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from tests.e2e.caller import Caller, fixture_pcm, loudness, seconds
from tests.e2e.fake_llm import FakeLLM
from tests.e2e.test_websocket_call import dial, ended, new_call, socket_url
from tests.support.reference import assert_matches
from tests.support.server import LiveServer

pytestmark = pytest.mark.db

RECORDINGS = ("mono-recording", "stereo-recording", "customer-recording", "assistant-recording")


def path_of(url: str) -> str:
    return urlparse(url).path


def read_wav(body: bytes) -> tuple[int, int, bytes]:
    with wave.open(io.BytesIO(body)) as file:
        return file.getnchannels(), file.getframerate(), file.readframes(file.getnframes())


def voiced(pcm: bytes, rate: int = 16000, threshold: float = 300) -> list[float]:
    """The start (in s) of each 20 ms stretch of `pcm` loud enough to be speech."""
    step = rate // 50 * 2
    starts = range(0, len(pcm), step)
    return [i / 2 / rate for i in starts if loudness(pcm[i : i + step]) > threshold]


def window(pcm: bytes, start: float, end: float, rate: int = 16000) -> bytes:
    return pcm[int(start * rate) * 2 : int(end * rate) * 2]


def channel(stereo: bytes, which: int) -> bytes:
    samples = memoryview(stereo).cast("h")
    return samples[which::2].tobytes()


async def one_turn(caller: Caller) -> None:
    await caller.quiet()
    await caller.speak(fixture_pcm("weather-today.wav"))
    spoke = time.monotonic()
    while caller.first_audio_after(spoke) is None and time.monotonic() - spoke < 10:
        await caller.speak(b"\x00" * 640)  # a microphone keeps sending silence
    await caller.quiet()


async def test_a_call_leaves_recordings_latencies_and_its_log(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, other_key: str
) -> None:
    call = await new_call(client, llm)
    async with dial(socket_url(live_server, call)) as caller:
        await one_turn(caller)
    stored = await ended(client, call["id"])
    assert_matches(stored, "Call")
    artifact = stored["artifact"]
    recording = artifact["recording"]
    base = f"https://voxgate.test/call/{call['id']}"
    assert artifact["recordingUrl"] == recording["mono"]["combinedUrl"] == f"{base}/mono-recording"
    assert artifact["stereoRecordingUrl"] == recording["stereoUrl"] == f"{base}/stereo-recording"
    assert recording["mono"]["customerUrl"] == f"{base}/customer-recording"
    assert recording["mono"]["assistantUrl"] == f"{base}/assistant-recording"
    assert artifact["logUrl"] == f"{base}/call-logs"

    metrics = artifact["performanceMetrics"]
    assert_matches(metrics, "PerformanceMetrics")
    print(f"\nperformanceMetrics: {json.dumps(metrics)}")
    [turn] = metrics["turnLatencies"]
    parts = ("endpointingLatency", "transcriberLatency", "modelLatency", "voiceLatency")
    assert all(turn[part] > 0 for part in parts), turn
    # The whole turn spans the caller's silence to the first audio out: longer than each part.
    assert all(turn["turnLatency"] > turn[part] for part in parts), turn
    assert metrics["turnLatencyAverage"] == turn["turnLatency"]

    files: dict[str, tuple[int, int, bytes]] = {}
    for name in RECORDINGS:
        response = await client.get(f"/call/{call['id']}/{name}")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "audio/wav"
        files[name] = read_wav(response.content)
    (mono_n, rate, mono) = files["mono-recording"]
    (stereo_n, stereo_rate, stereo) = files["stereo-recording"]
    customer, assistant = files["customer-recording"][2], files["assistant-recording"][2]
    assert (mono_n, stereo_n, stereo_rate) == (1, 2, rate) == (1, 2, 16000)
    assert len(mono) == len(customer) == len(assistant) == len(stereo) // 2
    assert channel(stereo, 0) == customer and channel(stereo, 1) == assistant

    said = seconds(fixture_pcm("weather-today.wav"))
    bot, user = voiced(assistant), voiced(customer)
    print(f"recording {seconds(mono):.2f} s; assistant {bot[0]:.2f}-{bot[-1]:.2f} s, "
          f"customer {user[0]:.2f}-{user[-1]:.2f} s (fixture {said:.2f} s)")  # fmt: skip
    # The greeting opens the call (espeak: about 3 s); the caller speaks once it is over, for
    # no longer than the fixture lasts; the answer follows the caller.
    greeting = [at for at in bot if at < user[0]]
    assert greeting[0] < 0.5 and 2.0 < greeting[-1] < 4.5
    assert user[0] > greeting[-1]
    assert user[-1] - user[0] < said + 0.1 and len(user) * 0.02 > said / 3
    assert bot[-1] > user[-1]
    assert bot[-1] < seconds(mono) < 20
    assert voiced(mono)[0] == bot[0] and any(user[0] <= at <= user[-1] for at in voiced(mono))

    # Silence where nobody spoke: the caller during the greeting, the assistant while the
    # caller spoke.
    assert loudness(window(customer, 0, greeting[-1])) < 20
    assert loudness(window(assistant, user[0], user[-1])) < 20

    logs = await client.get(f"/call/{call['id']}/call-logs")
    assert logs.status_code == 200
    lines = [json.loads(line) for line in logs.text.splitlines()]
    assert len(lines) > 5 and all({"time", "level", "message"} <= set(line) for line in lines)

    async with httpx.AsyncClient(
        base_url=live_server.url, headers={"Authorization": f"Bearer {other_key}"}
    ) as stranger:
        for name in (*RECORDINGS, "call-logs"):
            refused = await stranger.get(f"/call/{call['id']}/{name}")
            assert refused.status_code == 404
            assert refused.json()["statusCode"] == 404


async def test_recording_can_be_turned_off(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    call = await new_call(client, llm, artifactPlan={"recordingEnabled": False})
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
    stored = await ended(client, call["id"])
    artifact = stored["artifact"]
    assert not {"recordingUrl", "stereoRecordingUrl", "recording"} & set(artifact)
    for name in RECORDINGS:
        response = await client.get(f"/call/{call['id']}/{name}")
        assert response.status_code == 404
        assert response.json()["message"] == "Artifact not found"
    assert (await client.get(path_of(artifact["logUrl"]))).status_code == 200


async def test_logging_can_be_turned_off(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    call = await new_call(client, llm, artifactPlan={"loggingEnabled": False})
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
    stored: dict[str, Any] = await ended(client, call["id"])
    assert "logUrl" not in stored["artifact"] and "recordingUrl" in stored["artifact"]
    assert (await client.get(f"/call/{call['id']}/call-logs")).status_code == 404
