"""An OpenAI-compatible chat-completions server on loopback that streams real SSE chunks."""

import json
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse


class FakeLLM:
    """Answers every request with `reply`, word by word; keeps each request body it got.

    With `tool_call` set to a function name, it answers instead with a streamed call of that
    function (no arguments), as OpenAI streams `tool_calls` deltas.
    """

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.requests: list[dict[str, Any]] = []
        self.status = 200  # anything else: answered with that status and an error body
        self.tool_call: str | None = None
        # Set: the stream breaks off after that many words with OpenAI's mid-stream error chunk.
        self.fail_after_words: int | None = None
        self.app = FastAPI()
        self.app.post("/v1/chat/completions")(self._complete)

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> str:
        chunk = {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": "fake-model",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return f"data: {json.dumps(chunk)}\n\n"

    async def _complete(self, request: Request) -> Response:
        self.requests.append(await request.json())
        if self.status != 200:
            error = {"error": {"message": "fake failure", "type": "server_error"}}
            return JSONResponse(error, status_code=self.status)

        if self.tool_call is not None:
            return StreamingResponse(self._call(self.tool_call), media_type="text/event-stream")

        async def stream() -> AsyncIterator[str]:
            yield self._chunk({"role": "assistant", "content": ""})
            for index, word in enumerate(self.reply.split(" ")):
                if index == self.fail_after_words:
                    error = {"message": "fake failure mid-stream", "type": "server_error"}
                    yield f"data: {json.dumps({'error': error})}\n\n"
                    return
                yield self._chunk({"content": word if index == 0 else " " + word})
            yield self._chunk({}, "stop")
            yield "data: [DONE]\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream")

    async def _call(self, name: str) -> AsyncIterator[str]:
        call = {"index": 0, "id": "call_fake_1", "type": "function",
                "function": {"name": name, "arguments": ""}}  # fmt: skip
        yield self._chunk({"role": "assistant", "content": None, "tool_calls": [call]})
        yield self._chunk({"tool_calls": [{"index": 0, "function": {"arguments": "{}"}}]})
        yield self._chunk({}, "tool_calls")
        yield "data: [DONE]\n\n"
