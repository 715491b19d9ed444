"""`artifact.performanceMetrics`: each turn's latency and where it went, in Vapi's field names.

pipecat's `UserBotLatencyObserver` already times a turn from the moment the caller fell silent
(the VAD's decision minus its `stop_secs`) to the assistant's first audio out, with the parts
in between; this observer files each of its breakdowns as one `TurnLatency`, in milliseconds:

- `endpointingLatency`: caller silent → the turn ended (VAD wait, transcription, speech timeout);
- `transcriberLatency`: the VAD's decision (the STT's last audio) → the final transcript;
- `modelLatency`: the LLM's time to first token (its TTFB metric);
- `voiceLatency`: the TTS's time to first audio (its TTFB metric);
- `turnLatency`: caller silent → the assistant's first audio out.

A greeting is not a turn (nobody fell silent before it), so it is not counted. Each turn is
also reported to the process's `telemetry` observer (in seconds, by part: `model`, `voice`…).
"""

from typing import Any

from pipecat.frames.frames import MetricsFrame
from pipecat.observers.base_observer import FramePushed
from pipecat.observers.user_bot_latency_observer import (
    LatencyBreakdown,
    MeasuredFrom,
    UserBotLatencyObserver,
)
from pipecat.services.llm_service import LLMService
from pipecat.services.tts_service import TTSService

from voxgate import telemetry

# TurnLatency field → the PerformanceMetrics average of it.
_AVERAGES = {
    "modelLatency": "modelLatencyAverage",
    "voiceLatency": "voiceLatencyAverage",
    "transcriberLatency": "transcriberLatencyAverage",
    "endpointingLatency": "endpointingLatencyAverage",
    "turnLatency": "turnLatencyAverage",
}


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


class TurnMetrics(UserBotLatencyObserver):
    """Collects one `TurnLatency` per answered turn; `performance()` adds the averages."""

    def __init__(self) -> None:
        super().__init__()
        self.turns: list[dict[str, float]] = []
        self._services: dict[str, str] = {}  # a metric's processor name → the field it feeds
        self.add_event_handler("on_latency_breakdown", self._on_breakdown)

    async def on_push_frame(self, data: FramePushed) -> None:
        # TTFB metrics name their processor; which one is the LLM and which the TTS is known
        # only from the service that pushed them.
        if isinstance(data.frame, MetricsFrame):
            if isinstance(data.source, LLMService):
                self._services[data.source.name] = "modelLatency"
            elif isinstance(data.source, TTSService):
                self._services[data.source.name] = "voiceLatency"
        await super().on_push_frame(data)

    async def _on_breakdown(self, _observer: Any, breakdown: LatencyBreakdown) -> None:
        if breakdown.measured_from != MeasuredFrom.USER_SILENCE:
            return
        turn: dict[str, float] = {"turnLatency": _ms(breakdown.total_secs)}
        if breakdown.user_turn_secs is not None:
            turn["endpointingLatency"] = _ms(breakdown.user_turn_secs)
        parts = breakdown.contributions
        transcription = [part.duration_secs for part in parts if part.key == "transcription"]
        if transcription:
            turn["transcriberLatency"] = _ms(sum(transcription))
        for ttfb in breakdown.ttfb:  # the first of each service's: the one the caller waited on
            field = self._services.get(ttfb.processor)
            if field is not None and field not in turn:
                turn[field] = _ms(ttfb.duration_secs)
        self.turns.append(turn)
        telemetry.observer().turn(
            {key.removesuffix("Latency"): ms / 1000 for key, ms in turn.items()}
        )

    def performance(self) -> dict[str, Any]:
        """The call's `PerformanceMetrics` (empty when no turn was answered)."""
        if not self.turns:
            return {}
        metrics: dict[str, Any] = {"turnLatencies": self.turns}
        for field, average in _AVERAGES.items():
            values = [turn[field] for turn in self.turns if field in turn]
            if values:
                metrics[average] = round(sum(values) / len(values), 1)
        return metrics
