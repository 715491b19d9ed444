"""The offline voice: the espeak-ng program, run once per sentence, its PCM streamed out."""

import asyncio
import shutil
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

from pipecat.frames.frames import ErrorFrame, Frame
from pipecat.services.settings import TTSSettings
from pipecat.services.tts_service import TTSService

ESPEAK_RATE = 22050  # espeak-ng's native output rate
_CHUNK = 4096
_WAV_HEADER = 44  # what espeak writes before any audio


class EspeakMissing(RuntimeError):
    """The espeak-ng program is not installed."""


def espeak_binary() -> str:
    found = shutil.which("espeak-ng")
    if found is None:
        raise EspeakMissing("the espeak voice needs the espeak-ng program (apt install espeak-ng)")
    return found


class EspeakTTS(TTSService):
    """Speech from espeak-ng (`--stdout` writes a WAV), resampled to the pipeline's rate."""

    def __init__(self, voice: str = "en-us", **kwargs: Any) -> None:
        self._binary = espeak_binary()
        settings = TTSSettings(model=None, voice=voice, language=None)
        super().__init__(push_start_frame=True, push_stop_frames=True, settings=settings, **kwargs)

    def can_generate_metrics(self) -> bool:
        return True

    async def run_tts(self, text: str, context_id: str) -> AsyncGenerator[Frame, None]:
        voice = str(self._settings.voice or "en-us")
        process = await asyncio.create_subprocess_exec(
            self._binary, "-v", voice, "--stdout", text,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip

        produced = 0

        async def pcm() -> AsyncIterator[bytes]:
            nonlocal produced
            assert process.stdout is not None
            while chunk := await process.stdout.read(_CHUNK):
                produced += len(chunk)
                yield chunk

        try:
            await self.start_tts_usage_metrics(text)
            async for frame in self._stream_audio_frames_from_iterator(
                pcm(), strip_wav_header=True, in_sample_rate=ESPEAK_RATE, context_id=context_id
            ):
                await self.stop_ttfb_metrics()
                yield frame
        finally:
            if process.returncode is None:
                process.kill()
            await process.wait()
        assert process.stderr is not None
        complaint = (await process.stderr.read()).decode(errors="replace").strip()
        # Failure is no speech, or espeak saying why. The exit code alone is not trusted: when
        # asyncio's child watcher loses the race to reap the process (the transport's own
        # `poll()` can reap it first), it reports 255 for a sentence that was spoken whole.
        if process.returncode not in (0, -9) and (complaint or produced <= _WAV_HEADER):
            yield ErrorFrame(error=f"espeak-ng: {complaint or 'no audio'}")
