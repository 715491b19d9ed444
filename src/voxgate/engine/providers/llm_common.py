"""What every LLM provider reads from a Vapi `model`: the model name, the system prompt
(`model.messages`), `temperature` and `maxTokens`, as pipecat settings."""

from typing import Any, TypeVar

from pipecat.services.settings import LLMSettings

from voxgate.engine.providers.keys import ProviderError

Assistant = dict[str, Any]
S = TypeVar("S", bound=LLMSettings)


def system_prompt(assistant: Assistant) -> str:
    """The assistant's `model.messages`, joined: what the LLM is told before the call."""
    messages = (assistant.get("model") or {}).get("messages") or []
    parts = [m.get("content", "") for m in messages if isinstance(m, dict)]
    return "\n".join(p for p in parts if isinstance(p, str) and p)


def _number(model: dict[str, Any], field: str, kind: type[float] | type[int]) -> float | None:
    value = model.get(field)
    if value is None:
        return None
    # Keys inside `model` are kept as sent, so a number may arrive as anything.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProviderError(f"model.{field} must be a number")
    return kind(value)


def llm_settings(settings_class: type[S], assistant: Assistant) -> S:
    """The service's settings (its own class, so vendor defaults stay) from the Vapi model.
    What the assistant leaves unset keeps the service's default."""
    model = assistant["model"]
    settings = settings_class(model=str(model["model"]))
    prompt = system_prompt(assistant)
    if prompt:
        settings.system_instruction = prompt
    temperature = _number(model, "temperature", float)
    if temperature is not None:
        settings.temperature = temperature
    max_tokens = _number(model, "maxTokens", int)
    if max_tokens is not None:
        settings.max_tokens = int(max_tokens)
    return settings
