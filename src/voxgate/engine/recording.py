"""A call's recordings: pipecat's `AudioBufferProcessor` keeps both sides, WAVs at the end.

The processor sits after the transport's output, where it sees the caller's audio (passed down
the pipeline) and the assistant's audio as it was sent (keypad tones included), both resampled
to the call's output rate and padded with silence so the two tracks stay aligned in time. When
the call ends they become four WAV files: the mix, each side alone, and a stereo file (customer
left, assistant right), named in Vapi's artifact fields.
"""

import asyncio
import contextlib
import io
import wave
from typing import Any

from pipecat.audio.utils import interleave_stereo_audio, mix_audio
from pipecat.processors.audio.audio_buffer_processor import AudioBufferProcessor

from voxgate.engine.ports import ArtifactName, CallStore

# The handlers run as tasks once recording stops; the pipeline has ended by then, so this only
# bounds a wait that should take one turn of the event loop.
_STOP_WAIT_SECONDS = 2.0


def recording_enabled(assistant: dict[str, Any]) -> bool:
    """`artifactPlan.recordingEnabled`, true unless the assistant turns it off (as in Vapi)."""
    plan = assistant.get("artifactPlan") or {}
    return plan.get("recordingEnabled") is not False


def wav(pcm: bytes, sample_rate: int, channels: int) -> bytes:
    """16-bit little-endian PCM in a WAV container."""
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(channels)
        file.setsampwidth(2)
        file.setframerate(sample_rate)
        file.writeframes(pcm)
    return out.getvalue()


class CallRecording:
    """Records one call, when its assistant allows it; `save` turns the audio into artifacts."""

    def __init__(self, assistant: dict[str, Any]) -> None:
        self.enabled = recording_enabled(assistant)
        # One mono track per side; the mixes are made from them at the end.
        self.processor = AudioBufferProcessor(num_channels=1, auto_start_recording=self.enabled)
        self._tracks: tuple[bytes, bytes, int] | None = None
        self._started, self._stopped = asyncio.Event(), asyncio.Event()

        @self.processor.event_handler("on_recording_started")  # type: ignore[untyped-decorator]
        async def on_started(_processor: Any) -> None:
            self._started.set()

        @self.processor.event_handler("on_track_audio_data")  # type: ignore[untyped-decorator]
        async def on_tracks(_processor: Any, user: bytes, bot: bytes, rate: int, _n: int) -> None:
            self._tracks = (user, bot, rate)

        @self.processor.event_handler("on_recording_stopped")  # type: ignore[untyped-decorator]
        async def on_stopped(_processor: Any) -> None:
            self._stopped.set()

    async def save(self, store: CallStore) -> dict[str, Any]:
        """Writes the recordings through the store; returns the artifact's recording fields."""
        if not self._started.is_set():
            return {}  # turned off, or the pipeline never ran
        # The pipeline stops recording when it ends or is cancelled; this covers a pipeline that
        # never got that far (and does nothing otherwise).
        await self.processor.stop_recording()  # type: ignore[no-untyped-call]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopped.wait(), _STOP_WAIT_SECONDS)
        if self._tracks is None:
            return {}  # no audio in either direction
        customer, assistant, rate = self._tracks
        files: dict[ArtifactName, bytes] = {
            "mono-recording": wav(mix_audio(customer, assistant), rate, 1),
            "stereo-recording": wav(interleave_stereo_audio(customer, assistant), rate, 2),
            "customer-recording": wav(customer, rate, 1),
            "assistant-recording": wav(assistant, rate, 1),
        }
        urls = {name: await store.save_artifact(name, data) for name, data in files.items()}
        return {
            "recordingUrl": urls["mono-recording"],
            "stereoRecordingUrl": urls["stereo-recording"],
            "recording": {
                "stereoUrl": urls["stereo-recording"],
                "mono": {
                    "combinedUrl": urls["mono-recording"],
                    "customerUrl": urls["customer-recording"],
                    "assistantUrl": urls["assistant-recording"],
                },
            },
        }
