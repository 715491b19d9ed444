"""An assistant's turn-taking plans as pipecat strategies, VAD parameters and timeouts."""

from pipecat.turns.user_start import (
    MinWordsUserTurnStartStrategy,
    TranscriptionUserTurnStartStrategy,
    VADUserTurnStartStrategy,
)

from voxgate.engine.turn_plan import backoff_seconds, silence_seconds, turn_strategies, vad_params


def test_vapis_defaults() -> None:
    assert vad_params({}).start_secs == 0.2
    assert backoff_seconds({}) == 1.0
    assert silence_seconds({}) == 30.0
    start = turn_strategies({}).start or []
    assert [type(s) for s in start] == [
        VADUserTurnStartStrategy,
        TranscriptionUserTurnStartStrategy,
    ]


def test_stop_speaking_plan() -> None:
    plan = {"stopSpeakingPlan": {"numWords": 3, "voiceSeconds": 0.5, "backoffSeconds": 0}}
    [start] = turn_strategies(plan).start or []
    assert isinstance(start, MinWordsUserTurnStartStrategy) and start._min_words == 3
    assert vad_params(plan).start_secs == 0.5
    assert backoff_seconds(plan) == 0.0


def test_silence_timeout_is_at_least_ten_seconds_and_junk_is_ignored() -> None:
    assert silence_seconds({"silenceTimeoutSeconds": 45}) == 45
    assert silence_seconds({"silenceTimeoutSeconds": 3}) == 10
    assert silence_seconds({"silenceTimeoutSeconds": "soon"}) == 30
    assert vad_params({"stopSpeakingPlan": "fast"}).start_secs == 0.2
