"""One benchmark caller: a websocket call that speaks like a microphone and times the replies.

The microphone never stops: between utterances it sends silence, as a real one does, so the
server's VAD hears the end of speech. Received audio is timestamped; a reply's chunks are
checked against a playback clock to count underruns (a chunk that arrives after the listener's
buffer ran dry).
"""

import asyncio
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path

from websockets.asyncio.client import ClientConnection

RATE = 16000
CHUNK = 640  # 20 ms of 16 kHz s16le mono
SILENCE = bytes(CHUNK)
QUIET_GAP = 0.5  # no audio for this long: the assistant has finished speaking
LATE = 0.02  # a chunk later than this after its playback time is an underrun


def utterance(path: Path) -> tuple[bytes, float]:
    """The fixture's PCM and where its speech ends (seconds), its trailing silence cut."""
    with wave.open(str(path)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (RATE, 1, 2)
        pcm = wav.readframes(wav.getnframes())
    samples = memoryview(pcm).cast("h")
    last = max(i for i in range(0, len(samples), 320) if max(map(abs, samples[i : i + 320])) > 300)
    end = min(len(samples), last + 320)
    return pcm[: end * 2], end / RATE


@dataclass
class Turn:
    latency: float  # end of speech → first reply audio, seconds
    reply_seconds: float = 0.0
    underruns: int = 0


@dataclass
class Caller:
    ws: ClientConnection
    audio: list[tuple[float, int]] = field(default_factory=list)  # (arrival, bytes)
    _pending: bytes = b""
    _speech_sent: asyncio.Event = field(default_factory=asyncio.Event)
    speech_end: float = 0.0

    async def microphone(self) -> None:
        """Sends 20 ms chunks in real time: pending speech first, silence otherwise."""
        start, sent = time.monotonic(), 0
        while True:
            chunk, self._pending = self._pending[:CHUNK], self._pending[CHUNK:]
            await self.ws.send(chunk.ljust(CHUNK, b"\0") if chunk else SILENCE)
            if chunk and not self._pending:
                self.speech_end = time.monotonic()
                self._speech_sent.set()
            sent += 1
            await asyncio.sleep(max(0.0, start + sent * 0.02 - time.monotonic()))

    async def listen(self) -> None:
        async for frame in self.ws:
            if isinstance(frame, bytes):
                self.audio.append((time.monotonic(), len(frame)))

    async def quiet(self, after: float, limit: float) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            last = self.audio[-1][0] if self.audio else 0.0
            if last > after and time.monotonic() - last > QUIET_GAP:
                return
            await asyncio.sleep(0.02)
        raise TimeoutError("no reply, or a reply that never ended")

    async def say(self, pcm: bytes, limit: float, out_rate: int) -> Turn:
        self._speech_sent.clear()
        self._pending = pcm
        await self._speech_sent.wait()
        await self.quiet(self.speech_end, limit)
        reply = [(at, size) for at, size in self.audio if at > self.speech_end]
        return _playback(reply, self.speech_end, out_rate)


def _playback(reply: list[tuple[float, int]], speech_end: float, rate: int) -> Turn:
    """Plays the reply's chunks from the first one's arrival; counts the ones that came late."""
    first = reply[0][0]
    played, underruns = 0.0, 0
    for at, size in reply:
        due = first + played
        if at > due + LATE:
            underruns += 1
            played += at - due  # the listener heard a gap; playback resumes from here
        played += size / 2 / rate
    return Turn(first - speech_end, played, underruns)
