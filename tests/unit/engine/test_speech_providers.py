"""Vapi transcriber and voice configs → the pipecat service that runs them, with its settings.

Built without a call: a factory only configures its service, it never reaches the vendor."""

import importlib.util
import json
import socket
from typing import Any

import pytest
from pipecat.services.assemblyai.stt import AssemblyAISTTService
from pipecat.services.cartesia.stt import CartesiaSTTService
from pipecat.services.cartesia.tts import CartesiaTTSService
from pipecat.services.deepgram.flux.stt import DeepgramFluxSTTService
from pipecat.services.deepgram.stt import DeepgramSTTService
from pipecat.services.deepgram.tts import DeepgramTTSService
from pipecat.services.elevenlabs.stt import ElevenLabsRealtimeSTTService
from pipecat.services.elevenlabs.tts import ElevenLabsTTSService
from pipecat.services.gladia.stt import GladiaSTTService
from pipecat.services.inworld.tts import InworldTTSService
from pipecat.services.minimax.tts import MiniMaxHttpTTSService
from pipecat.services.neuphonic.tts import NeuphonicTTSService
from pipecat.services.openai.stt import OpenAISTTService
from pipecat.services.openai.tts import OpenAITTSService
from pipecat.services.rime.tts import RimeTTSService
from pipecat.services.soniox.stt import SonioxSTTService
from pipecat.services.speechmatics.stt import SpeechmaticsSTTService
from pipecat.transcriptions.language import Language

from voxgate.engine.providers.keys import MissingKey, Unsupported
from voxgate.engine.providers.registry import build_stt, build_tts
from voxgate.engine.providers.stt import TRANSCRIBERS
from voxgate.engine.providers.tts import VOICES

KEYS = [
    {"provider": p, "apiKey": f"key-{p}"}
    for p in ["deepgram", "openai", "assembly-ai", "gladia", "speechmatics", "cartesia",
              "soniox", "11labs", "rime-ai", "neuphonic", "inworld", "azure", "google", "hume"]
] + [{"provider": "minimax", "apiKey": "key-minimax", "groupId": "group-1"}]  # fmt: skip


def refuse_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("a service opened a connection while being built")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def stt(**config: Any) -> Any:
    return build_stt({"transcriber": config, "credentials": KEYS})


def tts(**config: Any) -> Any:
    return build_tts({"voice": config, "credentials": KEYS})


def test_deepgram_transcriber_takes_model_language_and_knobs() -> None:
    service = stt(
        provider="deepgram", model="nova-2-phonecall", language="en-US", smartFormat=True,
        keywords=["voxgate:2"], keyterm=["front desk"], endpointing=300, numerals=True,
        mipOptOut=True,
    )  # fmt: skip
    assert isinstance(service, DeepgramSTTService)
    settings = service._settings
    assert (settings.model, settings.language) == ("nova-2-phonecall", Language.EN_US)
    assert settings.smart_format is True and settings.numerals is True
    assert settings.keywords == ["voxgate:2"] and settings.keyterm == ["front desk"]
    assert settings.endpointing == 300
    query = service._build_connect_kwargs()
    assert query["model"] == "nova-2-phonecall" and query["language"] == "en-US"
    assert query["smart_format"] == "true" and query["mip_opt_out"] == "true"


def test_deepgram_flux_models_get_the_flux_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOXGATE_DEEPGRAM_BASE_URL", "ws://127.0.0.1:9")
    service = stt(
        provider="deepgram", model="flux-general-en", eotThreshold=0.8, eotTimeoutMs=3000,
        confidenceThreshold=0.5, keyterm=["voxgate"],
    )  # fmt: skip
    assert isinstance(service, DeepgramFluxSTTService)
    settings = service._settings
    assert (settings.model, settings.eot_threshold, settings.eot_timeout_ms) == (
        "flux-general-en",
        0.8,
        3000,
    )
    assert settings.min_confidence == 0.5 and settings.keyterm == ["voxgate"]
    assert service._url == "ws://127.0.0.1:9/v2/listen"


def test_a_language_pipecat_does_not_know_reaches_the_vendor_as_given() -> None:
    assert stt(provider="deepgram", language="multi")._settings.language == "multi"


def test_openai_transcriber() -> None:
    service = stt(provider="openai", model="gpt-4o-transcribe", language="de")
    assert isinstance(service, OpenAISTTService)
    assert (service._settings.model, service._settings.language) == (
        "gpt-4o-transcribe",
        Language.DE,
    )


def test_assemblyai_transcriber() -> None:
    service = stt(
        provider="assembly-ai", language="en", formatTurns=True, endOfTurnConfidenceThreshold=0.6,
        maxTurnSilence=900, keytermsPrompt=["voxgate"],
        speechModel="universal-streaming-english",
    )  # fmt: skip
    assert isinstance(service, AssemblyAISTTService)
    settings = service._settings
    assert settings.model == "universal-streaming-english" and settings.format_turns is True
    assert settings.max_turn_silence == 900 and settings.language == Language.EN
    assert settings.keyterms_prompt == ["voxgate"]


