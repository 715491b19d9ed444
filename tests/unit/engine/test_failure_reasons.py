"""A provider's failure ends the call with a reason Vapi has."""

from pathlib import Path

import pytest

from voxgate.engine.providers.reasons import every_reason, failure_reason

REFERENCE = Path("/work/shared/reference/vapi-endedReason.txt")


def vapi_reasons() -> set[str]:
    if not REFERENCE.exists():
        pytest.skip("Vapi's endedReason reference is not on this machine")
    lines = REFERENCE.read_text().splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def test_every_reason_is_one_vapi_has() -> None:
    reasons = every_reason()
    assert len(reasons) > 40
    assert reasons - vapi_reasons() == set()


@pytest.mark.parametrize(
    ("room", "provider", "reason"),
    [
        ("model", "openai", "pipeline-error-openai-llm-failed"),
        ("model", "custom-llm", "pipeline-error-custom-llm-llm-failed"),
        ("model", "deep-seek", "pipeline-error-deep-seek-llm-failed"),
        ("model", "ollama", "pipeline-error-custom-llm-llm-failed"),
        ("transcriber", "deepgram", "call.in-progress.error-vapifault-deepgram-transcriber-failed"),
        (
            "transcriber",
            "azure",
            "call.in-progress.error-vapifault-azure-speech-transcriber-failed",
        ),
        (
            "transcriber",
            "11labs",
            "call.in-progress.error-vapifault-eleven-labs-transcriber-failed",
        ),
        (
            "transcriber",
            "faster-whisper",
            "call.in-progress.error-vapifault-custom-transcriber-failed",
        ),
        ("voice", "11labs", "call.in-progress.error-vapifault-eleven-labs-voice-failed"),
        ("voice", "cartesia", "call.in-progress.error-vapifault-cartesia-voice-failed"),
        ("voice", "rime-ai", "call.in-progress.error-vapifault-rime-ai-voice-failed"),
        ("voice", "espeak", "call.in-progress.error-vapifault-vapi-voice-failed"),
    ],
)
def test_a_provider_maps_to_its_reason(room: str, provider: str, reason: str) -> None:
    assert failure_reason(room, provider) == reason  # type: ignore[arg-type]
    assert reason in vapi_reasons()
