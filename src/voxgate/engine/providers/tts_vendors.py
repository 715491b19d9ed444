"""The voices beyond the common ones: Deepgram, Rime, Neuphonic, Inworld, MiniMax, and the two
whose SDKs are optional voxgate extras (Azure, Hume)."""

from typing import Any

import aiohttp
from pipecat.frames.frames import CancelFrame, EndFrame, StartFrame
from pipecat.services.deepgram.tts import DeepgramTTSService
from pipecat.services.inworld.tts import InworldTTSService
from pipecat.services.minimax.tts import MiniMaxHttpTTSService
from pipecat.services.neuphonic.tts import NeuphonicTTSService
from pipecat.services.rime.tts import RimeTTSService
from pipecat.services.tts_service import TTSService

from voxgate.engine.providers.accounts import azure_region, minimax_group_id
from voxgate.engine.providers.keys import api_key, base_url
from voxgate.engine.providers.language import to_language
from voxgate.engine.providers.support import flag, given, number, service_module, text

Assistant = dict[str, Any]
FIELD = "voice"


def deepgram(assistant: Assistant) -> TTSService:
    """Deepgram names a voice by model, voice and language (`aura-2-thalia-en`); Vapi splits
    the first two into `model` and `voiceId`."""
    config = assistant[FIELD]
    voice = text(config, "voiceId")
    if voice and not voice.startswith("aura"):
        voice = f"{text(config, 'model') or 'aura-2'}-{voice}-en"
    return DeepgramTTSService(
        api_key=api_key(assistant, "deepgram", FIELD),
        **given(base_url=base_url("deepgram"), mip_opt_out=flag(config, "mipOptOut")),
        settings=DeepgramTTSService.Settings(**given(voice=voice)),
    )


def rime(assistant: Assistant) -> TTSService:
    config = assistant[FIELD]
    settings = RimeTTSService.Settings(
        **given(
            voice=text(config, "voiceId"),
            model=text(config, "model"),
            language=to_language(config.get("language")),
            speedAlpha=number(config, "speed"),
            reduceLatency=flag(config, "reduceLatency"),
            pauseBetweenBrackets=flag(config, "pauseBetweenBrackets"),
            phonemizeBetweenBrackets=flag(config, "phonemizeBetweenBrackets"),
            inlineSpeedAlpha=text(config, "inlineSpeedAlpha"),
        )
    )
    return RimeTTSService(
        api_key=api_key(assistant, "rime-ai", FIELD),
        **given(url=base_url("rime-ai")),
        settings=settings,
    )


def neuphonic(assistant: Assistant) -> TTSService:
    config = assistant[FIELD]
    settings = NeuphonicTTSService.Settings(
        **given(
            voice=text(config, "voiceId"),
            language=to_language(config.get("language")),
            speed=number(config, "speed"),
        )
    )
    return NeuphonicTTSService(
        api_key=api_key(assistant, "neuphonic", FIELD),
        **given(url=base_url("neuphonic")),
        settings=settings,
    )


def inworld(assistant: Assistant) -> TTSService:
    config = assistant[FIELD]
    settings = InworldTTSService.Settings(
        **given(
            voice=text(config, "voiceId"),
            model=text(config, "model"),
            language=to_language(config.get("languageCode")),
            speaking_rate=number(config, "speakingRate"),
            temperature=number(config, "temperature"),
        )
    )
    return InworldTTSService(
        api_key=api_key(assistant, "inworld", FIELD),
        **given(url=base_url("inworld")),
        settings=settings,
    )


class MinimaxTTS(MiniMaxHttpTTSService):
    """pipecat's MiniMax service with an HTTP session of its own, opened when the call starts
    and closed when it ends (building the service must not open anything)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(aiohttp_session=None, **kwargs)  # type: ignore[arg-type]
        self._own_session: aiohttp.ClientSession | None = None

    async def start(self, frame: StartFrame) -> None:
        self._session = self._own_session = aiohttp.ClientSession()
        await super().start(frame)

    async def stop(self, frame: EndFrame) -> None:
        await super().stop(frame)
        await self._close_session()

    async def cancel(self, frame: CancelFrame) -> None:
        await super().cancel(frame)
        await self._close_session()

    async def _close_session(self) -> None:
        if self._own_session is not None:
            await self._own_session.close()
            self._own_session = None


def minimax(assistant: Assistant) -> TTSService:
    config = assistant[FIELD]
    settings = MiniMaxHttpTTSService.Settings(
        **given(
            voice=text(config, "voiceId"),
            model=text(config, "model"),
            speed=number(config, "speed"),
            volume=number(config, "volume"),
            pitch=number(config, "pitch"),
            emotion=text(config, "emotion"),
            language_boost=text(config, "languageBoost"),
            text_normalization=flag(config, "textNormalizationEnabled"),
        )
    )
    return MinimaxTTS(
        api_key=api_key(assistant, "minimax", FIELD),
        group_id=minimax_group_id(assistant),
        **given(base_url=base_url("minimax")),
        settings=settings,
    )


def azure(assistant: Assistant) -> TTSService:
    module = service_module("pipecat.services.azure.tts", FIELD, "azure", "azure")
    config = assistant[FIELD]
    speed = number(config, "speed")
    settings = module.AzureTTSService.Settings(
        **given(voice=text(config, "voiceId"), rate=str(speed) if speed is not None else None)
    )
    service: TTSService = module.AzureTTSService(
        api_key=api_key(assistant, "azure", FIELD),
        region=azure_region(assistant),
        settings=settings,
    )
    return service


def hume(assistant: Assistant) -> TTSService:
    module = service_module("pipecat.services.hume.tts", FIELD, "hume", "hume")
    config = assistant[FIELD]
    settings = module.HumeTTSService.Settings(
        **given(voice=text(config, "voiceId"), description=text(config, "description"))
    )
    service: TTSService = module.HumeTTSService(
        api_key=api_key(assistant, "hume", FIELD), settings=settings
    )
    return service
