"""`voxgate call`: make the speech or open the devices, place the call, talk, hang up.

Everything that can fail before the call exists (a missing file, no espeak-ng, no microphone)
is checked before `POST /call`, so a mistake does not leave a queued call behind.
"""

import asyncio
import contextlib
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from voxgate.client.api import CallFailed, create_call
from voxgate.client.devices import Microphone, NoDevice, Speaker
from voxgate.client.session import Line, Sink
from voxgate.client.speech import SpeechError, WavOut, load_wav, spoken


@dataclass
class Options:
    assistant_id: str
    url: str
    api_key: str
    say: str | None = None
    wav: Path | None = None
    out: Path | None = None
    wait: float = 30.0
    stay: bool = False


def note(text: str) -> None:
    """Progress and warnings go to stderr; stdout carries only the transcript."""
    print(text, file=sys.stderr, flush=True)


def echo(text: str) -> None:
    print(text, flush=True)


def _speech(options: Options) -> bytes | None:
    try:
        if options.say is not None:
            return spoken(options.say)
        return load_wav(options.wav) if options.wav is not None else None
    except SpeechError as error:
        raise CallFailed(str(error)) from None


async def place_call(options: Options) -> None:
    """Runs one call to its end; raises CallFailed with a message for the user."""
    speech = _speech(options)
    sinks: list[Sink] = []
    closing: list[WavOut | Speaker | Microphone] = []
    try:
        if options.out is not None:
            closing.append(WavOut(options.out))
        try:
            if speech is None:
                closing.append(Microphone())
            if speech is None or options.out is None:
                closing.append(Speaker())
        except NoDevice as error:
            if speech is None:
                raise CallFailed(
                    f'{error}; or send speech with --say "text" or --wav FILE'
                ) from None
            note(f"the reply is not played: {error}; --out FILE keeps it")
        sinks = [device for device in closing if isinstance(device, WavOut | Speaker)]
        microphone = next((d for d in closing if isinstance(d, Microphone)), None)
        await _talk(options, speech, microphone, sinks)
    finally:
        for device in closing:
            device.close()


async def _talk(
    options: Options, speech: bytes | None, microphone: Microphone | None, sinks: list[Sink]
) -> None:
    call = await create_call(options.url, options.api_key, options.assistant_id)
    url = call["transport"]["websocketCallUrl"]
    note(f"call {call.get('id')}: connecting to {url} (Ctrl-C hangs up)")
    headers = {"Authorization": f"Bearer {options.api_key}"}
    try:
        ws = await connect(url, additional_headers=headers)
    except (OSError, TimeoutError, WebSocketException) as error:
        raise CallFailed(f"cannot open the call's socket {url}: {error}") from None
    line = Line(ws, sinks, echo)
    interrupted = asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGINT, interrupted.set)  # main thread only
    listening = asyncio.create_task(line.listen())
    streaming = asyncio.create_task(line.stream(microphone.chunks() if microphone else None))
    # With the microphone, the person talks until someone hangs up.
    script = (
        line.converse(speech, options.wait, options.stay) if speech is not None else line.ended()
    )
    talking = asyncio.create_task(script)
    waiting = asyncio.create_task(interrupted.wait())
    try:
        await asyncio.wait({listening, talking, waiting}, return_when="FIRST_COMPLETED")
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.remove_signal_handler(signal.SIGINT)
        for task in (talking, waiting):
            task.cancel()
        await line.hang_up()
        streaming.cancel()
        await asyncio.gather(listening, streaming, return_exceptions=True)
    failure = line.failure()
    if failure is not None:
        raise CallFailed(failure)
