"""The resolved assistant → a pipecat pipeline (transport, VAD, STT, context, LLM, TTS).

Turn-taking uses Silero VAD and a plain silence timeout (`startSpeakingPlan.waitSeconds`):
pipecat's smart-turn model judged synthetic speech unfinished and added seconds per turn.
"""

from dataclasses import dataclass
from typing import Any

from pipecat.audio.vad.silero import SileroVADAnalyzer
from pipecat.audio.vad.vad_analyzer import VADParams
from pipecat.pipeline.pipeline import Pipeline
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import (
    LLMContextAggregatorPair,
    LLMUserAggregatorParams,
)
from pipecat.processors.audio.vad_processor import VADProcessor
from pipecat.processors.frame_processor import FrameProcessor
from pipecat.turns.user_stop.speech_timeout_user_turn_stop_strategy import (
    SpeechTimeoutUserTurnStopStrategy,
)
from pipecat.turns.user_turn_strategies import UserTurnStrategies

from voxgate.config import get_settings
from voxgate.engine.providers.registry import build_llm, build_stt, build_tts
from voxgate.engine.transport import SocketTransport

DEFAULT_WAIT_SECONDS = 0.4  # Vapi's startSpeakingPlan.waitSeconds default


def with_defaults(assistant: dict[str, Any]) -> dict[str, Any]:
    """The assistant with the server's default transcriber and voice where it names none."""
    settings = get_settings()
    return {
        **assistant,
        "transcriber": assistant.get("transcriber") or settings.default_transcriber,
        "voice": assistant.get("voice") or settings.default_voice,
    }


@dataclass
class Built:
    """The pieces of one call's pipeline the session needs to reach."""

    pipeline: Pipeline
    context: LLMContext
    aggregators: LLMContextAggregatorPair
    llm: FrameProcessor


def build_pipeline(
    assistant: dict[str, Any], transport: SocketTransport, recorder: FrameProcessor
) -> Built:
    """Services first (a provider that cannot run fails here, before any audio flows).

    The `recorder` sits after the output, where it sees both the caller's and the assistant's
    audio as sent (`engine/recording.py`)."""
    stt, llm, tts = build_stt(assistant), build_llm(assistant), build_tts(assistant)
    context = LLMContext()  # the system prompt is the LLM service's `system_instruction`
    plan = assistant.get("startSpeakingPlan") or {}
    wait = float(plan.get("waitSeconds", DEFAULT_WAIT_SECONDS))
    strategies = UserTurnStrategies(
        stop=[SpeechTimeoutUserTurnStopStrategy(user_speech_timeout=wait)]
    )
    aggregators = LLMContextAggregatorPair(
        context, user_params=LLMUserAggregatorParams(user_turn_strategies=strategies)
    )
    vad = VADProcessor(vad_analyzer=SileroVADAnalyzer(params=VADParams(stop_secs=0.2)))
    pipeline = Pipeline(
        [
            transport.input(),
            vad,
            stt,
            aggregators.user(),
            llm,
            tts,
            transport.output(),
            recorder,
            aggregators.assistant(),
        ]
    )
    return Built(pipeline, context, aggregators, llm)
