"""The resolved assistants → a pipecat pipeline (transport, VAD, STT, context, LLM, TTS).

The first assistant starts the call; the others are the ones it may switch to (a squad's
members, handoff destinations): `services.py` builds every assistant's transcriber, model and
voice and puts a switcher where they differ.

Turn-taking (Silero VAD, a silence timeout, interruptions, the caller's silence) follows the
assistant's plans as `turn_plan.py` maps them; the LLM's functions come from `tools.py`.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pipecat.audio.vad.silero import SileroVADAnalyzer
from pipecat.pipeline.pipeline import Pipeline
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import (
    LLMContextAggregatorPair,
    LLMUserAggregatorParams,
)
from pipecat.processors.audio.vad_processor import VADProcessor
from pipecat.processors.frame_processor import FrameProcessor
from pipecat.services.llm_service import LLMService

from voxgate.config import get_settings
from voxgate.engine.backoff import Backoff
from voxgate.engine.keypad import keypad
from voxgate.engine.services import Services
from voxgate.engine.tools import tools_schema
from voxgate.engine.transport import SocketTransport
from voxgate.engine.turn_plan import backoff_seconds, silence_seconds, turn_strategies, vad_params


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
    services: Services

    @property
    def llm(self) -> LLMService[Any]:
        """The first assistant's LLM service (the only one of a plain call)."""
        return self.services.llm.per_assistant[0]

    @property
    def llms(self) -> list[LLMService[Any]]:
        """Each assistant's LLM service, in the order the assistants were given."""
        return self.services.llm.per_assistant


def build_pipeline(
    assistants: Sequence[dict[str, Any]],
    transport: SocketTransport,
    taps: Sequence[FrameProcessor],
    before_llm: Sequence[FrameProcessor] = (),
) -> Built:
    """Services first (a provider that cannot run fails here, before any audio flows).

    `assistants[0]` starts the call and sets what is not switched (turn-taking, the caller's
    silence). The `taps` (the recorder, the listen tap) sit after the output, where they see
    both the caller's and the assistant's audio as sent (`engine/recording.py`,
    `engine/listen.py`); `before_llm` (the knowledge base look-up) sees each turn's context
    before the LLM does."""
    assistant = assistants[0]
    services = Services(assistants)
    # The system prompt is the LLM service's `system_instruction`, not a context message.
    tools = tools_schema(assistant)
    context = LLMContext(tools=tools) if tools is not None else LLMContext()
    user_params = LLMUserAggregatorParams(
        user_turn_strategies=turn_strategies(assistant),
        user_idle_timeout=silence_seconds(assistant),
    )
    aggregators = LLMContextAggregatorPair(context, user_params=user_params)
    vad = VADProcessor(vad_analyzer=SileroVADAnalyzer(params=vad_params(assistant)))
    pipeline = Pipeline(
        [
            transport.input(),
            vad,
            services.stt.processor,
            *keypad(assistant),
            aggregators.user(),
            *before_llm,
            services.llm.processor,
            services.tts.processor,
            Backoff(backoff_seconds(assistant)),
            transport.output(),
            *taps,
            aggregators.assistant(),
        ]
    )
    return Built(pipeline, context, aggregators, services)
