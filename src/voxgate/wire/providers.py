"""The provider objects of an assistant: `model`, `voice`, `transcriber`.

Each is picked by its `provider` value; every other key is the vendor's knob and is kept whole.
"""

from typing import Literal

from pydantic import Field

from voxgate.kit.schema import OpenModel

ModelProvider = Literal[
    "anthropic", "anthropic-bedrock", "anyscale", "cerebras", "custom-llm", "deepinfra",
    "deep-seek", "google", "groq", "inflection-ai", "minimax", "openai", "openrouter",
    "perplexity-ai", "together-ai", "xai",
]  # fmt: skip
VoiceProvider = Literal[
    "azure", "cartesia", "custom-voice", "deepgram", "11labs", "hume", "lmnt", "neuphonic",
    "openai", "playht", "wellsaid", "rime-ai", "smallest-ai", "tavus", "vapi", "sesame",
    "inworld", "minimax", "xai",
    "espeak",  # voxgate extension: offline speech from the espeak-ng program
    "piper",  # voxgate extension: offline neural speech (optional extra voxgate[piper])
]  # fmt: skip
TranscriberProvider = Literal[
    "assembly-ai", "azure", "custom-transcriber", "deepgram", "11labs", "gladia", "google",
    "speechmatics", "talkscriber", "openai", "cartesia", "soniox", "xai",
    "faster-whisper",  # voxgate extension: offline transcription with a bundled Whisper model
]  # fmt: skip


class ModelConfig(OpenModel):
    """The LLM. `messages`, `tools`, `toolIds`, `temperature`, … travel as provider keys."""

    provider: ModelProvider
    model: str = Field(description="Any model name the provider serves.")


class VoiceConfig(OpenModel):
    provider: VoiceProvider
    voice_id: str | None = Field(default=None, alias="voiceId")


class TranscriberConfig(OpenModel):
    provider: TranscriberProvider
