"""Voices: Vapi's `voice.provider` values → factories of pipecat TTS services."""

from collections.abc import Callable
from typing import Any

from pipecat.services.tts_service import TTSService

from voxgate.engine.providers.espeak import EspeakTTS

Assistant = dict[str, Any]


def _espeak(assistant: Assistant) -> TTSService:
    return EspeakTTS(voice=str(assistant["voice"].get("voiceId") or "en-us"))


VOICES: dict[str, Callable[[Assistant], TTSService]] = {"espeak": _espeak}
