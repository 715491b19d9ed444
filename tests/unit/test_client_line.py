"""The terminal client's sense of when the assistant has finished: a pause in its audio longer
than GAP is not the end while the server still says it is speaking."""

import asyncio
import json
import time

from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve

from voxgate.client.session import GAP, Line

CHUNK = b"\x01\x00" * 320


def update(status: str) -> str:
    return json.dumps({"type": "speech-update", "role": "assistant", "status": status})


async def test_a_pause_mid_sentence_is_not_the_end_of_the_turn() -> None:
    finished: list[float] = []

    async def slow_voice(ws: ServerConnection) -> None:
        await ws.send(update("started"))
        await ws.send(CHUNK)
        await asyncio.sleep(GAP + 0.5)  # the voice stalls, and goes on
        await ws.send(CHUNK)
        finished.append(time.monotonic())
        await ws.send(update("stopped"))
        await ws.wait_closed()

    async with serve(slow_voice, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}") as ws:
            line = Line(ws, [], lambda _text: None)
            listening = asyncio.create_task(line.listen())
            await line.quiet(time.monotonic() - 1, first_within=3.0, limit=10.0)
            returned = time.monotonic()
            listening.cancel()
    assert finished and returned > finished[0]  # not at the stall: after the turn's end
