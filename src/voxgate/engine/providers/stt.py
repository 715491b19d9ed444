"""Transcribers: Vapi's `transcriber.provider` values → factories of pipecat STT services."""

from collections.abc import Callable
from typing import Any

from pipecat.services.stt_service import STTService

from voxgate.engine.providers.whisper import SharedWhisperSTT

Assistant = dict[str, Any]


def _whisper(assistant: Assistant) -> STTService:
    return SharedWhisperSTT(model=str(assistant["transcriber"].get("model") or "tiny.en"))


TRANSCRIBERS: dict[str, Callable[[Assistant], STTService]] = {"faster-whisper": _whisper}
