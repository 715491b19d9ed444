"""The terminal client's audio: any WAV becomes the call's 16 kHz mono s16le, clear errors else."""

import sys
import wave
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile

from voxgate.client.api import error_message
from voxgate.client.devices import NO_SOUNDDEVICE, NoDevice, Speaker
from voxgate.client.speech import RATE, SpeechError, WavOut, load_wav, seconds, spoken

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "audio" / "weather-today.wav"


def tone(hz: float, rate: int, duration: float) -> np.ndarray:
    return 0.5 * np.sin(2 * np.pi * hz * np.arange(int(rate * duration)) / rate)


def samples(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768


def peak_hz(pcm: bytes) -> float:
    spectrum = np.abs(np.fft.rfft(samples(pcm)))
    return float(np.fft.rfftfreq(len(pcm) // 2, 1 / RATE)[np.argmax(spectrum)])


def test_call_format_audio_passes_through_unchanged() -> None:
    with wave.open(str(FIXTURE)) as wav:
        raw = wav.readframes(wav.getnframes())
    assert load_wav(FIXTURE) == raw


def test_a_stereo_float_wav_at_44_1_khz_is_resampled_and_downmixed(tmp_path: Path) -> None:
    path = tmp_path / "stereo.wav"
    left = tone(440, 44100, 1.0)
    soundfile.write(path, np.stack([left, np.zeros_like(left)], axis=1), 44100, "FLOAT")
    pcm = load_wav(path)
    assert abs(seconds(pcm) - 1.0) < 0.01
    assert abs(peak_hz(pcm) - 440) < 2
    # One silent channel halves the level: the channels are averaged, not just the first taken.
    middle = samples(pcm)[RATE // 4 : 3 * RATE // 4]
    assert 0.23 < np.abs(middle).max() < 0.27


def test_an_8_khz_24_bit_wav_is_upsampled(tmp_path: Path) -> None:
    path = tmp_path / "phone.wav"
    soundfile.write(path, tone(300, 8000, 0.5), 8000, "PCM_24")
    pcm = load_wav(path)
    assert abs(seconds(pcm) - 0.5) < 0.01 and abs(peak_hz(pcm) - 300) < 3


def test_what_is_not_audio_is_named(tmp_path: Path) -> None:
    text = tmp_path / "notes.wav"
    text.write_text("not a sound")
    with pytest.raises(SpeechError, match=r"notes\.wav is not audio"):
        load_wav(text)
    empty = tmp_path / "empty.wav"
    soundfile.write(empty, np.zeros(0), RATE, "PCM_16")
    with pytest.raises(SpeechError, match=r"empty\.wav holds no audio"):
        load_wav(empty)
    with pytest.raises(SpeechError, match="no such file"):
        load_wav(tmp_path / "missing.wav")


def test_say_without_espeak_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(SpeechError, match="apt-get install espeak-ng"):
        spoken("hello")


def test_the_reply_file_is_a_16_khz_mono_wav(tmp_path: Path) -> None:
    out = WavOut(tmp_path / "reply.wav")
    out.write(b"\x01\x00" * RATE)
    out.close()
    info = soundfile.info(tmp_path / "reply.wav")
    assert (info.samplerate, info.channels, info.frames) == (RATE, 1, RATE)


def test_no_sounddevice_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # import fails as if not installed
    with pytest.raises(NoDevice) as raised:
        Speaker()
    assert str(raised.value) == NO_SOUNDDEVICE and "voxgate[audio]" in NO_SOUNDDEVICE


def test_vapi_error_bodies_become_one_line() -> None:
    body = {"message": ["name must be a string", "bad"], "error": "Bad Request", "statusCode": 400}
    assert error_message(httpx.Response(400, json=body)) == "HTTP 400: name must be a string; bad"
    assert error_message(httpx.Response(502, text="upstream down")) == "HTTP 502: upstream down"
