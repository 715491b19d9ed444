"""`POST /call` refuses, with Vapi's 400, an assistant this server cannot run: a provider it
does not serve, a key or a package it lacks, a `custom-llm` without a URL. Nothing is stored."""

import sys
from typing import Any

import httpx
import pytest

from tests.integration.control.call.test_call_create import WEBSOCKET, refused
from tests.support.assistants import MODEL
from tests.support.reference import assert_matches

pytestmark = pytest.mark.db

CLAUDE = {"provider": "anthropic", "model": "claude-3-5-haiku-20241022"}
NO_ANTHROPIC_KEY = (
    "assistant.model.provider `anthropic` needs an API key: set VOXGATE_ANTHROPIC_API_KEY "
    "or add an `anthropic` credential to the assistant"
)


@pytest.fixture(autouse=True)
def no_server_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    # The test server runs in this process: what the environment says, it sees.
    for name in ("ANTHROPIC", "GROQ", "GOOGLE"):
        monkeypatch.delenv(f"VOXGATE_{name}_API_KEY", raising=False)


async def created(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/call", json={**body, "transport": WEBSOCKET})
    assert response.status_code == 201, response.text
    call: dict[str, Any] = response.json()
    assert_matches(call, "Call")
    return call


async def test_a_missing_key_is_named_and_a_server_key_is_enough(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = {"assistant": {"model": CLAUDE}, "transport": WEBSOCKET}
    assert await refused(client, body) == NO_ANTHROPIC_KEY
    monkeypatch.setenv("VOXGATE_ANTHROPIC_API_KEY", "sk-ant-server")
    await created(client, body)


async def test_a_saved_assistant_is_checked_with_its_overrides(client: httpx.AsyncClient) -> None:
    saved = await client.post("/assistant", json={"name": "Fast", "model": {**CLAUDE}})
    assistant_id = saved.json()["id"]
    assert await refused(client, {"assistantId": assistant_id, "transport": WEBSOCKET}) == (
        NO_ANTHROPIC_KEY
    )
    # An override can name a model the server cannot run…
    groq = {"model": {"provider": "groq", "model": "llama-3.1-8b-instant"}}
    body = {"assistantId": assistant_id, "assistantOverrides": groq, "transport": WEBSOCKET}
    assert (await refused(client, body)).startswith(
        "assistant.model.provider `groq` needs an API key: set VOXGATE_GROQ_API_KEY"
    )
    # …or bring what was missing.
    overrides = {"credentials": [{"provider": "anthropic", "apiKey": "sk-ant-call"}]}
    await created(client, {"assistantId": assistant_id, "assistantOverrides": overrides})


@pytest.mark.parametrize(
    ("assistant", "message"),
    [
        (
            {"model": {"provider": "custom-llm", "model": "m"}},
            "assistant.model.provider `custom-llm` needs `model.url`",
        ),
        (
            {"model": {"provider": "perplexity-ai", "model": "sonar"}},
            "assistant.model.provider 'perplexity-ai' is not supported (supported: ",
        ),
        ({"firstMessage": "Hi"}, "assistant.model.provider is required to run a call"),
        (
            {"model": MODEL, "voice": {"provider": "playht", "voiceId": "jennifer"}},
            "assistant.voice.provider `playht` is not served: pipecat 1.14.0 has no playht service",
        ),
        (
            {"model": MODEL, "transcriber": {"provider": "faster-whisper", "model": "large-v3"}},
            "assistant.transcriber: faster-whisper model 'large-v3' is not bundled",
        ),
    ],
)
async def test_what_cannot_run_is_a_400_that_names_it(
    client: httpx.AsyncClient, assistant: dict[str, Any], message: str
) -> None:
    assert (await refused(client, {"assistant": assistant, "transport": WEBSOCKET})).startswith(
        message
    )


async def test_a_missing_package_names_the_extra(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pipecat.services.google.llm", None)  # not installed
    gemini = {"provider": "google", "model": "gemini-2.0-flash"}
    body = {"assistant": {"model": gemini}, "transport": WEBSOCKET}
    assert await refused(client, body) == (
        "assistant.model.provider `google` needs its packages: pip install 'voxgate[google]'"
    )


async def test_every_assistant_of_a_squad_is_checked(client: httpx.AsyncClient) -> None:
    front = {"name": "Front desk", "model": MODEL}
    squad = {"members": [{"assistant": front}, {"assistant": {"name": "Sales", "model": CLAUDE}}]}
    message = await refused(client, {"squad": squad, "transport": WEBSOCKET})
    assert message == f"squad member Sales: {NO_ANTHROPIC_KEY}"
    # A handoff destination's own assistant is checked too.
    handoff = {"type": "handoff", "destinations": [{"type": "assistant", "assistant": {
        "name": "Transient", "model": CLAUDE}}]}  # fmt: skip
    with_tool = {**front, "model": {**MODEL, "tools": [handoff]}}
    message = await refused(client, {"assistant": with_tool, "transport": WEBSOCKET})
    assert message == f"handoff destination Transient: {NO_ANTHROPIC_KEY}"
    message = await refused(client, {"squad": {"members": [{"assistant": with_tool}]},
                                     "transport": WEBSOCKET})  # fmt: skip
    assert message == f"handoff destination Transient: {NO_ANTHROPIC_KEY}"
    # The call's squadOverrides are laid over every member, so they can make it runnable.
    key = {"credentials": [{"provider": "anthropic", "apiKey": "sk-test"}]}
    await created(client, {"squad": squad, "squadOverrides": key})
