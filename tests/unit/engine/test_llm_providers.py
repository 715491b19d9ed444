"""Each `model.provider` voxgate serves, built from a Vapi model as pipecat's service, and the
messages `check` gives `POST /call` when an assistant cannot run."""

import socket
import sys
from pathlib import Path
from typing import Any

import pytest
from pipecat.services.anthropic.llm import AnthropicLLMService
from pipecat.services.cerebras.llm import CerebrasLLMService
from pipecat.services.deepseek.llm import DeepSeekLLMService
from pipecat.services.google.llm import GoogleLLMService
from pipecat.services.groq.llm import GroqLLMService
from pipecat.services.openai.llm import OpenAILLMService
from pipecat.services.openrouter.llm import OpenRouterLLMService
from pipecat.services.together.llm import TogetherLLMService
from pipecat.services.xai.llm import GrokLLMService

from voxgate.engine.builder import with_defaults
from voxgate.engine.providers.llm import LLMS
from voxgate.engine.providers.registry import ProviderError, build_llm, check

PROMPT = "You are the front desk of a small hotel."
SERVICES: dict[str, type[Any]] = {
    "openai": OpenAILLMService,
    "anthropic": AnthropicLLMService,
    "google": GoogleLLMService,
    "groq": GroqLLMService,
    "together-ai": TogetherLLMService,
    "openrouter": OpenRouterLLMService,
    "deepinfra": OpenAILLMService,
    "xai": GrokLLMService,
    "cerebras": CerebrasLLMService,
    "deep-seek": DeepSeekLLMService,
}


