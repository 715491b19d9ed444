"""A live call steered through `monitor.controlUrl` and heard through `monitor.listenUrl`.

The caller is on the call's websocket as in test_websocket_call.py; the control messages come
from elsewhere, over HTTP, with nothing but the URL (or, when the monitorPlan asks, a key).
"""

import asyncio
import time
from array import array
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from tests.e2e.caller import Caller, fixture_pcm, loudness, seconds
from tests.e2e.fake_llm import FakeLLM
from tests.e2e.test_websocket_call import GREETING, dial, ended, new_call, socket_url
from tests.support.server import LiveServer

pytestmark = pytest.mark.db


def control_path(call: dict[str, Any]) -> str:
    # The record names the public URL; the path is what the test server serves.
    return urlparse(call["monitor"]["controlUrl"]).path


def listen_url(server: LiveServer, call: dict[str, Any]) -> str:
    return server.url.replace("http://", "ws://") + urlparse(call["monitor"]["listenUrl"]).path


async def say(anonymous: httpx.AsyncClient, call: dict[str, Any], caller: Caller) -> bytes:
    """Says a sentence through the control URL; returns the audio the caller got for it."""
    said = time.monotonic()
    message = {"message": {"type": "say", "content": "Your room is ready."}}  # spec's wrapper
    response = await anonymous.post(control_path(call), json=message)
    assert (response.status_code, response.json()) == (200, {})
    await caller.quiet(after=said)
    return caller.audio_since(said)


async def control(anonymous: httpx.AsyncClient, call: dict[str, Any], what: str) -> None:
    response = await anonymous.post(control_path(call), json={"type": "control", "control": what})
    assert response.status_code == 200, response.text


def voiced(pcm: bytes) -> bytes:
    """The samples that are not silent, in order."""
    return array("h", [s for s in memoryview(pcm).cast("h") if s != 0]).tobytes()


def channels(chunk: bytes) -> tuple[bytes, bytes]:
    """16-bit stereo → (left, right)."""
    samples = memoryview(chunk).cast("h")
    left, right = samples[0::2], samples[1::2]
    return left.tobytes(), right.tobytes()


async def test_say_is_heard_and_mute_silences_it(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    call = await new_call(client, llm)
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        heard = await say(anonymous, call, caller)
        await control(anonymous, call, "mute-assistant")
        muted = await say(anonymous, call, caller)
        await control(anonymous, call, "unmute-assistant")
        again = await say(anonymous, call, caller)
    # espeak says the sentence in about a second and a half.
    assert 0.8 < seconds(heard) < 4 and loudness(heard) > 300
    assert seconds(muted) > 0.8 and loudness(muted) == 0  # the stream goes on, silent
    assert 0.8 < seconds(again) < 4 and loudness(again) > 300
    stored = await ended(client, call["id"])
    bot = [m["message"] for m in stored["artifact"]["messages"] if m["role"] == "bot"]
    assert bot == [GREETING] + ["Your room is ready."] * 3
    assert "AI: Your room is ready." in stored["artifact"]["transcript"]


async def test_end_call_cancels_the_call_and_an_ended_call_is_refused(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    call = await new_call(client, llm)
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        response = await anonymous.post(control_path(call), json={"type": "end-call"})
        await asyncio.wait_for(caller.closed.wait(), 5)
    assert response.status_code == 200
    assert caller.close_code == 1000
    assert caller.of_type("status-update")[-1]["endedReason"] == "manually-canceled"
    assert (await ended(client, call["id"]))["endedReason"] == "manually-canceled"
    late = await anonymous.post(control_path(call), json={"type": "say", "content": "Hello?"})
    assert late.status_code == 400
    assert late.json()["message"] == "Call is ended: only a call in progress can be controlled."


async def test_control_authentication_takes_the_orgs_key(
    client: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    live_server: LiveServer,
    llm: FakeLLM,
    api_key: str,
) -> None:
    call = await new_call(client, llm, monitorPlan={"controlAuthenticationEnabled": True})
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        refused = await anonymous.post(control_path(call), json={"type": "end-call"})
        assert not caller.closed.is_set()
        key = {"Authorization": f"Bearer {api_key}"}
        accepted = await anonymous.post(control_path(call), json={"type": "end-call"}, headers=key)
        await asyncio.wait_for(caller.closed.wait(), 5)
    assert refused.status_code == 401 and refused.json()["statusCode"] == 401
    assert accepted.status_code == 200
    assert (await ended(client, call["id"]))["endedReason"] == "manually-canceled"


async def test_a_listener_hears_the_customer_left_and_the_assistant_right(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    call = await new_call(client, llm)
    utterance = fixture_pcm("weather-today.wav")
    async with dial(socket_url(live_server, call)) as caller:
        while not caller.audio:  # the greeting has started: the call is live
            await asyncio.sleep(0.01)
        async with dial(listen_url(live_server, call)) as listener:
            await caller.quiet()
            await caller.speak(utterance)
            spoke = time.monotonic()
            while caller.first_audio_after(spoke) is None and time.monotonic() - spoke < 10:
                await caller.speak(b"\x00" * 640)
            await caller.quiet(after=spoke)
            await caller.ws.close()  # the caller hangs up: the listener is let go
            await asyncio.wait_for(listener.closed.wait(), 10)
    assert listener.close_code == 1000 and listener.messages == []
    chunks = [channels(chunk) for _, chunk in listener.audio]
    left = b"".join(lt for lt, _ in chunks)
    right = b"".join(rt for _, rt in chunks)
    # Customer left, sample for sample (16 kHz in, 16 kHz out; the tap may add silence between
    # samples when the pipeline stalls, so silent samples are left out of the comparison).
    assert voiced(utterance) in voiced(left)
    assistant_only = [rt for lt, rt in chunks if loudness(lt) == 0 and loudness(rt) > 300]
    customer_only = [lt for lt, rt in chunks if loudness(rt) == 0 and loudness(lt) > 300]
    print(
        f"\nlisten: {seconds(left):.1f} s of stereo, assistant alone "
        f"{seconds(b''.join(assistant_only)):.1f} s, customer alone "
        f"{seconds(b''.join(customer_only)):.1f} s"
    )
    # The rest of the greeting and the reply (about 2 s each), the question (about 2 s).
    assert seconds(b"".join(assistant_only)) > 2.5
    assert seconds(b"".join(customer_only)) > 1.0
    assert seconds(right) == seconds(left)
