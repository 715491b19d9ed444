"""The benchmarks' vendors, in their own process: the tests' loopback fakes on one port.

The fake LLM (OpenAI's chat completions), Deepgram (live transcription) and Cartesia (TTS) all
speak their real protocols. The LLM's first token waits `--delay` seconds (0 for the `instant`
stack, 0.15 s for `offline`); the fake voice's audio is made once per text and then cached.

    python bench/fakes.py --port 8100 --delay 0.15
"""

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi import FastAPI
from tests.e2e.fake_llm import FakeLLM
from tests.e2e.fake_speech import FakeCartesia, FakeDeepgram

REPLY = "It is sunny and warm today."
HEARD = "What is the weather like today?"


class FirstTokenDelay:
    """Holds every LLM response back by `delay` seconds before its first byte."""

    def __init__(self, app: Any, delay: float) -> None:
        self.app, self.delay = app, delay

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/chat/completions"):
            await asyncio.sleep(self.delay)
        await self.app(scope, receive, send)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay", type=float, default=0.0)
    options = parser.parse_args()
    app = FastAPI()
    for fake in (FakeLLM(REPLY), FakeDeepgram(HEARD), FakeCartesia()):
        app.router.routes.extend(fake.app.router.routes)
    uvicorn.run(
        FirstTokenDelay(app, options.delay),
        host="127.0.0.1",
        port=options.port,
        log_level="warning",
        ws_per_message_deflate=False,  # as voxgate's own server: audio is not worth compressing
    )


if __name__ == "__main__":
    main()