def test_gladia_transcriber() -> None:
    service = stt(provider="gladia", model="solaria-1", languages=["en", "fr"], endpointing=0.3)
    assert isinstance(service, GladiaSTTService)
    config = service._settings.language_config
    assert config.languages == ["en", "fr"] and config.code_switching is True
    assert service._settings.endpointing == 0.3


def test_speechmatics_transcriber() -> None:
    service = stt(
        provider="speechmatics", language="es", operatingPoint="enhanced",
        customVocabulary=[{"content": "voxgate", "soundsLike": ["vox gate"]}],
    )  # fmt: skip
    assert isinstance(service, SpeechmaticsSTTService)
    settings = service._settings
    assert settings.language == Language.ES and settings.operating_point == "enhanced"
    assert settings.additional_vocab[0].content == "voxgate"


def test_cartesia_soniox_and_elevenlabs_transcribers() -> None:
    cartesia = stt(provider="cartesia", model="ink-whisper", language="fr")
    assert isinstance(cartesia, CartesiaSTTService)
    assert (cartesia._settings.model, cartesia._settings.language) == ("ink-whisper", Language.FR)
    soniox = stt(
        provider="soniox", model="stt-rt-v4", languages=["en", "es"], maxEndpointDelayMs=800
    )
    assert isinstance(soniox, SonioxSTTService)
    assert soniox._settings.language_hints == [Language.EN, Language.ES]
    assert soniox._settings.max_endpoint_delay_ms == 800
    labs = stt(provider="11labs", model="scribe_v2_realtime", language="it")
    assert isinstance(labs, ElevenLabsRealtimeSTTService)
    assert (labs._settings.model, labs._settings.language) == ("scribe_v2_realtime", "ita")


def test_elevenlabs_voice_takes_its_voice_settings() -> None:
    service = tts(
        provider="11labs", voiceId="21m00Tcm4TlvDq8ikWAM", model="eleven_turbo_v2_5",
        stability=0.4, similarityBoost=0.8, style=0.1, useSpeakerBoost=True, speed=1.1,
        language="en",
    )  # fmt: skip
    assert isinstance(service, ElevenLabsTTSService)
    settings = service._settings
    assert (settings.voice, settings.model) == ("21m00Tcm4TlvDq8ikWAM", "eleven_turbo_v2_5")
    assert (settings.stability, settings.similarity_boost, settings.style) == (0.4, 0.8, 0.1)
    assert settings.use_speaker_boost is True and settings.speed == 1.1


def test_cartesia_voice() -> None:
    service = tts(
        provider="cartesia", voiceId="a0e99841", model="sonic-2", language="es",
        generationConfig={"speed": 1.2, "volume": 0.9},
    )  # fmt: skip
    assert isinstance(service, CartesiaTTSService)
    settings = service._settings
    assert (settings.voice, settings.model, settings.language) == ("a0e99841", "sonic-2", "es")
    assert settings.generation_config.speed == 1.2 and settings.generation_config.volume == 0.9


def test_openai_and_deepgram_voices() -> None:
    openai = tts(provider="openai", voiceId="nova", model="tts-1", speed=1.25, instructions="Calm.")
    assert isinstance(openai, OpenAITTSService)
    assert (openai._settings.voice, openai._settings.model) == ("nova", "tts-1")
    assert openai._settings.speed == 1.25 and openai._settings.instructions == "Calm."
    deepgram = tts(provider="deepgram", voiceId="thalia", model="aura-2")
    assert isinstance(deepgram, DeepgramTTSService)
    assert deepgram._settings.voice == "aura-2-thalia-en"


def test_rime_neuphonic_inworld_and_minimax_voices() -> None:
    rime = tts(provider="rime-ai", voiceId="cove", model="mistv2", speed=0.9, reduceLatency=True)
    assert isinstance(rime, RimeTTSService)
    assert (rime._settings.voice, rime._settings.model) == ("cove", "mistv2")
    assert rime._settings.speedAlpha == 0.9 and rime._settings.reduceLatency is True
    neuphonic = tts(provider="neuphonic", voiceId="v-1", speed=1.1)
    assert isinstance(neuphonic, NeuphonicTTSService)
    assert (neuphonic._settings.voice, neuphonic._settings.speed) == ("v-1", 1.1)
    inworld = tts(provider="inworld", voiceId="Ashley", model="inworld-tts-1", speakingRate=1.2)
    assert isinstance(inworld, InworldTTSService)
    assert (inworld._settings.voice, inworld._settings.speaking_rate) == ("Ashley", 1.2)
    minimax = tts(provider="minimax", voiceId="Calm_Woman", model="speech-02-turbo", pitch=2)
    assert isinstance(minimax, MiniMaxHttpTTSService)
    assert (minimax._settings.voice, minimax._settings.pitch) == ("Calm_Woman", 2)
    assert "GroupId=group-1" in minimax._base_url


