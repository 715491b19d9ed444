"""Inside a live phone call over Twilio's media stream (the fake, on loopback): a transfer to a
number (the call leaves voxgate for a `<Dial>`), a transfer Twilio refuses (the LLM hears why
and the call goes on), keypad tones, barge-in clearing what Twilio buffered, and the 8 kHz
call's recordings (keypad tones included)."""

import asyncio
import io
import json
import time
import wave
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

import httpx
import numpy as np
import pytest
from pipecat.audio.utils import create_file_resampler

from tests.e2e.caller import fixture_pcm, seconds, ulaw_to_pcm
from tests.e2e.dtmf_tones import keys_in
from tests.e2e.fake_llm import FakeLLM
from tests.e2e.phone import (
    KEYPAD_PLAN,
    NUMBER,
    import_number,
    press_until_heard,
    stored_call,
    user_said,
)
from tests.e2e.test_assistant_request import heard
from tests.e2e.test_websocket_call import GREETING, PROMPT, ended, fake_model
from tests.support.fake_twilio import FakeCall, FakeTwilio
from tests.support.fake_webhook import FakeWebhook, fake_webhook
from tests.support.reference import assert_matches
from tests.support.server import LiveServer

pytestmark = pytest.mark.db

DESK = {
    "type": "number",
    "number": "+14155550100",
    "extension": "12",
    "callerId": NUMBER,
    "message": "Putting you through to the front desk now.",
}


@pytest.fixture
def webhook() -> Iterator[FakeWebhook]:
    with fake_webhook() as fake:
        yield fake


