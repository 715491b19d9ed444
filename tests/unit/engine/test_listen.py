"""The listen tap: both sides of a call as 16 kHz stereo, to every listener, never blocking."""

import asyncio
import struct

from pipecat.frames.frames import InputAudioRawFrame, OutputAudioRawFrame
from pipecat.tests.utils import run_test

from voxgate.engine.listen import Listener, ListenTap

TENTH = 1600  # samples in 100 ms at 16 kHz


def tone(value: int, samples: int = TENTH) -> bytes:
    return struct.pack(f"<{samples}h", *([value] * samples))


def split(chunk: bytes) -> tuple[set[int], set[int]]:
    """The distinct sample values of the left and right channels."""
    samples = memoryview(chunk).cast("h")
    return set(samples[0::2]), set(samples[1::2])


async def drain(queue: Listener) -> list[bytes | None]:
    await asyncio.sleep(0.05)  # the processor's event handlers run as tasks
    found = []
    while not queue.empty():
        found.append(queue.get_nowait())
    return found


async def test_customer_left_assistant_right_and_the_end_is_told() -> None:
    tap = ListenTap()
    async with tap.listen() as first, tap.listen() as second:
        frames = [
            InputAudioRawFrame(tone(1000), 16000, 1),
            OutputAudioRawFrame(tone(-2000), 16000, 1),
        ]
        await run_test(tap.processor, frames_to_send=frames)
        tap.close()
        heard = [await drain(first), await drain(second)]
    assert heard[0] == heard[1]
    customer, assistant, end = heard[0]
    assert customer is not None and assistant is not None and end is None
    assert len(customer) == len(assistant) == TENTH * 4  # 100 ms of 16-bit stereo
    assert split(customer) == ({1000}, {0})
    assert split(assistant) == ({0}, {-2000})


async def test_an_8_khz_assistant_is_resampled_to_16_khz() -> None:
    tap = ListenTap()
    async with tap.listen() as queue:
        frames = [OutputAudioRawFrame(tone(-2000, 800), 8000, 1) for _ in range(10)]  # 1 s
        await run_test(tap.processor, frames_to_send=frames)
        tap.close()
        heard = [chunk for chunk in await drain(queue) if chunk is not None]
    stereo = b"".join(heard)
    # One second at 16 kHz, less what the streaming resampler still holds at the end.
    assert 0.9 * 16000 < len(stereo) / 4 <= 16000
    assert split(stereo)[0] == {0}


async def test_a_listener_that_never_reads_loses_audio_not_the_end() -> None:
    tap = ListenTap()
    async with tap.listen() as queue:
        frames = [InputAudioRawFrame(tone(500), 16000, 1) for _ in range(80)]  # 8 s
        await run_test(tap.processor, frames_to_send=frames)
        tap.close()
        heard = await drain(queue)
    assert len(heard) == 50 and heard[-1] is None  # 4.9 s kept, the rest dropped


async def test_a_listener_after_the_end_is_told_at_once() -> None:
    tap = ListenTap()
    tap.close()
    async with tap.listen() as queue:
        assert await queue.get() is None
