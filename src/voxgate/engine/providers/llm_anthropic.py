"""`anthropic`: pipecat's Anthropic service, its client pointed at `VOXGATE_ANTHROPIC_BASE_URL`
when set (pipecat's service takes no URL, but accepts a ready client)."""

from anthropic import AsyncAnthropic
from pipecat.services.anthropic.llm import AnthropicLLMService

from voxgate.engine.providers import keys
from voxgate.engine.providers.llm_common import Assistant, llm_settings


def anthropic_llm(assistant: Assistant) -> AnthropicLLMService:
    key = keys.api_key(assistant, "anthropic", "model")
    # None lets the SDK use its default (https://api.anthropic.com).
    client = AsyncAnthropic(api_key=key, base_url=keys.base_url("anthropic"))
    settings = llm_settings(AnthropicLLMService.Settings, assistant)
    return AnthropicLLMService(api_key=key, client=client, settings=settings)