def assistant(llm: FakeLLM, tools: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    model = fake_model(llm, messages=[{"role": "system", "content": PROMPT}], tools=tools)
    return {"name": "Front desk", "firstMessage": GREETING, "model": model, **fields}


async def quiet(
    call: FakeCall, after: float = 0.0, gap: float = 0.8, limit: float = 20, silence: bool = False
) -> None:
    """Waits until the phone has heard audio (sent after `after`) that then stopped for `gap` s;
    with `silence`, the phone's side sends silence meanwhile, as a real line does."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        last = call.heard[-1][0] if call.heard else 0.0
        if last > after and time.monotonic() - last > gap:
            return
        if silence:
            await call.say(bytes(320))  # 20 ms
        else:
            await asyncio.sleep(0.05)
    raise AssertionError("the phone never heard the assistant finish")


async def ask(live_server: LiveServer, call_id: str, text: str) -> float:
    """The caller's words reach the LLM through the control URL; returns when they were sent."""
    message = {"type": "add-message", "message": {"role": "user", "content": text}}
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{live_server.url}/call/{call_id}/control", json=message)
    assert response.status_code == 200, response.text
    return time.monotonic()


async def pcm16k(ulaw8k: bytes) -> bytes:
    """What the phone heard as 16 kHz PCM (for the offline transcriber)."""
    return await create_file_resampler().resample(ulaw_to_pcm(ulaw8k), 8000, 16000)


async def pcm8k(pcm16: bytes) -> bytes:
    return await create_file_resampler().resample(pcm16, 16000, 8000)


def tool_result(llm: FakeLLM) -> str | None:
    """What the LLM was told a tool came to (its first request after the result), or None."""
    for request in llm.requests:
        results = [m for m in request["messages"] if m.get("role") == "tool"]
        if request.get("stream") and results:
            return str(json.loads(results[0]["content"]))  # pipecat JSON-encodes it
    return None


async def result_heard(llm: FakeLLM, limit: float = 20) -> float:
    """Waits until the LLM has been sent a tool's result; returns when."""
    deadline = time.monotonic() + limit
    while tool_result(llm) is None and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert tool_result(llm) is not None, "the LLM never heard the tool's result"
    return time.monotonic()


def statuses(webhook: FakeWebhook) -> list[str]:
    return [r.message["status"] for r in webhook.of_type("status-update")]


async def test_a_transfer_to_a_number_hands_the_call_to_twilio_and_ends_it_forwarded(
    client: httpx.AsyncClient,
    live_server: LiveServer,
    llm: FakeLLM,
    twilio: FakeTwilio,
    webhook: FakeWebhook,
) -> None:
    llm.tool_calls = [("transferCall", {"destination": DESK["number"]})]
    tools = [{"type": "transferCall", "destinations": [DESK]}]
    number = await import_number(client)
    messages = ["status-update", "transfer-update", "end-of-call-report"]
    front_desk = assistant(llm, tools, server={"url": webhook.url}, serverMessages=messages)
    call_id, call = await stored_call(live_server, twilio, number, front_desk)
    await quiet(call)
    asked = await ask(live_server, call_id, "Can I talk to a person?")
    stored = await ended(client, call_id)
    await webhook.wait_for("end-of-call-report")

    [update] = call.updates  # the redirect, and no hang-up after it
    dial = ET.fromstring(update["Twiml"]).find("./Dial")
    assert dial is not None and dial.attrib["callerId"] == NUMBER
    dialed = dial.find("./Number")
    assert dialed is not None and dialed.text == DESK["number"]
    assert dialed.attrib["sendDigits"] == "12"
    assert call.unplayed_at_update == [0.0]  # the phone had played the words first
    words = heard(await pcm16k(call.heard_since(asked))).lower()
    assert "front" in words, words  # "Putting you through to the front desk now."

    assert_matches(stored, "Call")
    assert stored["endedReason"] == "assistant-forwarded-call"
    assert stored["destination"] == DESK
    assert statuses(webhook) == ["in-progress", "forwarding", "ended"]
    [forwarding] = [r.message for r in webhook.of_type("status-update")][1:2]
    assert_matches(forwarding, "ServerMessageStatusUpdate")
    assert forwarding["destination"] == DESK
    [transferred] = webhook.of_type("transfer-update")
    assert transferred.message["destination"] == DESK
    assert "Transferred the call" in json.dumps(stored["artifact"]["messages"])


async def test_a_transfer_twilio_refuses_is_the_llms_error_and_the_call_goes_on(
    client: httpx.AsyncClient,
    live_server: LiveServer,
    llm: FakeLLM,
    twilio: FakeTwilio,
    webhook: FakeWebhook,
) -> None:
    twilio.refuse_twiml = (400, "The destination is not a valid phone number.")
    llm.tool_calls = [("transferCall", {"destination": DESK["number"]})]
    tools = [{"type": "transferCall", "destinations": [DESK]}]
    number = await import_number(client)
    call_id, call = await stored_call(
        live_server, twilio, number, assistant(llm, tools, server={"url": webhook.url})
    )
    await quiet(call)
    await ask(live_server, call_id, "Can I talk to a person?")
    answered = await result_heard(llm)
    await quiet(call, after=answered)  # the LLM's answer to the refusal
    assert "not a valid phone number" in str(tool_result(llm))
    assert seconds(ulaw_to_pcm(call.heard_since(answered)), 8000) > 1  # and the phone heard it
    await call.hang_up()
    stored = await ended(client, call_id)
    await webhook.wait_for("end-of-call-report")
    assert stored["endedReason"] == "customer-ended-call"
    assert "destination" not in stored
    assert statuses(webhook) == ["in-progress", "forwarding", "in-progress", "ended"]
    assert [u for u in call.updates if u.get("Status") == "completed"] == []  # Twilio's hang-up


async def test_the_dtmf_tool_plays_the_keys_into_the_call(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, twilio: FakeTwilio
) -> None:
    llm.tool_calls = [("dtmf", {"keys": "1w5#"})]
    number = await import_number(client)
    call_id, call = await stored_call(
        live_server, twilio, number, assistant(llm, [{"type": "dtmf"}])
    )
    await quiet(call)
    asked = await ask(live_server, call_id, "Press one, then five and pound.")
    await quiet(call, after=await result_heard(llm))
    offered = llm.requests[0]["tools"][0]["function"]
    assert offered["name"] == "dtmf" and offered["parameters"]["required"] == ["keys"]
    assert tool_result(llm) == "Pressed 1w5#."
    assert keys_in(ulaw_to_pcm(call.heard_since(asked))) == "15#"
    await call.hang_up()
    assert (await ended(client, call_id))["endedReason"] == "customer-ended-call"


async def test_the_caller_talking_over_the_greeting_clears_what_twilio_buffered(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, twilio: FakeTwilio
) -> None:
    long_greeting = " ".join([GREETING] * 4)
    front_desk = assistant(
        llm, [], firstMessage=long_greeting, firstMessageInterruptionsEnabled=True
    )
    number = await import_number(client)
    call_id, call = await stored_call(live_server, twilio, number, front_desk)
    while not call.heard:
        await asyncio.sleep(0.05)
    await call.say(await pcm8k(fixture_pcm("weather-today.wav")))
    deadline = time.monotonic() + 10
    while not call.of_event("clear") and time.monotonic() < deadline:
        await call.say(bytes(320))  # a phone line keeps carrying silence
    assert call.of_event("clear")[0] == {"event": "clear", "streamSid": call.stream_sid}
    await call.hang_up()
    await ended(client, call_id)


async def test_a_phone_calls_recordings_are_8_khz_and_as_long_as_the_call(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, twilio: FakeTwilio
) -> None:
    number = await import_number(client)
    call_id, call = await stored_call(live_server, twilio, number, assistant(llm, []))
    # A phone line carries audio all along, silence included: the recordings' clock is its.
    await quiet(call, silence=True)
    await call.say(await pcm8k(fixture_pcm("weather-today.wav")))
    spoke = time.monotonic()
    await quiet(call, after=spoke, silence=True)
    await call.hang_up()
    stored = await ended(client, call_id)
    files = await recordings(client, stored)
    assert {name: (rate, channels) for name, (rate, channels, _) in files.items()} == {
        "mono": (8000, 1), "customer": (8000, 1), "assistant": (8000, 1), "stereo": (8000, 2),
    }  # fmt: skip
    started, ended_at = (parse_time(stored[key]) for key in ("startedAt", "endedAt"))
    for name, (rate, channels, pcm) in files.items():
        length = seconds(pcm, rate) / channels
        assert abs(length - (ended_at - started)) < 1.5, (name, length, ended_at - started)
    # At the right speed, the caller's words are in the customer's track sample for sample,
    # and the assistant's holds what the phone heard.
    words = await pcm8k(fixture_pcm("weather-today.wav"))
    customer, assistant_track = files["customer"][2], files["assistant"][2]
    assert match(customer, words) > 0.9
    assert match(channel(files["stereo"][2], 0), words) > 0.9
    assert channel(files["stereo"][2], 1) == assistant_track
    assert match(files["mono"][2], words) > 0.9
    # The greeting's and the answer's first second, as the phone heard them.
    assert match(assistant_track, ulaw_to_pcm(call.heard_since()[:8000])) > 0.9
    assert match(assistant_track, ulaw_to_pcm(call.heard_since(spoke)[:8000])) > 0.9


async def test_the_keys_the_dtmf_tool_presses_are_in_the_calls_recordings(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, twilio: FakeTwilio
) -> None:
    llm.tool_calls = [("dtmf", {"keys": "1w5#"})]
    number = await import_number(client)
    call_id, call = await stored_call(
        live_server, twilio, number, assistant(llm, [{"type": "dtmf"}])
    )
    await quiet(call, silence=True)
    asked = await ask(live_server, call_id, "Press one, then five and pound.")
    await quiet(call, after=await result_heard(llm), silence=True)
    await call.hang_up()
    files = await recordings(client, await ended(client, call_id))
    # What the line carried, tones included, is what a user listening to the call hears.
    assert keys_in(files["assistant"][2]) == "15#"
    assert keys_in(files["mono"][2]) == "15#"
    tones = ulaw_to_pcm(call.heard_since(asked))[: 2 * 8000 * 2]  # 1, half a second, 5, #
    assert match(files["assistant"][2], tones) > 0.9


async def recordings(
    client: httpx.AsyncClient, stored: dict[str, Any]
) -> dict[str, tuple[int, int, bytes]]:
    """The ended call's four recordings, by name: (rate, channels, PCM)."""
    recording = stored["artifact"]["recording"]
    urls = {
        "mono": recording["mono"]["combinedUrl"],
        "customer": recording["mono"]["customerUrl"],
        "assistant": recording["mono"]["assistantUrl"],
        "stereo": recording["stereoUrl"],
    }
    files = {}
    for name, url in urls.items():
        response = await client.get(urlparse(url).path)
        assert response.status_code == 200, response.text
        files[name] = read_wav(response.content)
    return files


def match(track: bytes, words: bytes) -> float:
    """How closely `words` appear somewhere in `track` (1: exactly, at the same speed)."""
    a = np.frombuffer(track, dtype=np.int16).astype(np.float64)
    b = np.frombuffer(words, dtype=np.int16).astype(np.float64)
    norm = np.sqrt((b * b).sum())
    window = np.sqrt(np.convolve(a * a, np.ones(len(b)), mode="valid"))  # |a| at each place
    similar = np.correlate(a, b, mode="valid") / (norm * np.maximum(window, norm / 10))
    return float(similar.max())


def channel(stereo: bytes, which: int) -> bytes:
    return memoryview(stereo).cast("h")[which::2].tobytes()


def read_wav(body: bytes) -> tuple[int, int, bytes]:
    with wave.open(io.BytesIO(body)) as file:
        return file.getframerate(), file.getnchannels(), file.readframes(file.getnframes())


def parse_time(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


async def test_a_sip_address_the_server_names_is_dialled_with_its_headers(
    client: httpx.AsyncClient,
    live_server: LiveServer,
    llm: FakeLLM,
    twilio: FakeTwilio,
    webhook: FakeWebhook,
) -> None:
    desk = {"type": "sip", "sipUri": "sip:desk@example.com", "sipHeaders": {"X-Room": "12 B"}}
    webhook.answers["transfer-destination-request"] = {"destination": desk, "message": "Hold on."}
    llm.tool_calls = [("transferCall", {})]
    number = await import_number(client)
    front_desk = assistant(llm, [{"type": "transferCall"}], server={"url": webhook.url})
    call_id, call = await stored_call(live_server, twilio, number, front_desk)
    await quiet(call)
    await ask(live_server, call_id, "Can I talk to a person?")
    stored = await ended(client, call_id)
    [update] = call.updates
    sip = ET.fromstring(update["Twiml"]).find("./Dial/Sip")
    assert sip is not None and sip.text == "sip:desk@example.com?X-Room=12%20B"
    assert stored["endedReason"] == "assistant-forwarded-call"
    assert stored["destination"] == desk


async def test_the_control_urls_transfer_moves_a_phone_call(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, twilio: FakeTwilio
) -> None:
    number = await import_number(client)
    call_id, call = await stored_call(live_server, twilio, number, assistant(llm, []))
    await quiet(call)
    desk = {"type": "number", "number": "+14155550100"}
    message = {"type": "transfer", "destination": desk, "content": "Transferring you now."}
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{live_server.url}/call/{call_id}/control", json=message)
    assert response.status_code == 200, response.text
    stored = await ended(client, call_id)
    assert stored["endedReason"] == "assistant-forwarded-call"
    assert stored["destination"] == desk
    [update] = call.updates
    assert "<Number>+14155550100</Number>" in update["Twiml"]
    assert [r for r in llm.requests if r.get("stream")] == []  # no LLM turn was involved


async def test_keys_the_caller_presses_reach_the_llm_with_a_keypad_input_plan(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, twilio: FakeTwilio
) -> None:
    number = await import_number(client)
    front_desk = assistant(llm, [], keypadInputPlan=KEYPAD_PLAN)
    call_id, call = await stored_call(live_server, twilio, number, front_desk)
    await quiet(call, silence=True)
    await press_until_heard(call, llm, "1234#", silence=bytes(320))
    await call.hang_up()
    await ended(client, call_id)


async def test_without_a_keypad_input_plan_keys_are_not_the_callers_words(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, twilio: FakeTwilio
) -> None:
    number = await import_number(client)
    call_id, call = await stored_call(live_server, twilio, number, assistant(llm, []))
    await quiet(call, silence=True)
    asked = len(llm.requests)
    await call.press("42#")
    for _ in range(150):  # 3 s of line silence: past the keypad's default 2 s timeout
        await call.say(bytes(320))
    assert len(llm.requests) == asked and not user_said(llm, "42#")
    await call.hang_up()
    await ended(client, call_id)
