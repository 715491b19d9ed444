"""Transcribers: Vapi's `transcriber.provider` values → factories of pipecat STT services.

A factory only configures its service: the vendor is first reached when the call starts (the
create-time check builds services to validate an assistant)."""

from collections.abc import Callable
from typing import Any

from pipecat.services.cartesia.stt import CartesiaSTTService
from pipecat.services.deepgram.flux.stt import DeepgramFluxSTTService
from pipecat.services.deepgram.stt import DeepgramSTTService
from pipecat.services.elevenlabs.stt import ElevenLabsRealtimeSTTService
from pipecat.services.openai.stt import OpenAISTTService
from pipecat.services.stt_service import STTService

from voxgate.engine.providers import stt_vendors
from voxgate.engine.providers.keys import api_key, base_url
from voxgate.engine.providers.language import to_language
from voxgate.engine.providers.support import flag, given, number, strings, text
from voxgate.engine.providers.whisper import SharedWhisperSTT

Assistant = dict[str, Any]
FIELD = "transcriber"


def _whisper(assistant: Assistant) -> STTService:
    return SharedWhisperSTT(model=str(assistant["transcriber"].get("model") or "tiny.en"))


def deepgram(assistant: Assistant) -> STTService:
    config = assistant[FIELD]
    if (text(config, "model") or "").startswith("flux"):
        return _deepgram_flux(assistant)
    endpointing = number(config, "endpointing")
    settings = DeepgramSTTService.Settings(
        **given(
            model=text(config, "model"),
            language=to_language(config.get("language")),
            smart_format=flag(config, "smartFormat"),
            numerals=flag(config, "numerals"),
            profanity_filter=flag(config, "profanityFilter"),
            redact=strings(config, "redaction"),
            keywords=strings(config, "keywords"),
            keyterm=strings(config, "keyterm"),
            endpointing=int(endpointing) if endpointing is not None else None,
        )
    )
    return DeepgramSTTService(
        api_key=api_key(assistant, "deepgram", FIELD),
        base_url=base_url("deepgram") or "",
        mip_opt_out=flag(config, "mipOptOut"),
        settings=settings,
    )


def _deepgram_flux(assistant: Assistant) -> STTService:
    """Deepgram's Flux models (`flux-general-en`…) listen on `/v2/listen` and detect the end
    of a turn themselves: Vapi's `eotThreshold`, `eotTimeoutMs`, `confidenceThreshold` are
    theirs."""
    config = assistant[FIELD]
    timeout = number(config, "eotTimeoutMs")
    settings = DeepgramFluxSTTService.Settings(
        **given(
            model=text(config, "model"),
            eot_threshold=number(config, "eotThreshold"),
            eot_timeout_ms=int(timeout) if timeout is not None else None,
            min_confidence=number(config, "confidenceThreshold"),
            keyterm=strings(config, "keyterm"),
            language_hints=strings(config, "languages"),
        )
    )
    root = base_url("deepgram")
    return DeepgramFluxSTTService(
        api_key=api_key(assistant, "deepgram", FIELD),
        **given(url=f"{root.rstrip('/')}/v2/listen" if root else None),
        mip_opt_out=flag(config, "mipOptOut"),
        settings=settings,
    )


def openai(assistant: Assistant) -> STTService:
    config = assistant[FIELD]
    settings = OpenAISTTService.Settings(
        **given(model=text(config, "model"), language=to_language(config.get("language")))
    )
    return OpenAISTTService(
        api_key=api_key(assistant, "openai", FIELD),
        base_url=base_url("openai"),
        settings=settings,
    )


def cartesia(assistant: Assistant) -> STTService:
    config = assistant[FIELD]
    settings = CartesiaSTTService.Settings(
        **given(model=text(config, "model"), language=to_language(config.get("language")))
    )
    return CartesiaSTTService(
        api_key=api_key(assistant, "cartesia", FIELD),
        base_url=base_url("cartesia") or "",
        settings=settings,
    )


def elevenlabs(assistant: Assistant) -> STTService:
    """ElevenLabs' realtime (websocket) transcriber; pipecat adds the `wss://` itself."""
    config = assistant[FIELD]
    silence = number(config, "silenceThresholdSeconds")
    speech_ms, silence_ms = (
        number(config, "minSpeechDurationMs"),
        number(config, "minSilenceDurationMs"),
    )
    settings = ElevenLabsRealtimeSTTService.Settings(
        **given(
            model=text(config, "model"),
            language=to_language(config.get("language")),
            vad_silence_threshold_secs=silence,
            min_speech_duration_ms=int(speech_ms) if speech_ms is not None else None,
            min_silence_duration_ms=int(silence_ms) if silence_ms is not None else None,
        )
    )
    host = (base_url("11labs") or "api.elevenlabs.io").split("://")[-1]
    return ElevenLabsRealtimeSTTService(
        api_key=api_key(assistant, "11labs", FIELD), base_url=host, settings=settings
    )


TRANSCRIBERS: dict[str, Callable[[Assistant], STTService]] = {
    "faster-whisper": _whisper,
    "deepgram": deepgram,
    "openai": openai,
    "cartesia": cartesia,
    "11labs": elevenlabs,
    "assembly-ai": stt_vendors.assemblyai,
    "gladia": stt_vendors.gladia,
    "speechmatics": stt_vendors.speechmatics,
    "soniox": stt_vendors.soniox,
    "azure": stt_vendors.azure,
    "google": stt_vendors.google,
}
