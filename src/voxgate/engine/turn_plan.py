"""An assistant's turn-taking settings as pipecat turn strategies and VAD parameters.

- `startSpeakingPlan.waitSeconds`: the silence that ends the caller's turn (a plain timeout;
  pipecat's smart-turn model judged synthetic speech unfinished and added seconds per turn).
- `stopSpeakingPlan.voiceSeconds`: how long the caller must speak before VAD counts it as speech
  (Silero's `start_secs`), so a cough does not cut the assistant off.
- `stopSpeakingPlan.numWords`: above 0, the caller interrupts the assistant only after saying
  that many words (pipecat's min-words start strategy; while the assistant is silent one word
  starts a turn). At 0, Vapi's default, voice activity alone starts the caller's turn.
- `stopSpeakingPlan.backoffSeconds`: how long after an interruption the assistant stays quiet
  (`backoff.py`).
- `silenceTimeoutSeconds`: the caller's silence after the assistant finished that ends the call.
"""

from typing import Any

from pipecat.audio.vad.vad_analyzer import VADParams
from pipecat.turns.user_start import (
    BaseUserTurnStartStrategy,
    MinWordsUserTurnStartStrategy,
    TranscriptionUserTurnStartStrategy,
    VADUserTurnStartStrategy,
)
from pipecat.turns.user_stop.speech_timeout_user_turn_stop_strategy import (
    SpeechTimeoutUserTurnStopStrategy,
)
from pipecat.turns.user_turn_strategies import UserTurnStrategies

DEFAULT_WAIT_SECONDS = 0.4  # Vapi's startSpeakingPlan.waitSeconds default
DEFAULT_VOICE_SECONDS = 0.2  # Vapi's stopSpeakingPlan.voiceSeconds default
DEFAULT_BACKOFF_SECONDS = 1.0  # Vapi's stopSpeakingPlan.backoffSeconds default
DEFAULT_SILENCE_SECONDS = 30.0  # Vapi's silenceTimeoutSeconds default
MIN_SILENCE_SECONDS = 10.0  # Vapi's smallest silenceTimeoutSeconds
_VAD_STOP_SECONDS = 0.2


def _plan(assistant: dict[str, Any], name: str) -> dict[str, Any]:
    plan = assistant.get(name)
    return plan if isinstance(plan, dict) else {}


def _number(value: Any, default: float) -> float:
    return (
        float(value) if isinstance(value, int | float) and not isinstance(value, bool) else default
    )


def vad_params(assistant: dict[str, Any]) -> VADParams:
    voice = _number(_plan(assistant, "stopSpeakingPlan").get("voiceSeconds"), DEFAULT_VOICE_SECONDS)
    return VADParams(start_secs=voice, stop_secs=_VAD_STOP_SECONDS)


def turn_strategies(assistant: dict[str, Any]) -> UserTurnStrategies:
    wait = _number(_plan(assistant, "startSpeakingPlan").get("waitSeconds"), DEFAULT_WAIT_SECONDS)
    words = int(_number(_plan(assistant, "stopSpeakingPlan").get("numWords"), 0))
    start: list[BaseUserTurnStartStrategy] = (
        [MinWordsUserTurnStartStrategy(min_words=words)]
        if words > 0
        else [VADUserTurnStartStrategy(), TranscriptionUserTurnStartStrategy()]
    )
    return UserTurnStrategies(
        start=start, stop=[SpeechTimeoutUserTurnStopStrategy(user_speech_timeout=wait)]
    )


def backoff_seconds(assistant: dict[str, Any]) -> float:
    plan = _plan(assistant, "stopSpeakingPlan")
    return max(0.0, _number(plan.get("backoffSeconds"), DEFAULT_BACKOFF_SECONDS))


def silence_seconds(assistant: dict[str, Any]) -> float:
    seconds = _number(assistant.get("silenceTimeoutSeconds"), DEFAULT_SILENCE_SECONDS)
    return max(seconds, MIN_SILENCE_SECONDS)
