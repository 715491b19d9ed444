"""A websocket caller: sends PCM paced like a microphone, collects audio and messages."""

import asyncio
import json
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

RATE = 16000
CHUNK = 640  # 20 ms of 16 kHz s16le mono
AUDIO = Path(__file__).resolve().parents[1] / "fixtures" / "audio"


def fixture_pcm(name: str) -> bytes:
    with wave.open(str(AUDIO / name)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (RATE, 1, 2)
        return wav.readframes(wav.getnframes())


def seconds(pcm: bytes, rate: int = RATE) -> float:
    return len(pcm) / 2 / rate


def loudness(pcm: bytes) -> float:
    """Mean absolute sample value: 0 for silence, hundreds or more for speech."""
    samples = memoryview(pcm).cast("h")
    return sum(abs(s) for s in samples) / max(1, len(samples))


@dataclass
class Caller:
    """Reads everything the server sends, in the background, timestamped."""

    ws: ClientConnection
    audio: list[tuple[float, bytes]] = field(default_factory=list)
    messages: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    close_code: int | None = None

    async def read(self) -> None:
        try:
            async for frame in self.ws:
                now = time.monotonic()
                if isinstance(frame, bytes):
                    self.audio.append((now, frame))
                else:
                    self.messages.append((now, json.loads(frame)))
        except ConnectionClosed:
            pass
        self.close_code = self.ws.close_code
        self.closed.set()

    def audio_since(self, moment: float) -> bytes:
        return b"".join(chunk for at, chunk in self.audio if at >= moment)

    def first_audio_after(self, moment: float) -> float | None:
        return next((at for at, _ in self.audio if at >= moment), None)

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [m for _, m in self.messages if m.get("type") == kind]

    async def quiet(self, gap: float = 0.6, limit: float = 15.0) -> None:
        """Waits until audio has started and then stopped for `gap` seconds."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.audio and time.monotonic() - self.audio[-1][0] > gap:
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the server's audio never went quiet")

    async def speak(self, pcm: bytes, speed: float = 1.0) -> None:
        """Sends PCM in 20 ms chunks at `speed` times real time."""
        start = time.monotonic()
        for index in range(0, len(pcm), CHUNK):
            await self.ws.send(pcm[index : index + CHUNK])
            due = start + (index + CHUNK) / 2 / RATE / speed
            await asyncio.sleep(max(0.0, due - time.monotonic()))
