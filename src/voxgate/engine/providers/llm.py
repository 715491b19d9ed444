"""LLMs that speak OpenAI's chat-completions protocol: `openai` and `custom-llm` (any URL)."""

from collections.abc import Callable
from typing import Any

from pipecat.services.llm_service import LLMService
from pipecat.services.openai.base_llm import OpenAILLMSettings
from pipecat.services.openai.llm import OpenAILLMService

from voxgate.config import get_settings
from voxgate.engine.providers.keys import MissingKey, credential_key

COMPLETIONS = "/chat/completions"
# The OpenAI client refuses an empty key; a custom LLM often needs none.
NO_KEY = "voxgate-no-key"


def base_url(url: str) -> str:
    """The client appends `/chat/completions`; a `model.url` that already names it is trimmed."""
    url = url.rstrip("/")
    return url.removesuffix(COMPLETIONS)


def system_prompt(assistant: dict[str, Any]) -> str:
    """The assistant's `model.messages`, joined: what the LLM is told before the call."""
    messages = (assistant.get("model") or {}).get("messages") or []
    parts = [m.get("content", "") for m in messages if isinstance(m, dict)]
    return "\n".join(p for p in parts if isinstance(p, str) and p)


def _settings(assistant: dict[str, Any]) -> OpenAILLMSettings:
    model = assistant["model"]
    settings = OpenAILLMSettings(model=model["model"])
    prompt = system_prompt(assistant)
    if prompt:
        settings.system_instruction = prompt
    if model.get("temperature") is not None:
        settings.temperature = float(model["temperature"])
    if model.get("maxTokens") is not None:
        settings.max_tokens = int(model["maxTokens"])
    return settings


def openai_llm(assistant: dict[str, Any]) -> OpenAILLMService:
    key = credential_key(assistant, "openai") or get_settings().openai_api_key
    if not key:
        raise MissingKey("model provider `openai` needs an API key: set VOXGATE_OPENAI_API_KEY or "
                         "add an `openai` credential to the assistant")  # fmt: skip
    return OpenAILLMService(api_key=key, settings=_settings(assistant))


def custom_llm(assistant: dict[str, Any]) -> OpenAILLMService:
    model = assistant["model"]
    url = model.get("url")
    if not isinstance(url, str) or not url:
        raise MissingKey("model provider `custom-llm` needs `model.url`")
    key = credential_key(assistant, "custom-llm") or NO_KEY
    return OpenAILLMService(api_key=key, base_url=base_url(url), settings=_settings(assistant))


LLMS: dict[str, Callable[[dict[str, Any]], LLMService[Any]]] = {
    "openai": openai_llm,
    "custom-llm": custom_llm,
}
