"""Voices: Vapi's `voice.provider` values → factories of pipecat TTS services.

A factory only configures its service: the vendor is first reached when the call starts (the
create-time check builds services to validate an assistant)."""

from collections.abc import Callable
from typing import Any

from pipecat.services.cartesia.tts import CartesiaTTSService, GenerationConfig
from pipecat.services.elevenlabs.tts import ElevenLabsTTSService
from pipecat.services.openai.tts import OpenAITTSService
from pipecat.services.tts_service import TTSService

from voxgate.engine.providers import tts_vendors
from voxgate.engine.providers.espeak import EspeakTTS
from voxgate.engine.providers.keys import Unsupported, api_key, base_url
from voxgate.engine.providers.language import to_language
from voxgate.engine.providers.piper import piper
from voxgate.engine.providers.support import flag, given, number, text

Assistant = dict[str, Any]
FIELD = "voice"


def _espeak(assistant: Assistant) -> TTSService:
    return EspeakTTS(voice=str(assistant["voice"].get("voiceId") or "en-us"))


def elevenlabs(assistant: Assistant) -> TTSService:
    config = assistant[FIELD]
    settings = ElevenLabsTTSService.Settings(
        **given(
            voice=text(config, "voiceId"),
            model=text(config, "model"),
            language=to_language(config.get("language")),
            stability=number(config, "stability"),
            similarity_boost=number(config, "similarityBoost"),
            style=number(config, "style"),
            use_speaker_boost=flag(config, "useSpeakerBoost"),
            speed=number(config, "speed"),
        )
    )
    return ElevenLabsTTSService(
        api_key=api_key(assistant, "11labs", FIELD),
        **given(
            url=base_url("11labs"),
            auto_mode=flag(config, "autoMode"),
            enable_ssml_parsing=flag(config, "enableSsmlParsing"),
        ),
        settings=settings,
    )


def cartesia(assistant: Assistant) -> TTSService:
    config = assistant[FIELD]
    generation = config.get("generationConfig")
    settings = CartesiaTTSService.Settings(
        **given(
            voice=text(config, "voiceId"),
            model=text(config, "model"),
            language=to_language(config.get("language")),
            pronunciation_dict_id=text(config, "pronunciationDictId"),
            generation_config=GenerationConfig(
                **given(
                    speed=number(generation, "speed"),
                    volume=number(generation, "volume"),
                    emotion=text(generation, "emotion"),
                )
            )
            if isinstance(generation, dict)
            else None,
        )
    )
    root = base_url("cartesia")
    return CartesiaTTSService(
        api_key=api_key(assistant, "cartesia", FIELD),
        **given(url=f"{root.rstrip('/')}/tts/websocket" if root else None),
        settings=settings,
    )


def openai(assistant: Assistant) -> TTSService:
    config = assistant[FIELD]
    settings = OpenAITTSService.Settings(
        **given(
            voice=text(config, "voiceId"),
            model=text(config, "model"),
            instructions=text(config, "instructions"),
            speed=number(config, "speed"),
        )
    )
    return OpenAITTSService(
        api_key=api_key(assistant, "openai", FIELD), base_url=base_url("openai"), settings=settings
    )


def _not_served(provider: str) -> Callable[[Assistant], TTSService]:
    def refuse(_assistant: Assistant) -> TTSService:
        raise Unsupported(f"voice.provider `{provider}` is not served: pipecat 1.14.0 has no "
                          f"{provider} service")  # fmt: skip

    return refuse


VOICES: dict[str, Callable[[Assistant], TTSService]] = {
    "espeak": _espeak,
    "piper": piper,
    "11labs": elevenlabs,
    "cartesia": cartesia,
    "openai": openai,
    "deepgram": tts_vendors.deepgram,
    "azure": tts_vendors.azure,
    "rime-ai": tts_vendors.rime,
    "neuphonic": tts_vendors.neuphonic,
    "hume": tts_vendors.hume,
    "inworld": tts_vendors.inworld,
    "minimax": tts_vendors.minimax,
    "playht": _not_served("playht"),
    "lmnt": _not_served("lmnt"),
}
