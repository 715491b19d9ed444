"""`google`: Gemini through pipecat's Google service. Its packages (google-genai, grpcio…) are
heavy, so they come with the optional extra `voxgate[google]`."""

from typing import Any

from pipecat.services.llm_service import LLMService

from voxgate.engine.providers import keys
from voxgate.engine.providers.keys import Unsupported
from voxgate.engine.providers.llm_common import Assistant, llm_settings

EXTRA = "model.provider `google` needs its packages: pip install 'voxgate[google]'"


def google_llm(assistant: Assistant) -> LLMService[Any]:
    try:
        from google.genai.types import HttpOptions
        from pipecat.services.google.llm import GoogleLLMService
    except ImportError:
        raise Unsupported(EXTRA) from None
    key = keys.api_key(assistant, "google", "model")
    url = keys.base_url("google")
    settings = llm_settings(GoogleLLMService.Settings, assistant)
    options = HttpOptions(base_url=url) if url else None
    return GoogleLLMService(api_key=key, settings=settings, http_options=options)
