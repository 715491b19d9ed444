"""The machine's microphone and speaker, through sounddevice (PortAudio): the `audio` extra.

PortAudio calls back on its own thread; the microphone hands its chunks to the event loop and
the speaker plays from a buffer the loop fills, so no sound-card wait ever blocks the socket.
"""

import asyncio
import threading
from collections.abc import AsyncIterator
from types import ModuleType
from typing import Any

from voxgate.client.speech import CHUNK, RATE

NO_SOUNDDEVICE = "the microphone and speaker need sounddevice: pip install 'voxgate[audio]'"
NO_PORTAUDIO = (
    "the microphone and speaker need the PortAudio library (Debian/Ubuntu: apt-get install "
    "libportaudio2)"
)


class NoDevice(Exception):
    """No usable microphone or speaker; the message says what to install or use instead."""


def sounddevice() -> ModuleType:
    try:
        import sounddevice
    except ImportError:
        raise NoDevice(NO_SOUNDDEVICE) from None
    except OSError:  # the package is there, the PortAudio library it loads is not
        raise NoDevice(NO_PORTAUDIO) from None
    module: ModuleType = sounddevice
    return module


class Speaker:
    """Plays the call's audio as it arrives."""

    def __init__(self) -> None:
        sd = sounddevice()
        self._buffer = bytearray()
        self._lock = threading.Lock()
        try:
            self._stream = sd.RawOutputStream(
                samplerate=RATE, channels=1, dtype="int16", callback=self._play
            )
            self._stream.start()
        except sd.PortAudioError as error:
            raise NoDevice(f"no speaker: {error}") from None

    def _play(self, out: Any, frames: int, _time: Any, _status: Any) -> None:
        wanted = frames * 2
        with self._lock:
            chunk = bytes(self._buffer[:wanted])
            del self._buffer[:wanted]
        out[:] = chunk + b"\x00" * (wanted - len(chunk))  # silence when nothing is due

    def write(self, pcm: bytes) -> None:
        with self._lock:
            self._buffer.extend(pcm)

    def close(self) -> None:
        self._stream.stop()
        self._stream.close()


class Microphone:
    """The default input device, in 20 ms chunks of the call's audio."""

    def __init__(self) -> None:
        sd = sounddevice()
        self._chunks: asyncio.Queue[bytes] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        def heard(data: Any, _frames: int, _time: Any, _status: Any) -> None:
            loop.call_soon_threadsafe(self._chunks.put_nowait, bytes(data))

        try:
            self._stream = sd.RawInputStream(
                samplerate=RATE, channels=1, dtype="int16", blocksize=CHUNK // 2, callback=heard
            )
            self._stream.start()
        except sd.PortAudioError as error:
            raise NoDevice(f"no microphone: {error}") from None

    async def chunks(self) -> AsyncIterator[bytes]:
        while True:
            yield await self._chunks.get()

    def close(self) -> None:
        self._stream.stop()
        self._stream.close()
