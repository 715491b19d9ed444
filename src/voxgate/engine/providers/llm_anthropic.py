"""`anthropic`: pipecat's Anthropic service, its client pointed at `VOXGATE_ANTHROPIC_BASE_URL`
when set (pipecat's service takes no URL, but accepts a ready client)."""

from anthropic import AsyncAnthropic
from pipecat.services.anthropic.llm import AnthropicLLMService, AnthropicThinkingConfig

from voxgate.engine.providers import keys
from voxgate.engine.providers.keys import ProviderError
from voxgate.engine.providers.llm_common import Assistant, llm_settings


def _thinking(assistant: Assistant) -> AnthropicThinkingConfig | None:
    """Vapi's `model.thinking` ({type: enabled, budgetTokens}) in pipecat's shape."""
    thinking = assistant["model"].get("thinking")
    if thinking is None:
        return None
    budget = thinking.get("budgetTokens") if isinstance(thinking, dict) else None
    if not isinstance(budget, int | float) or isinstance(budget, bool):
        raise ProviderError("model.thinking needs `type` and a number `budgetTokens`")
    return AnthropicThinkingConfig(
        type=str(thinking.get("type") or "enabled"), budget_tokens=int(budget)
    )


def anthropic_llm(assistant: Assistant) -> AnthropicLLMService:
    key = keys.api_key(assistant, "anthropic", "model")
    # None lets the SDK use its default (https://api.anthropic.com).
    client = AsyncAnthropic(api_key=key, base_url=keys.base_url("anthropic"))
    settings = llm_settings(AnthropicLLMService.Settings, assistant)
    thinking = _thinking(assistant)
    if thinking is not None:
        # pipecat annotates the field with a string forward reference mypy cannot resolve.
        settings.thinking = thinking  # type: ignore[assignment]
    return AnthropicLLMService(api_key=key, client=client, settings=settings)