def test_a_vendor_url_can_be_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOXGATE_CARTESIA_BASE_URL", "ws://127.0.0.1:9")
    monkeypatch.setenv("VOXGATE_11LABS_BASE_URL", "ws://127.0.0.1:8")
    assert tts(provider="cartesia", voiceId="v")._url == "ws://127.0.0.1:9/tts/websocket"
    assert tts(provider="11labs", voiceId="v")._url == "ws://127.0.0.1:8"


def test_a_key_from_the_server_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOXGATE_DEEPGRAM_API_KEY", "from-env")
    service = build_stt({"transcriber": {"provider": "deepgram"}})
    assert isinstance(service, DeepgramSTTService)
    monkeypatch.delenv("VOXGATE_DEEPGRAM_API_KEY")
    with pytest.raises(MissingKey, match="VOXGATE_DEEPGRAM_API_KEY"):
        build_stt({"transcriber": {"provider": "deepgram"}})


def test_voices_pipecat_does_not_serve_say_so() -> None:
    for provider in ("playht", "lmnt"):
        with pytest.raises(Unsupported, match=f"pipecat 1.14.0 has no {provider} service"):
            tts(provider=provider, voiceId="x")


@pytest.mark.parametrize(
    ("build", "provider", "extra", "package"),
    [(stt, "azure", "azure", "azure.cognitiveservices.speech"),
     (tts, "azure", "azure", "azure.cognitiveservices.speech"),
     (tts, "hume", "hume", "hume"), (tts, "piper", "piper", "piper")],
)  # fmt: skip
def test_an_optional_package_that_is_missing_names_its_extra(
    build: Any, provider: str, extra: str, package: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOXGATE_AZURE_REGION", "eastus")
    if importlib.util.find_spec(package.split(".")[0]) is not None:
        pytest.skip(f"{package} is installed here")
    with pytest.raises(Unsupported, match=rf"pip install 'voxgate\[{extra}\]'"):
        build(provider=provider, voiceId="en_US-joe-medium")


def test_google_transcriber_takes_a_service_account(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("google.cloud.speech_v2")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from pipecat.services.google.stt import GoogleSTTService

    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    account = {
        "type": "service_account", "project_id": "p", "private_key_id": "1",
        "private_key": pem.decode(), "client_email": "a@p.iam.gserviceaccount.com",
        "token_uri": "https://oauth2.googleapis.com/token",
    }  # fmt: skip
    assistant = {
        "transcriber": {"provider": "google", "language": "French"},
        "credentials": [{"provider": "google", "apiKey": json.dumps(account)}],
    }
    refuse_connections(monkeypatch)
    service = build_stt(assistant)
    assert isinstance(service, GoogleSTTService)
    assert service._settings.languages == [Language.FR]
    with pytest.raises(MissingKey, match="service account"):
        build_stt({**assistant, "credentials": [{"provider": "google", "apiKey": "AIza-key"}]})


def test_azure_needs_a_region(monkeypatch: pytest.MonkeyPatch) -> None:
    from voxgate.engine.providers.accounts import azure_region

    monkeypatch.delenv("VOXGATE_AZURE_REGION", raising=False)
    with pytest.raises(MissingKey, match="VOXGATE_AZURE_REGION"):
        azure_region({"credentials": [{"provider": "azure", "apiKey": "k"}]})
    assert azure_region({"credentials": [{"provider": "azure", "region": "westus"}]}) == "westus"
    monkeypatch.setenv("VOXGATE_AZURE_REGION", "eastus")
    assert azure_region({}) == "eastus"


SAMPLES: dict[str, dict[str, Any]] = {
    "transcriber": {"deepgram": {}, "openai": {}, "assembly-ai": {}, "gladia": {},
                    "speechmatics": {}, "cartesia": {}, "soniox": {}, "11labs": {}},
    "voice": {"11labs": {"voiceId": "v"}, "cartesia": {"voiceId": "v"},
              "openai": {"voiceId": "alloy"},
              "deepgram": {"voiceId": "thalia"}, "rime-ai": {"voiceId": "cove"},
              "neuphonic": {"voiceId": "v"}, "inworld": {"voiceId": "Ashley"},
              "minimax": {"voiceId": "v"}},
}  # fmt: skip


async def test_building_a_service_opens_no_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """The create-time check builds services: none may reach its vendor while being built."""

    refuse_connections(monkeypatch)
    built = [stt(provider=p, **c) for p, c in SAMPLES["transcriber"].items()]
    built += [tts(provider=p, **c) for p, c in SAMPLES["voice"].items()]
    assert len(built) == len(SAMPLES["transcriber"]) + len(SAMPLES["voice"])
    served = {p for p in TRANSCRIBERS if p not in ("faster-whisper", "azure", "google")}
    assert served == set(SAMPLES["transcriber"])
    assert {
        p for p in VOICES if p not in ("espeak", "piper", "azure", "hume", "playht", "lmnt")
    } == set(SAMPLES["voice"])
