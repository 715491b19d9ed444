"""Vapi `provider` values → factories of pipecat services, for the model, voice and transcriber.

A factory takes the resolved assistant (a dict in wire shape) and returns a ready service. A
provider absent from these tables cannot be run by this server (`Unsupported`).
"""

import asyncio
from collections.abc import Callable
from typing import Any

from pipecat.services.llm_service import LLMService
from pipecat.services.stt_service import STTService
from pipecat.services.tts_service import TTSService

from voxgate.engine.providers.espeak import EspeakTTS
from voxgate.engine.providers.llm import custom_llm, openai_llm
from voxgate.engine.providers.whisper import SharedWhisperSTT, shared_model

Assistant = dict[str, Any]


class Unsupported(ValueError):
    """The assistant names a provider this server cannot run."""


def _whisper(assistant: Assistant) -> STTService:
    return SharedWhisperSTT(model=str(assistant["transcriber"].get("model") or "tiny.en"))


def _espeak(assistant: Assistant) -> TTSService:
    return EspeakTTS(voice=str(assistant["voice"].get("voiceId") or "en-us"))


LLMS: dict[str, Callable[[Assistant], LLMService[Any]]] = {
    "openai": openai_llm,
    "custom-llm": custom_llm,
}
TRANSCRIBERS: dict[str, Callable[[Assistant], STTService]] = {"faster-whisper": _whisper}
VOICES: dict[str, Callable[[Assistant], TTSService]] = {"espeak": _espeak}


def _pick(table: dict[str, Callable[[Assistant], Any]], field: str, assistant: Assistant) -> Any:
    provider = (assistant.get(field) or {}).get("provider")
    factory = table.get(provider) if isinstance(provider, str) else None
    if factory is None:
        known = ", ".join(sorted(table))
        raise Unsupported(f"{field}.provider {provider!r} is not supported (supported: {known})")
    return factory(assistant)


async def prepare(assistant: Assistant) -> None:
    """Loads what the assistant's services share, off the event loop (the first call's model
    load and hash check take about a second, which would stall every other call)."""
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
