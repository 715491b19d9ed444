"""A websocket caller: sends PCM paced like a microphone, collects audio and messages."""

import asyncio
import contextlib
import json
import struct
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


def ulaw_to_pcm(data: bytes) -> bytes:
    """G.711 mu-law bytes to 16-bit PCM at the same rate."""
    out = []
    for byte in data:
        byte = ~byte & 0xFF
        magnitude = (((byte & 0x0F) << 3) + 0x84) << ((byte & 0x70) >> 4)
        out.append(0x84 - magnitude if byte & 0x80 else magnitude - 0x84)
    return struct.pack(f"<{len(out)}h", *out)


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

    def assistant_speaking(self) -> bool:
        """The server's own word on it: its last `speech-update` for the assistant said started
        and no `user-interrupted` (which ends that speech without a stopped) came after it."""
        speaking = False
        for _, message in self.messages:
            if message.get("type") == "user-interrupted":
                speaking = False
            elif message.get("type") == "speech-update" and message.get("role") == "assistant":
                speaking = message.get("status") == "started"
        return speaking

    async def quiet(self, gap: float = 0.6, limit: float = 15.0, after: float = 0.0) -> None:
        """Waits until audio (sent after `after`) has started and then stopped for `gap` s, and
        the server no longer says the assistant is speaking: on a loaded machine its audio can
        pause mid-sentence."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            last = self.audio[-1][0] if self.audio else 0.0
            silent = last > after and time.monotonic() - last > gap
            if silent and (self.closed.is_set() or not self.assistant_speaking()):
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the server's audio never went quiet")

    async def greeted(self, limit: float = 15.0) -> None:
        """Waits until the assistant's first words are over and in the conversation (their final
        `transcript`, sent as the turn is committed): only then does a message the caller adds
        come after the greeting."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if not self.assistant_speaking() and any(
                m.get("role") == "assistant" and m.get("transcriptType") == "final"
                for m in self.of_type("transcript")
            ):
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the assistant never finished its greeting")

    async def silence_until_closed(self, limit: float) -> None:
        """A live microphone in a silent room until the server hangs up (at most `limit` s).
        The hang-up may land between two chunks: a send it refuses ends the loop too."""
        deadline = time.monotonic() + limit
        with contextlib.suppress(ConnectionClosed):
            while not self.closed.is_set() and time.monotonic() < deadline:
                await self.speak(b"\x00" * 640)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.closed.wait(), 5)

    async def speak(self, audio: bytes, bytes_per_second: int = 2 * RATE) -> None:
        """Sends audio in 20 ms chunks, in real time."""
        start, chunk = time.monotonic(), bytes_per_second // 50
        for index in range(0, len(audio), chunk):
            await self.ws.send(audio[index : index + chunk])
            due = start + (index + chunk) / bytes_per_second
            await asyncio.sleep(max(0.0, due - time.monotonic()))