@pytest.fixture(autouse=True)
def no_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No key or URL from the environment or a `.env` file, unless a test sets one."""
    monkeypatch.chdir(tmp_path)
    for provider in [*SERVICES, "custom-llm"]:
        name = provider.upper().replace("-", "_")
        monkeypatch.delenv(f"VOXGATE_{name}_API_KEY", raising=False)
        monkeypatch.delenv(f"VOXGATE_{name}_BASE_URL", raising=False)


def assistant(provider: str, **model: Any) -> dict[str, Any]:
    return {
        "model": {
            "provider": provider,
            "model": "vendor-model-1",
            "messages": [{"role": "system", "content": PROMPT}],
            "temperature": 0.3,
            "maxTokens": 120,
            **model,
        },
        "credentials": [{"provider": provider, "apiKey": "from-credential"}],
    }


def test_every_served_provider_has_a_test() -> None:
    assert set(LLMS) == {*SERVICES, "custom-llm"}


@pytest.mark.parametrize("provider", sorted(SERVICES))
def test_the_vapi_model_becomes_the_vendors_pipecat_service(provider: str) -> None:
    service = build_llm(assistant(provider))
    assert type(service) is SERVICES[provider]
    settings = service._settings
    assert settings.model == "vendor-model-1"
    assert settings.temperature == 0.3
    assert settings.max_tokens == 120
    assert settings.system_instruction == PROMPT


def test_unset_knobs_keep_the_services_defaults() -> None:
    service = build_llm({"model": {"provider": "anthropic", "model": "c"}, "credentials": [
        {"provider": "anthropic", "apiKey": "k"}
    ]})  # fmt: skip
    assert service._settings.max_tokens == 4096  # pipecat's default for Anthropic
    assert service._settings.system_instruction is None


def test_deepinfra_is_reached_on_its_openai_compatible_endpoint() -> None:
    service = build_llm(assistant("deepinfra"))
    assert str(service._client.base_url) == "https://api.deepinfra.com/v1/openai/"
    assert service._client.api_key == "from-credential"


def test_a_base_url_setting_moves_the_vendor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOXGATE_GROQ_BASE_URL", "http://127.0.0.1:9/groq")
    monkeypatch.setenv("VOXGATE_ANTHROPIC_BASE_URL", "http://127.0.0.1:9/anthropic")
    monkeypatch.setenv("VOXGATE_GOOGLE_BASE_URL", "http://127.0.0.1:9/google")
    assert str(build_llm(assistant("groq"))._client.base_url) == "http://127.0.0.1:9/groq/"
    anthropic = build_llm(assistant("anthropic"))
    assert str(anthropic._client.base_url) == "http://127.0.0.1:9/anthropic/"
    assert build_llm(assistant("google"))._http_options.base_url == "http://127.0.0.1:9/google"


def test_the_key_comes_from_the_providers_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOXGATE_DEEP_SEEK_API_KEY", "from-env")
    monkeypatch.setenv("VOXGATE_OPENAI_API_KEY", "sk-env")
    bare = {"model": {"provider": "deep-seek", "model": "deepseek-chat"}}
    assert build_llm(bare)._client.api_key == "from-env"
    assert build_llm({"model": {"provider": "openai", "model": "gpt-4o"}})._client.api_key == (
        "sk-env"
    )
    # A credential on the assistant wins over the server's key.
    assert build_llm(assistant("deep-seek"))._client.api_key == "from-credential"


def test_the_key_may_come_from_a_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("VOXGATE_TOGETHER_AI_API_KEY=from-dotenv\n")
    built = build_llm({"model": {"provider": "together-ai", "model": "m"}})
    assert built._client.api_key == "from-dotenv"


def runnable(**fields: Any) -> dict[str, Any]:
    return with_defaults({**assistant("anthropic"), **fields})


async def test_building_every_service_contacts_no_one(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any) -> None:
        raise AssertionError(f"a connection was opened: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    for provider in SERVICES:
        await check(with_defaults(assistant(provider)))
    await check(runnable(model={"provider": "custom-llm", "model": "m", "url": "http://x/v1"}))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"credentials": []},
            "assistant.model.provider `anthropic` needs an API key: set "
            "VOXGATE_ANTHROPIC_API_KEY or add an `anthropic` credential to the assistant",
        ),
        (
            {"model": {"provider": "groq", "model": "m"}},
            "assistant.model.provider `groq` needs an API key: set VOXGATE_GROQ_API_KEY "
            "or add a `groq` credential to the assistant",
        ),
        (
            {"model": {"provider": "custom-llm", "model": "m"}},
            "assistant.model.provider `custom-llm` needs `model.url`",
        ),
        (
            {"model": {"provider": "perplexity-ai", "model": "sonar"}},
            "assistant.model.provider 'perplexity-ai' is not supported (supported: anthropic, "
            "cerebras, custom-llm, deep-seek, deepinfra, google, groq, openai, openrouter, "
            "together-ai, xai)",
        ),
        ({"model": None}, "assistant.model.provider is required to run a call (supported: "),
        (
            {"model": {"provider": "anthropic", "model": "c", "temperature": "warm"}},
            "assistant.model.temperature must be a number",
        ),
        (
            {"voice": {"provider": "playht", "voiceId": "jennifer"}},
            "assistant.voice.provider `playht` is not served: pipecat 1.14.0 has no playht service",
        ),
        (
            {"transcriber": {"provider": "faster-whisper", "model": "large-v3"}},
            "assistant.transcriber: faster-whisper model 'large-v3' is not bundled; use tiny.en",
        ),
    ],
)
async def test_what_cannot_run_is_named(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ProviderError) as refused:
        await check(runnable(**fields))
    assert str(refused.value).startswith(message)


async def test_a_missing_package_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pipecat.services.google.llm", None)  # import fails
    with pytest.raises(ProviderError) as refused:
        await check(with_defaults(assistant("google")))
    assert str(refused.value) == (
        "assistant.model.provider `google` needs its packages: pip install 'voxgate[google]'"
    )


def test_anthropic_thinking_is_passed_on() -> None:
    thinking = {"type": "enabled", "budgetTokens": 2048}
    service = build_llm(
        assistant("anthropic", model="claude-3-7-sonnet-20250219", thinking=thinking)
    )
    assert service._settings.thinking == AnthropicLLMService.ThinkingConfig(
        type="enabled", budget_tokens=2048
    )
