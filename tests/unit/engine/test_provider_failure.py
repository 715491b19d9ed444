"""Which errors end a call, and with which reason (the e2e tests cover the vendors' own)."""

from typing import Any

from pipecat.frames.frames import ErrorFrame
from pipecat.observers.base_observer import FramePushed
from pipecat.pipeline.service_switcher import ServiceSwitcher
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.utils.errors import ErrorCategory

from voxgate.engine.events import ProviderFailure
from voxgate.engine.providers.registry import build_llm, build_stt, build_tts

ASSISTANT: dict[str, Any] = {
    "model": {"provider": "custom-llm", "model": "m", "url": "http://127.0.0.1:9/v1"},
    "transcriber": {"provider": "deepgram"},
    "voice": {"provider": "cartesia", "voiceId": "v"},
    "credentials": [
        {"provider": "deepgram", "apiKey": "k"},
        {"provider": "cartesia", "apiKey": "k"},
    ],
}


async def reasons_for(*errors: ErrorFrame) -> list[str]:
    ended: list[str] = []

    async def end(reason: str) -> None:
        ended.append(reason)

    observer = ProviderFailure(ASSISTANT, end)
    other = FrameProcessor()
    for error in errors:
        pushed = FramePushed(other, other, error, FrameDirection.UPSTREAM, 0)
        await observer.on_push_frame(pushed)
    return ended


async def test_each_service_ends_the_call_with_its_own_reason() -> None:
    llm, stt, tts = build_llm(ASSISTANT), build_stt(ASSISTANT), build_tts(ASSISTANT)
    ended = await reasons_for(
        ErrorFrame("llm down", processor=llm),
        ErrorFrame("stt down", processor=stt),
        ErrorFrame("tts down", processor=tts),
    )
    assert ended == [
        "pipeline-error-custom-llm-llm-failed",
        "call.in-progress.error-vapifault-deepgram-transcriber-failed",
        "call.in-progress.error-vapifault-cartesia-voice-failed",
    ]


async def test_errors_that_are_no_providers_fault_do_not_end_the_call() -> None:
    tool_error = ErrorFrame("a tool failed", processor=build_llm(ASSISTANT))
    tool_error.category = ErrorCategory.APPLICATION
    elsewhere = ErrorFrame("the transport hiccuped", processor=FrameProcessor())
    assert await reasons_for(tool_error, elsewhere) == []


async def test_a_squads_switched_voice_fails_with_the_active_assistants_provider() -> None:
    other_voice = {
        **ASSISTANT,
        "voice": {"provider": "11labs", "voiceId": "v"},
        "credentials": [{"provider": "11labs", "apiKey": "k"}],
    }
    switcher = ServiceSwitcher([build_tts(ASSISTANT), build_tts(other_voice)])
    ended: list[str] = []

    async def end(reason: str) -> None:
        ended.append(reason)

    observer = ProviderFailure(ASSISTANT, end)
    observer.use(other_voice)  # the call was handed to the assistant with the other voice
    other = FrameProcessor()
    error = ErrorFrame("every voice is down", processor=switcher)
    await observer.on_push_frame(FramePushed(other, other, error, FrameDirection.UPSTREAM, 0))
    assert ended == ["call.in-progress.error-vapifault-eleven-labs-voice-failed"]
