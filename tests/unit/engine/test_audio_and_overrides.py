"""The socket's audio conversions, and how overrides reshape a stored assistant."""

import math
import struct

from voxgate.control.call.live import apply_overrides
from voxgate.engine.audio import AudioFormat, Codec


def tone(rate: int, seconds: float = 1.0) -> bytes:
    count = int(rate * seconds)
    samples = (int(8000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(count))
    return struct.pack(f"<{count}h", *samples)


def test_the_default_format_is_16_khz_pcm_and_mulaw_defaults_to_8_khz() -> None:
    assert AudioFormat.from_wire(None) == AudioFormat("pcm_s16le", 16000)
    assert AudioFormat.from_wire({"format": "mulaw"}) == AudioFormat("mulaw", 8000)
    wire = {"format": "pcm_s16le", "container": "raw", "sampleRate": 24000}
    assert AudioFormat.from_wire(wire) == AudioFormat("pcm_s16le", 24000)


async def test_16_khz_pcm_passes_through_untouched() -> None:
    codec = Codec(AudioFormat("pcm_s16le", 16000))
    audio = tone(16000)
    assert await codec.decode(audio) == audio
    assert await codec.encode(audio, 16000) == audio


async def streamed(codec: Codec, audio: bytes, chunk: int) -> bytes:
    """Decoded in 20 ms chunks, as a client sends them."""
    return b"".join([await codec.decode(audio[i : i + chunk]) for i in range(0, len(audio), chunk)])


async def test_mulaw_at_8_khz_becomes_16_khz_pcm_and_back() -> None:
    codec = Codec(AudioFormat("mulaw", 8000))
    encoded = await codec.encode(tone(8000), 8000)
    assert len(encoded) == 8000  # one byte per sample at 8 kHz
    decoded = await streamed(codec, encoded, 160)
    # 1 s at 16 kHz, less what the live resampler holds back (at most ~30 ms).
    assert 16000 - 30 * 16 <= len(decoded) / 2 <= 16000


async def test_other_pcm_rates_are_resampled_to_16_khz() -> None:
    codec = Codec(AudioFormat("pcm_s16le", 48000))
    decoded = await streamed(codec, tone(48000), 1920)
    assert 16000 - 30 * 16 <= len(decoded) / 2 <= 16000


async def test_a_sample_split_across_frames_is_put_back_together() -> None:
    codec = Codec(AudioFormat("pcm_s16le", 16000))
    assert await codec.decode(b"\x01\x02\x03") == b"\x01\x02"  # half a sample waits
    assert await codec.decode(b"\x04") == b"\x03\x04"
    assert await codec.decode(b"\x05") == b""


def test_overrides_deep_merge_objects_replace_arrays_and_append_tools() -> None:
    stored = {
        "firstMessage": "Hi",
        "model": {
            "provider": "openai",
            "model": "gpt-4o",
            "messages": [{"role": "system", "content": "A"}],
            "tools": [{"type": "endCall"}],
        },
        "voice": {"provider": "espeak", "voiceId": "en-us"},
    }
    overrides = {
        "model": {"temperature": 0.3, "messages": [{"role": "system", "content": "B"}]},
        "firstMessage": "Hello",
        "variableValues": {"name": "Ada"},
        "tools:append": [{"type": "function", "function": {"name": "f"}}],
    }
    merged = apply_overrides(stored, overrides)
    assert merged["model"] == {
        "provider": "openai",
        "model": "gpt-4o",
        "temperature": 0.3,
        "messages": [{"role": "system", "content": "B"}],
        "tools": [{"type": "endCall"}, {"type": "function", "function": {"name": "f"}}],
    }
    assert merged["firstMessage"] == "Hello" and merged["voice"] == stored["voice"]
    assert "variableValues" not in merged and "tools:append" not in merged
    assert stored["model"]["tools"] == [{"type": "endCall"}]  # the stored one is untouched
