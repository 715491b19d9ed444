"""Which Vapi `endedReason` a provider's failure ends the call with.

Every value here is in Vapi's `Call.endedReason` enum (a unit test checks it against the
reference). A provider Vapi has no reason for gets the nearest generic one: the custom LLM, the
custom transcriber, or Vapi's own voice (what voxgate's built-in espeak and piper stand for).
"""

from typing import Literal

Room = Literal["model", "transcriber", "voice"]

# Vapi's `model.provider` values that have a `pipeline-error-<provider>-llm-failed`.
_LLMS = frozenset({
    "anthropic", "anthropic-bedrock", "anthropic-vertex", "anyscale", "azure-openai", "baseten",
    "cerebras", "custom-llm", "deep-seek", "deepinfra", "google", "groq", "inflection-ai",
    "minimax", "mistral", "openai", "openrouter", "perplexity-ai", "runpod", "together-ai",
    "vapi", "xai",
})  # fmt: skip

# `transcriber.provider` → the name Vapi's `…-transcriber-failed` reasons use.
_TRANSCRIBERS = {
    "11labs": "eleven-labs", "assembly-ai": "assembly-ai", "azure": "azure-speech",
    "deepgram": "deepgram", "gladia": "gladia", "google": "google", "openai": "openai",
    "soniox": "soniox", "speechmatics": "speechmatics", "talkscriber": "talkscriber",
    "xai": "xai",
}  # fmt: skip

# `voice.provider` → the name Vapi's `…-voice-failed` reasons use.
_VOICES = {
    "11labs": "eleven-labs", "azure": "azure", "cartesia": "cartesia", "deepgram": "deepgram",
    "hume": "hume", "inworld": "inworld", "lmnt": "lmnt", "minimax": "minimax",
    "neuphonic": "neuphonic", "openai": "openai", "playht": "playht", "rime-ai": "rime-ai",
    "sesame": "sesame", "smallest-ai": "smallest-ai", "wellsaid": "wellsaid", "xai": "xai",
}  # fmt: skip

_FAULT = "call.in-progress.error-vapifault"


def failure_reason(room: Room, provider: str) -> str:
    """The `endedReason` for a call whose `room` provider (`model`, `transcriber`, `voice`)
    failed."""
    if room == "model":
        return f"pipeline-error-{provider if provider in _LLMS else 'custom-llm'}-llm-failed"
    if room == "transcriber":
        return f"{_FAULT}-{_TRANSCRIBERS.get(provider, 'custom')}-transcriber-failed"
    return f"{_FAULT}-{_VOICES.get(provider, 'vapi')}-voice-failed"


def every_reason() -> set[str]:
    """Every value `failure_reason` can return (for the test against Vapi's enum)."""
    unknown = "no-such-provider"
    reasons = {failure_reason("model", provider) for provider in [*_LLMS, unknown]}
    reasons |= {failure_reason("transcriber", provider) for provider in [*_TRANSCRIBERS, unknown]}
    return reasons | {failure_reason("voice", provider) for provider in [*_VOICES, unknown]}
