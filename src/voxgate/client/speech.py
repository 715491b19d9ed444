"""Speech to send and the reply to keep, in the call's audio format: 16 kHz mono `pcm_s16le`.

Decoding is libsndfile's (soundfile), resampling soxr's: any WAV the user has, at any rate and
channel count, becomes what the socket carries.
"""

import io
import shutil
import subprocess
import wave
from pathlib import Path
from typing import Any

import numpy as np
import soundfile
import soxr

RATE = 16000
CHUNK = RATE * 2 // 50  # bytes in 20 ms, the size Vapi's clients send
AUDIO_FORMAT = {"format": "pcm_s16le", "container": "raw", "sampleRate": RATE}


class SpeechError(Exception):
    """The speech to send could not be made; the message says why, for the user."""


def to_call_audio(samples: np.ndarray[Any, Any], rate: int) -> bytes:
    """Float samples (frames by channels, in [-1, 1]) at any rate → 16 kHz mono s16le bytes."""
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    if rate != RATE:
        mono = soxr.resample(mono, rate, RATE)
    scaled = np.clip(np.round(mono * 32768), -32768, 32767)
    return bytes(scaled.astype("<i2").tobytes())


def _decode(source: Path | io.BytesIO, name: str) -> bytes:
    try:
        samples, rate = soundfile.read(source, dtype="float64", always_2d=True)
    except soundfile.LibsndfileError as error:
        raise SpeechError(f"{name} is not audio that can be read: {error.error_string}") from None
    if not len(samples):
        raise SpeechError(f"{name} holds no audio")
    return to_call_audio(samples, int(rate))


def load_wav(path: Path) -> bytes:
    """The sound file at `path` (WAV, or anything libsndfile reads), as the call's audio."""
    if not path.is_file():
        raise SpeechError(f"{path}: no such file")
    return _decode(path, str(path))


def spoken(text: str, voice: str = "en-us") -> bytes:
    """`text` said by the espeak-ng program (the offline voice's), as the call's audio."""
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise SpeechError(
            "--say needs the espeak-ng program (Debian/Ubuntu: apt-get install espeak-ng)"
        )
    done = subprocess.run(
        [binary, "-v", voice, "--stdout", text], capture_output=True, timeout=60, check=False
    )
    if done.returncode != 0 or not done.stdout:
        raise SpeechError(f"espeak-ng failed: {done.stderr.decode(errors='replace').strip()}")
    return _decode(io.BytesIO(done.stdout), "espeak-ng's output")


def seconds(pcm: bytes) -> float:
    return len(pcm) / 2 / RATE


class WavOut:
    """A WAV file written as the reply arrives (its header is completed on close)."""

    def __init__(self, path: Path) -> None:
        self._wav = wave.open(str(path), "wb")  # noqa: SIM115 - closed by close()
        self._wav.setnchannels(1)
        self._wav.setsampwidth(2)
        self._wav.setframerate(RATE)

    def write(self, pcm: bytes) -> None:
        self._wav.writeframes(pcm)

    def close(self) -> None:
        self._wav.close()
