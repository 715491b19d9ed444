"""Calls whose model is a vendor's own API, each reached on loopback through its
`VOXGATE_<PROVIDER>_BASE_URL`: the caller speaks one turn and hears the vendor's answer."""

import time
from typing import Any

import httpx
import pytest

from tests.e2e.caller import Caller, fixture_pcm, loudness, seconds
from tests.e2e.conftest import ANTHROPIC_REPLY, REPLY
from tests.e2e.fake_anthropic import FakeAnthropic
from tests.e2e.fake_llm import FakeLLM
from tests.e2e.test_websocket_call import PROMPT, dial, ended, new_call, socket_url
from tests.support.server import LiveServer

pytestmark = pytest.mark.db


async def one_turn(caller: Caller) -> bytes:
    """Asks about the weather once; returns the audio of the answer."""
    await caller.quiet()
    await caller.speak(fixture_pcm("weather-today.wav"))
    spoke = time.monotonic()
    # A microphone keeps sending: silence until the answer has been heard.
    while caller.first_audio_after(spoke) is None and time.monotonic() - spoke < 10:
        await caller.speak(b"\x00" * 640)
    await caller.quiet()
    return caller.audio_since(spoke)


def text_of(content: str | list[dict[str, Any]]) -> str:
    """Anthropic takes a string or a list of content blocks wherever text goes."""
    if isinstance(content, str):
        return content
    return "".join(block.get("text", "") for block in content)


async def test_an_anthropic_assistant_answers(
    client: httpx.AsyncClient, live_server: LiveServer, anthropic: FakeAnthropic
) -> None:
    model = {
        "provider": "anthropic",
        "model": "claude-3-5-haiku-20241022",
        "messages": [{"role": "system", "content": PROMPT}],
        "temperature": 0.5,
        "maxTokens": 200,
    }
    credentials = [{"provider": "anthropic", "apiKey": "sk-ant-test"}]
    call = await new_call(client, anthropic, model=model, credentials=credentials)
    async with dial(socket_url(live_server, call)) as caller:
        answer = await one_turn(caller)
    assert seconds(answer) > 1 and loudness(answer) > 300

    sent = anthropic.requests[0]
    assert (sent["model"], sent["max_tokens"], sent["temperature"]) == (
        "claude-3-5-haiku-20241022", 200, 0.5
    )  # fmt: skip
    assert text_of(sent["system"]) == PROMPT
    assert sent["messages"][-1]["role"] == "user"
    assert "weather" in text_of(sent["messages"][-1]["content"]).lower()
    assert anthropic.headers[0]["x-api-key"] == "sk-ant-test"  # the assistant's credential

    stored = await ended(client, call["id"])
    bot = [m["message"] for m in stored["artifact"]["messages"] if m["role"] == "bot"]
    assert bot[-1] == ANTHROPIC_REPLY


async def test_an_openai_assistant_reaches_openai_where_the_setting_says(
    client: httpx.AsyncClient,
    live_server: LiveServer,
    llm: FakeLLM,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VOXGATE_OPENAI_BASE_URL", llm.url)  # type: ignore[attr-defined]
    monkeypatch.setenv("VOXGATE_OPENAI_API_KEY", "sk-server")
    model = {"provider": "openai", "model": "gpt-4o-mini", "messages": [
        {"role": "system", "content": PROMPT}
    ]}  # fmt: skip
    call = await new_call(client, llm, model=model)
    async with dial(socket_url(live_server, call)) as caller:
        answer = await one_turn(caller)
    assert seconds(answer) > 1 and loudness(answer) > 300

    sent = llm.requests[0]
    assert sent["model"] == "gpt-4o-mini"
    assert sent["messages"][0] == {"role": "system", "content": PROMPT}
    assert "weather" in sent["messages"][-1]["content"].lower()
    stored = await ended(client, call["id"])
    bot = [m["message"] for m in stored["artifact"]["messages"] if m["role"] == "bot"]
    assert bot[-1] == REPLY
