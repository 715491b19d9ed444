"""The socket's audio format, and the conversions between it and the pipeline's PCM.

The pipeline always hears 16 kHz PCM (Whisper misrecognises anything else); it speaks at the
client's own rate, so outgoing audio needs no resampling in the common case.
"""

from dataclasses import dataclass
from typing import Any

from pipecat.audio.resamplers.base_audio_resampler import BaseAudioResampler
from pipecat.audio.utils import create_stream_resampler, pcm_to_ulaw, ulaw_to_pcm

PIPELINE_IN_RATE = 16000


@dataclass(frozen=True)
class AudioFormat:
    """Raw mono audio as the call's `transport.audioFormat` describes it."""

    encoding: str  # "pcm_s16le" or "mulaw"
    sample_rate: int

    @classmethod
    def from_wire(cls, value: dict[str, Any] | None) -> "AudioFormat":
        value = value or {}
        encoding = value.get("format", "pcm_s16le")
        default_rate = 8000 if encoding == "mulaw" else 16000
        return cls(encoding, int(value.get("sampleRate") or default_rate))


class Codec:
    """Decodes the client's frames into pipeline PCM and encodes pipeline PCM for the client."""

    def __init__(self, audio_format: AudioFormat) -> None:
        self.format = audio_format
        # Medium quality: the default (very high) holds back ~52 ms of 8 kHz audio, MQ ~26 ms.
        self._in: BaseAudioResampler = create_stream_resampler(quality="MQ")
        self._out: BaseAudioResampler = create_stream_resampler(quality="MQ")
        self._odd = b""  # half a 16-bit sample the last frame ended on

    async def decode(self, data: bytes) -> bytes:
        rate = self.format.sample_rate
        if self.format.encoding == "mulaw":
            pcm: bytes = await ulaw_to_pcm(data, rate, PIPELINE_IN_RATE, self._in)
            return pcm
        # A frame of an odd byte count splits a sample: its last byte waits for the next frame,
        # since half a sample further on breaks the recording and the resampler.
        data, self._odd = self._odd + data, b""
        if len(data) % 2:
            data, self._odd = data[:-1], data[-1:]
        if rate == PIPELINE_IN_RATE:
            return data
        resampled: bytes = await self._in.resample(data, rate, PIPELINE_IN_RATE)
        return resampled

    async def encode(self, pcm: bytes, rate: int) -> bytes:
        if self.format.encoding == "mulaw":
            encoded: bytes = await pcm_to_ulaw(pcm, rate, self.format.sample_rate, self._out)
            return encoded
        if rate == self.format.sample_rate:
            return pcm
        resampled: bytes = await self._out.resample(pcm, rate, self.format.sample_rate)
        return resampled
