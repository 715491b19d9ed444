"""The transcriber, model and voice of every assistant a call may become, built up front.

A call that may switch assistants (a squad, or a handoff destination of its own) gets each
room's services before any audio flows, so that a provider that cannot run fails the call at
once and a switch costs no connection set-up mid-call. A room whose assistants all share one
configuration gets one service, placed in the pipeline as is (a plain call's pipeline is the
same as it always was); a room with several gets pipecat's `ServiceSwitcher` (`LLMSwitcher` for
models), which routes frames to the active service only, and a `ManuallySwitchServiceFrame`
queued through the pipeline changes which one that is, in order with the frames before it.

Every assistant has an LLM service of its own, even when two are configured alike: its system
instruction and the functions registered on it (`endCall`, handoffs) are that assistant's.
Transcribers and voices are shared between assistants whose configurations are equal, so a
squad whose members differ only in prompts keeps a single speech connection.
"""

import json
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from pipecat.frames.frames import Frame, ManuallySwitchServiceFrame
from pipecat.pipeline.llm_switcher import LLMSwitcher
from pipecat.pipeline.service_switcher import ServiceSwitcher, ServiceSwitcherStrategyManual
from pipecat.processors.frame_processor import FrameProcessor
from pipecat.services.llm_service import LLMService

from voxgate.engine.providers.registry import build_llm, build_stt, build_tts

S = TypeVar("S", bound=FrameProcessor)
Assistant = dict[str, Any]


def _config_key(assistant: Assistant, field: str) -> str:
    # Credentials decide the key a service is built with, so they are part of its identity.
    picked = {"config": assistant.get(field), "credentials": assistant.get("credentials")}
    return json.dumps(picked, sort_keys=True, default=str)


class Room(Generic[S]):
    """One room's services, one per assistant (shared where configured alike)."""

    def __init__(self, per_assistant: list[S], switcher: FrameProcessor | None) -> None:
        self.per_assistant = per_assistant
        self._switcher = switcher
        self.processor: FrameProcessor = switcher if switcher is not None else per_assistant[0]

    def switch_frame(self, index: int) -> Frame | None:
        """The frame that makes assistant `index`'s service the active one, or None when the
        room has a single service."""
        if self._switcher is None:
            return None
        frame = ManuallySwitchServiceFrame(service=self.per_assistant[index])
        frame.interruptible = False  # a caller talking over the handoff must not undo it
        return frame


def _shared(
    assistants: Sequence[Assistant], field: str, build: Callable[[Assistant], S]
) -> Room[S]:
    built: dict[str, S] = {}
    per_assistant = []
    for assistant in assistants:
        key = _config_key(assistant, field)
        if key not in built:
            built[key] = build(assistant)
        per_assistant.append(built[key])
    distinct: list[FrameProcessor] = list(built.values())
    switcher = (
        ServiceSwitcher(distinct, ServiceSwitcherStrategyManual) if len(distinct) > 1 else None
    )
    return Room(per_assistant, switcher)


def _models(assistants: Sequence[Assistant]) -> Room[LLMService[Any]]:
    llms = [build_llm(assistant) for assistant in assistants]
    switcher = LLMSwitcher(llms, ServiceSwitcherStrategyManual) if len(llms) > 1 else None
    return Room(llms, switcher)


class Services:
    """The three rooms for a call's assistants (index 0 starts the call)."""

    def __init__(self, assistants: Sequence[Assistant]) -> None:
        self.stt = _shared(assistants, "transcriber", build_stt)
        self.llm = _models(assistants)
        self.tts = _shared(assistants, "voice", build_tts)

    def switch_frames(self, index: int) -> list[Frame]:
        """The frames that make assistant `index` the one that hears, thinks and speaks, in
        pipeline order."""
        frames = [room.switch_frame(index) for room in (self.stt, self.llm, self.tts)]
        return [frame for frame in frames if frame is not None]
