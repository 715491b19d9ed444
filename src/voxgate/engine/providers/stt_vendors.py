"""The transcribers beyond the common ones: AssemblyAI, Gladia, Speechmatics, Soniox, and the
two whose SDKs are optional voxgate extras (Azure, Google)."""

import json
from typing import Any

from pipecat.services.assemblyai.stt import AssemblyAISTTService
from pipecat.services.gladia.config import LanguageConfig
from pipecat.services.gladia.stt import GladiaSTTService
from pipecat.services.soniox.stt import SonioxContextObject, SonioxSTTService
from pipecat.services.speechmatics.stt import SpeechmaticsSTTService
from pipecat.services.stt_service import STTService
from pipecat.transcriptions.language import Language

from voxgate.engine.providers.accounts import azure_region
from voxgate.engine.providers.keys import MissingKey, api_key, base_url
from voxgate.engine.providers.language import to_language
from voxgate.engine.providers.support import flag, given, number, service_module, strings, text

Assistant = dict[str, Any]
FIELD = "transcriber"


def _languages(config: dict[str, Any]) -> list[Language | str] | None:
    """Vapi's `languages` list, else its one `language`, as pipecat languages."""
    codes = strings(config, "languages") or (
        [config["language"]] if text(config, "language") else []
    )
    found = [to_language(code) for code in codes]
    return [language for language in found if language is not None] or None


def assemblyai(assistant: Assistant) -> STTService:
    config = assistant[FIELD]
    silence = number(config, "maxTurnSilence")
    wait = number(config, "wordFinalizationMaxWaitTime")
    settings = AssemblyAISTTService.Settings(
        **given(
            model=text(config, "speechModel"),
            language=_language_or_default(config, Language.EN),
            format_turns=flag(config, "formatTurns"),
            max_turn_silence=int(silence) if silence is not None else None,
            word_finalization_max_wait_time=int(wait) if wait is not None else None,
            keyterms_prompt=strings(config, "keytermsPrompt"),
        )
    )
    url = base_url("assembly-ai") or text(config, "realtimeUrl")
    return AssemblyAISTTService(
        api_key=api_key(assistant, "assembly-ai", FIELD),
        **given(api_endpoint_base_url=url),
        settings=settings,
    )


def _language_or_default(config: dict[str, Any], default: Language) -> Any:
    language = to_language(config.get("language"))
    return default if language is None or language == "multi" else language


def gladia(assistant: Assistant) -> STTService:
    config = assistant[FIELD]
    languages = strings(config, "languages") or (
        [config["language"]] if text(config, "language") else None
    )
    endpointing = number(config, "endpointing")
    settings = GladiaSTTService.Settings(
        **given(
            language_config=LanguageConfig(languages=languages, code_switching=len(languages) > 1)
            if languages
            else None,
            endpointing=endpointing,
        )
    )
    region = text(config, "region")
    return GladiaSTTService(
        api_key=api_key(assistant, "gladia", FIELD),
        **given(url=base_url("gladia"), model=text(config, "model")),
        region=region if region in ("us-west", "eu-west") else None,  # type: ignore[arg-type]
        settings=settings,
    )


def speechmatics(assistant: Assistant) -> STTService:
    config = assistant[FIELD]
    vocabulary = [
        SpeechmaticsSTTService.AdditionalVocabEntry(
            content=entry["content"], sounds_like=entry.get("soundsLike") or []
        )
        for entry in config.get("customVocabulary") or []
        if isinstance(entry, dict) and isinstance(entry.get("content"), str)
    ]
    settings = SpeechmaticsSTTService.Settings(
        **given(
            language=to_language(config.get("language")),
            operating_point=text(config, "operatingPoint"),
            enable_diarization=flag(config, "enableDiarization"),
            additional_vocab=vocabulary or None,
        )
    )
    return SpeechmaticsSTTService(
        api_key=api_key(assistant, "speechmatics", FIELD),
        base_url=base_url("speechmatics"),
        settings=settings,
    )


def soniox(assistant: Assistant) -> STTService:
    config = assistant[FIELD]
    delay = number(config, "maxEndpointDelayMs")
    terms = strings(config, "customVocabulary")
    settings = SonioxSTTService.Settings(
        **given(
            language_hints=_languages(config),
            language_hints_strict=flag(config, "languageHintsStrict"),
            max_endpoint_delay_ms=int(delay) if delay is not None else None,
            context=SonioxContextObject(terms=terms) if terms else None,
        )
    )
    return SonioxSTTService(
        api_key=api_key(assistant, "soniox", FIELD),
        **given(url=base_url("soniox"), model=text(config, "model")),
        settings=settings,
    )


def azure(assistant: Assistant) -> STTService:
    module = service_module("pipecat.services.azure.stt", FIELD, "azure", "azure")
    config = assistant[FIELD]
    service: STTService = module.AzureSTTService(
        api_key=api_key(assistant, "azure", FIELD),
        region=azure_region(assistant),
        language=_language_or_default(config, Language.EN_US),
    )
    return service


def google(assistant: Assistant) -> STTService:
    """Google Cloud Speech; its key is a service account's JSON (`VOXGATE_GOOGLE_API_KEY` or
    the `google` credential's `apiKey`). Vapi's Gemini model names have no Cloud Speech
    equivalent, so pipecat's default model transcribes."""
    module = service_module("pipecat.services.google.stt", FIELD, "google", "google")
    languages = _languages(assistant[FIELD])
    settings = module.GoogleSTTService.Settings(**given(languages=languages))
    account = api_key(assistant, "google", FIELD)
    try:
        json.loads(account)
    except ValueError:
        raise MissingKey("transcriber.provider `google` needs a service account's JSON as its "
                         "key (Google Cloud Speech takes no plain API key)") from None  # fmt: skip
    service: STTService = module.GoogleSTTService(credentials=account, settings=settings)
    return service
