"""`voxgate call`, the terminal client, run as a user runs it: the venv's `voxgate` in a
subprocess, against the live test server, the fake LLM and the offline voice. The microphone
path runs in-process, with a soundcard in PortAudio's place (the machine has none).
"""

import asyncio
import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

import httpx
import pytest
import soundfile

from tests.e2e.caller import AUDIO, fixture_pcm, loudness
from tests.e2e.conftest import REPLY
from tests.e2e.fake_llm import FakeLLM
from tests.support.server import LiveServer, free_port
from voxgate.client import call as call_module
from voxgate.client import devices
from voxgate.client.call import Options, place_call
from voxgate.client.session import GAP
from voxgate.client.speech import CHUNK
from voxgate.config import get_settings

pytestmark = pytest.mark.db

VOXGATE = str(Path(sys.executable).parent / "voxgate")
GREETING = "Hello, this is the front desk. How can I help?"


@dataclass
class Run:
    code: int
    out: str
    err: str

    def lines(self, prefix: str) -> list[str]:
        return [
            line.removeprefix(prefix) for line in self.out.splitlines() if line.startswith(prefix)
        ]


async def voxgate_call(*args: str, key: str | None = None) -> Run:
    env = {k: v for k, v in os.environ.items() if k != "VOXGATE_API_KEY"}
    if key is not None:
        env["VOXGATE_API_KEY"] = key
    process = await asyncio.create_subprocess_exec(
        VOXGATE, "call", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return Run(process.returncode, out.decode(), err.decode())


@pytest.fixture
def reachable(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """The server hands out socket URLs on its own address, which the client then opens."""
    monkeypatch.setattr(get_settings(), "public_url", live_server.url)
    return live_server.url


async def front_desk(client: httpx.AsyncClient, llm: FakeLLM) -> str:
    assistant = {
        "name": "Front desk",
        "firstMessage": GREETING,
        "model": {
            "provider": "custom-llm",
            "model": "fake-model",
            "url": f"{llm.url}/chat/completions",  # type: ignore[attr-defined]
        },
    }
    created = await client.post("/assistant", json=assistant)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def similar(heard: str, said: str) -> float:
    return SequenceMatcher(None, heard.lower().strip(" .?!"), said.lower()).ratio()


async def test_a_wav_is_heard_the_transcript_printed_and_the_reply_kept(
    client: httpx.AsyncClient, reachable: str, api_key: str, llm: FakeLLM, tmp_path: Path
) -> None:
    assistant_id = await front_desk(client, llm)
    reply = tmp_path / "reply.wav"
    wav = str(AUDIO / "weather-today.wav")
    run = await voxgate_call(
        assistant_id, "--url", reachable, "--wav", wav, "--out", str(reply), key=api_key
    )

    assert run.code == 0, run.err
    assert run.lines("AI: ") == [GREETING, REPLY], run.out
    [heard] = run.lines("You: ")
    assert similar(heard, "what is the weather like today") > 0.7, heard
    assert run.lines("call ended: ") == ["customer-ended-call"]
    # The greeting and the answer, as espeak says them: several seconds of speech.
    samples, rate = soundfile.read(reply, dtype="int16")
    assert rate == 16000 and samples.ndim == 1
    assert 3 < len(samples) / rate < 20, len(samples) / rate
    assert loudness(samples.tobytes()) > 300
    [call] = (await client.get("/call")).json()
    assert (call["status"], call["endedReason"]) == ("ended", "customer-ended-call")


async def test_said_text_reaches_the_model(
    client: httpx.AsyncClient, reachable: str, api_key: str, llm: FakeLLM
) -> None:
    assistant_id = await front_desk(client, llm)
    run = await voxgate_call(
        assistant_id, "--url", reachable, "--say", "what is the weather today", "--api-key", api_key
    )
    assert run.code == 0, run.err
    asked = llm.requests[0]["messages"][-1]
    assert asked["role"] == "user"
    assert similar(asked["content"], "what is the weather today") > 0.7, asked
    assert run.lines("AI: ")[-1] == REPLY


async def test_a_wrong_key_prints_the_servers_401(
    anonymous: httpx.AsyncClient, reachable: str
) -> None:
    refused = await anonymous.post("/call", headers={"Authorization": "Bearer nope"}, json={})
    assert refused.status_code == 401
    run = await voxgate_call(str(uuid.uuid4()), "--url", reachable, "--say", "hi", key="nope")
    assert run.code != 0
    assert f"HTTP 401: {refused.json()['message']}" in run.err
    assert run.out == ""


async def test_an_unknown_assistant_prints_the_servers_400(
    client: httpx.AsyncClient, reachable: str, api_key: str
) -> None:
    missing = str(uuid.uuid4())
    run = await voxgate_call(missing, "--url", reachable, "--say", "hi", "--api-key", api_key)
    assert run.code != 0
    assert "HTTP 400: Couldn't Get Assistant." in run.err and missing in run.err, run.err
    assert (await client.get("/call")).json() == []


async def test_no_server_is_a_clear_error(api_key: str) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    run = await voxgate_call(str(uuid.uuid4()), "--url", nowhere, "--say", "hi", key=api_key)
    assert run.code != 0
    assert f"error: cannot reach {nowhere}" in run.err, run.err


async def test_stay_keeps_the_line_open_until_ctrl_c_hangs_up(
    client: httpx.AsyncClient, reachable: str, api_key: str, llm: FakeLLM
) -> None:
    assistant_id = await front_desk(client, llm)
    env = {**os.environ, "VOXGATE_API_KEY": api_key}
    args = [assistant_id, "--url", reachable, "--say", "what is the weather today", "--stay"]
    process = await asyncio.create_subprocess_exec(
        VOXGATE,
        "call",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    printed: list[str] = []
    while f"AI: {REPLY}" not in printed:  # the answer: --stay must not hang up after it
        line = await asyncio.wait_for(process.stdout.readline(), 60)
        assert line, f"the client stopped early: {printed}"
        printed.append(line.decode().rstrip("\n"))
    # Without --stay the client would hang up once the reply has been quiet for GAP seconds.
    await asyncio.sleep(2 * GAP)
    assert process.returncode is None
    [call] = (await client.get("/call")).json()
    assert call["status"] == "in-progress"
    process.send_signal(signal.SIGINT)
    rest, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0
    assert "call ended: customer-ended-call" in rest.decode().splitlines()
    [call] = (await client.get("/call")).json()
    assert (call["status"], call["endedReason"]) == ("ended", "customer-ended-call")


async def test_a_call_the_assistant_ends_in_error_exits_non_zero(
    client: httpx.AsyncClient, reachable: str, api_key: str, llm: FakeLLM
) -> None:
    llm.status = 500
    # No greeting: on a loaded machine one may start later than the client waits for it, and
    # the client would then hang up on its tail instead of waiting for the failing reply.
    assistant_id = await front_desk(client, llm)
    patched = await client.patch(f"/assistant/{assistant_id}", json={"firstMessage": None})
    assert patched.status_code == 200 and "firstMessage" not in patched.json()
    run = await voxgate_call(assistant_id, "--url", reachable, "--say", "hello there", key=api_key)
    assert run.code != 0
    reason = "pipeline-error-custom-llm-llm-failed"
    assert run.lines("call ended: ") == [reason]
    assert f"error: the call ended with {reason}" in run.err


async def test_a_socket_url_that_cannot_be_reached_is_a_clear_error(
    client: httpx.AsyncClient, live_server: LiveServer, api_key: str, llm: FakeLLM
) -> None:
    # Without `reachable`, the server hands out its configured public URL, wss://voxgate.test.
    assistant_id = await front_desk(client, llm)
    run = await voxgate_call(assistant_id, "--url", live_server.url, "--say", "hi", key=api_key)
    assert run.code != 0
    assert "error: cannot open the call's socket wss://voxgate.test/call/" in run.err, run.err


class Soundcard:
    """PortAudio's place, for the microphone path: a person who speaks `speech` once they have
    heard the greeting, and a speaker that keeps what it plays. Callbacks come from threads, as
    PortAudio's do."""

    def __init__(self, speech: bytes) -> None:
        self.speech, self.played = speech, bytearray()
        self.greeted, self.stopped = threading.Event(), threading.Event()
        self.closed = 0
        self.PortAudioError = RuntimeError
        card = self

        class Stream:
            def __init__(self, callback: Callable[..., None], **_: object) -> None:
                self.callback = callback

            def start(self) -> None:
                threading.Thread(target=self.run, daemon=True).start()

            def stop(self) -> None:
                card.stopped.set()

            def close(self) -> None:
                card.closed += 1

        class RawInputStream(Stream):
            def run(self) -> None:
                spoken = False
                while not card.stopped.wait(0.02):
                    if card.greeted.is_set() and not spoken:
                        for start in range(0, len(card.speech), CHUNK):
                            self.callback(card.speech[start : start + CHUNK], 320, None, None)
                            time.sleep(0.02)
                        spoken = True
                    self.callback(bytes(CHUNK), 320, None, None)

        class RawOutputStream(Stream):
            def run(self) -> None:
                while not card.stopped.wait(0.02):
                    out = bytearray(CHUNK)
                    self.callback(out, 320, None, None)
                    card.played.extend(out)

        self.RawInputStream, self.RawOutputStream = RawInputStream, RawOutputStream


async def test_the_microphone_is_heard_and_the_reply_played(
    client: httpx.AsyncClient,
    reachable: str,
    api_key: str,
    llm: FakeLLM,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assistant_id = await front_desk(client, llm)
    card = Soundcard(fixture_pcm("weather-today.wav"))
    monkeypatch.setattr(devices, "sounddevice", lambda: card)
    printed: list[str] = []

    def echo(line: str) -> None:
        printed.append(line)
        if line == f"AI: {GREETING}":
            card.greeted.set()
        if line == f"AI: {REPLY}":  # heard the answer: Ctrl-C
            assert signal.getsignal(signal.SIGINT) is not signal.default_int_handler
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(call_module, "echo", echo)
    await asyncio.wait_for(place_call(Options(assistant_id, reachable, api_key)), 60)

    assert printed[0] == f"AI: {GREETING}" and printed[-2:] == [
        f"AI: {REPLY}",
        "call ended: customer-ended-call",
    ]
    heard = next(line.removeprefix("You: ") for line in printed if line.startswith("You: "))
    assert similar(heard, "what is the weather like today") > 0.7, heard
    assert card.closed == 2  # microphone and speaker
    # The speaker played the greeting and the answer: seconds of speech among the silence.
    played = bytes(card.played)
    chunks = [played[at : at + CHUNK] for at in range(0, len(played), CHUNK)]
    assert sum(0.02 for chunk in chunks if loudness(chunk) > 300) > 3
