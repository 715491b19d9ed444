"""The model's table: Vapi's `model.provider` values → factories of pipecat LLM services.

Every factory takes the resolved assistant and reads the same Vapi fields (`llm_common`); the
key comes from `keys.api_key` (credentials, else `VOXGATE_<PROVIDER>_API_KEY`) and the vendor's
URL may be moved with `VOXGATE_<PROVIDER>_BASE_URL`.
"""

from collections.abc import Callable
from typing import Any

from pipecat.services.llm_service import LLMService

from voxgate.engine.providers.llm_anthropic import anthropic_llm
from voxgate.engine.providers.llm_common import Assistant, system_prompt
from voxgate.engine.providers.llm_google import google_llm
from voxgate.engine.providers.llm_openai import OPENAI_COMPATIBLE, base_url

__all__ = ["LLMS", "base_url", "system_prompt"]

LLMS: dict[str, Callable[[Assistant], LLMService[Any]]] = {
    **OPENAI_COMPATIBLE,
    "anthropic": anthropic_llm,
    "google": google_llm,
}
