"""Vapi `provider` values → pipecat services, for the model, voice and transcriber.

Each room's table lives beside its services (`llm.LLMS`, `stt.TRANSCRIBERS`, `tts.VOICES`); a
factory takes the resolved assistant (a dict in wire shape) and returns a ready service, or
raises a `ProviderError` naming what is missing. A provider absent from a table is `Unsupported`.

`check` is what `POST /call` asks before it stores a call: building a service reads keys and
settings and creates the vendor's client but opens no connection, so building all three is
an honest test of "can this server run this assistant", and costs no vendor a request.
"""

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from pipecat.services.llm_service import LLMService
from pipecat.services.stt_service import STTService
from pipecat.services.tts_service import TTSService

from voxgate.engine.providers.keys import MissingKey, ProviderError, Unsupported, base_url
from voxgate.engine.providers.llm import LLMS
from voxgate.engine.providers.stt import TRANSCRIBERS
from voxgate.engine.providers.tts import VOICES
from voxgate.engine.providers.whisper import shared_model
from voxgate.kit.urls import check_url, configured_allowlist

Assistant = dict[str, Any]
__all__ = [
    "MissingKey", "ProviderError", "Unsupported", "build_llm", "build_stt", "build_tts", "check",
]  # fmt: skip


def _pick(table: dict[str, Callable[[Assistant], Any]], field: str, assistant: Assistant) -> Any:
    provider = (assistant.get(field) or {}).get("provider")
    factory = table.get(provider) if isinstance(provider, str) else None
    known = ", ".join(sorted(table))
    if provider is None:
        raise Unsupported(f"{field}.provider is required to run a call (supported: {known})")
    if factory is None:
        raise Unsupported(f"{field}.provider {provider!r} is not supported (supported: {known})")
    return factory(assistant)


def _user_urls(assistant: Assistant) -> Iterator[tuple[str, str]]:
    """The URLs of the assistant's services that the user set (not a `VOXGATE_*_BASE_URL`)."""
    model, transcriber = assistant.get("model") or {}, assistant.get("transcriber") or {}
    if model.get("provider") == "custom-llm" and isinstance(model.get("url"), str):
        yield "model.url", model["url"]
    realtime = transcriber.get("realtimeUrl")
    assembly = transcriber.get("provider") == "assembly-ai" and not base_url("assembly-ai")
    if assembly and isinstance(realtime, str):  # the setting wins over it (stt_vendors.py)
        yield "transcriber.realtimeUrl", realtime


async def prepare(assistant: Assistant) -> None:
    """Refuses a URL the user set that the SSRF guard refuses (kit/urls.py; a custom LLM's
    requests are checked again as they are sent), then loads what the assistant's services
    share, off the event loop (the first call's model load and hash check take about a
    second, which would stall every other call). Runs at `POST /call` and when a call starts."""
    for field, url in _user_urls(assistant):
        reason = await check_url(url, configured_allowlist())
        if reason is not None:
            raise ProviderError(f"{field}: {reason}")
    transcriber = assistant.get("transcriber") or {}
    if transcriber.get("provider") == "faster-whisper":
        await asyncio.to_thread(shared_model, str(transcriber.get("model") or "tiny.en"))


def build_llm(assistant: Assistant) -> LLMService[Any]:
    result: LLMService[Any] = _pick(LLMS, "model", assistant)
    return result


def build_stt(assistant: Assistant) -> STTService:
    result: STTService = _pick(TRANSCRIBERS, "transcriber", assistant)
    return result


def build_tts(assistant: Assistant) -> TTSService:
    result: TTSService = _pick(VOICES, "voice", assistant)
    return result


@contextmanager
def _named(field: str) -> Iterator[None]:
    """Any failure to build the `field` service, as a `ProviderError` that names it."""
    try:
        yield
    except ProviderError as error:
        raise ProviderError(f"assistant.{error}") from None
    except Exception as error:  # e.g. a model that is not bundled, a missing program
        raise ProviderError(f"assistant.{field}: {error}") from None


async def check(assistant: Assistant) -> None:
    """Raises a `ProviderError` (its message starts with `assistant.`) when the assistant's
    model, transcriber or voice cannot run here (`prepare`'s refusals included). Give it the
    assistant with the server's defaults filled in (`builder.with_defaults`), as a call would
    run it."""
    with _named("model"):
        build_llm(assistant)
    with _named("transcriber"):
        await prepare(assistant)  # loads, off the event loop, the model the call will share
        build_stt(assistant)
    with _named("voice"):
        build_tts(assistant)
