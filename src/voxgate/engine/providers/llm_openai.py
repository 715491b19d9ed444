"""LLMs that speak OpenAI's chat-completions protocol, each through pipecat's own service
(which knows the vendor's URL and quirks): `openai`, `custom-llm` (any URL), `groq`,
`together-ai`, `openrouter`, `xai`, `cerebras`, `deep-seek`, and `deepinfra` (no pipecat
service of its own: its OpenAI-compatible endpoint)."""

from collections.abc import Callable
from typing import Any

import httpx2
from openai import AsyncOpenAI, DefaultAsyncHttpxClient
from pipecat.services.cerebras.llm import CerebrasLLMService
from pipecat.services.deepseek.llm import DeepSeekLLMService
from pipecat.services.groq.llm import GroqLLMService
from pipecat.services.llm_service import LLMService
from pipecat.services.openai.llm import OpenAILLMService
from pipecat.services.openrouter.llm import OpenRouterLLMService
from pipecat.services.together.llm import TogetherLLMService
from pipecat.services.xai.llm import GrokLLMService

from voxgate.engine.providers import keys
from voxgate.engine.providers.keys import MissingKey, credential_key
from voxgate.engine.providers.llm_common import Assistant, llm_settings
from voxgate.kit.urls import send_pinned

COMPLETIONS = "/chat/completions"
# The OpenAI client waits 600 s for a byte, three times over: a caller would sit in silence.
# A stream that goes this long without a byte fails the turn (and the call) instead.
TIMEOUT_SETTING = "VOXGATE_LLM_TIMEOUT_SECONDS"
DEFAULT_TIMEOUT_SECONDS = 10.0
# The OpenAI client refuses an empty key; a custom LLM often needs none.
NO_KEY = "voxgate-no-key"
DEEPINFRA_URL = "https://api.deepinfra.com/v1/openai"
_LIMITS = httpx2.Limits(max_keepalive_connections=100, max_connections=1000, keepalive_expiry=None)


def base_url(url: str) -> str:
    """The client appends `/chat/completions`; a `model.url` that already names it is trimmed."""
    url = url.rstrip("/")
    return url.removesuffix(COMPLETIONS)


class _GuardedTransport(httpx2.AsyncBaseTransport):
    """The OpenAI client's transport (httpx2, pydantic's fork of httpx), through the guard."""

    def __init__(self) -> None:
        self._inner = httpx2.AsyncHTTPTransport(limits=_LIMITS)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        return await send_pinned(request, self._inner.handle_async_request)

    async def aclose(self) -> None:
        await self._inner.aclose()


class GuardedOpenAILLMService(OpenAILLMService):
    """OpenAI's service whose client reaches only what the SSRF guard allows (`kit/urls.py`):
    `model.url` is the user's, unlike a vendor's `VOXGATE_<PROVIDER>_BASE_URL`."""

    def create_client(
        self, api_key: Any = None, base_url: Any = None, organization: Any = None,
        project: Any = None, default_headers: Any = None, **kwargs: Any,
    ) -> Any:  # fmt: skip
        transport = _GuardedTransport()
        return AsyncOpenAI(
            api_key=api_key, base_url=base_url, organization=organization, project=project,
            default_headers=default_headers,
            http_client=DefaultAsyncHttpxClient(transport=transport, trust_env=False),
        )  # fmt: skip


def custom_llm(assistant: Assistant) -> OpenAILLMService:
    url = assistant["model"].get("url")
    if not isinstance(url, str) or not url:
        raise MissingKey("model.provider `custom-llm` needs `model.url`")
    key = credential_key(assistant, "custom-llm") or NO_KEY
    settings = llm_settings(OpenAILLMService.Settings, assistant)
    return bounded(GuardedOpenAILLMService(api_key=key, base_url=base_url(url), settings=settings))


def bounded(service: OpenAILLMService) -> OpenAILLMService:
    """The service, its client's wait for the vendor cut to `VOXGATE_LLM_TIMEOUT_SECONDS`;
    pipecat then reports the timeout as the LLM's error."""
    seconds = float(keys.setting(TIMEOUT_SETTING) or DEFAULT_TIMEOUT_SECONDS)
    timeout = httpx2.Timeout(seconds, connect=min(seconds, 5.0))
    service._client = service._client.with_options(timeout=timeout)
    return service


def compatible(
    service: type[OpenAILLMService], provider: str, default_url: str | None = None
) -> Callable[[Assistant], LLMService[Any]]:
    """A factory for `provider`: its key, its URL (`VOXGATE_<PROVIDER>_BASE_URL` first, else
    the service's own default), the Vapi model's settings."""

    def build(assistant: Assistant) -> LLMService[Any]:
        key = keys.api_key(assistant, provider, "model")
        url = keys.base_url(provider) or default_url
        settings = llm_settings(service.Settings, assistant)
        if url is None:
            return bounded(service(api_key=key, settings=settings))
        return bounded(service(api_key=key, base_url=url, settings=settings))

    return build


OPENAI_COMPATIBLE: dict[str, Callable[[Assistant], LLMService[Any]]] = {
    "openai": compatible(OpenAILLMService, "openai"),
    "custom-llm": custom_llm,
    "groq": compatible(GroqLLMService, "groq"),
    "together-ai": compatible(TogetherLLMService, "together-ai"),
    "openrouter": compatible(OpenRouterLLMService, "openrouter"),
    "deepinfra": compatible(OpenAILLMService, "deepinfra", DEEPINFRA_URL),
    "xai": compatible(GrokLLMService, "xai"),
    "cerebras": compatible(CerebrasLLMService, "cerebras"),
    "deep-seek": compatible(DeepSeekLLMService, "deep-seek"),
}
