"""Anthropic's Messages API on loopback: `POST /v1/messages` with `stream: true`, answered with
the real SSE events (message_start, content_block_start, content_block_delta text_delta…,
content_block_stop, message_delta, message_stop); without it, with one `message`. Point the
`anthropic` provider at it with `VOXGATE_ANTHROPIC_BASE_URL` set to `url` (the SDK appends
`/v1/messages`)."""

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse


def _event(kind: str, data: dict[str, Any]) -> str:
    return f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n"


class FakeAnthropic:
    """Answers every request with `reply`, word by word; keeps each request's body and headers."""

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.url = ""  # set once served: the base URL, without `/v1`
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.status = 200  # anything else: answered with that status and Anthropic's error body
        self.app = FastAPI()
        self.app.post("/v1/messages")(self._messages)

    async def _messages(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        if self.status != 200:
            error = {"type": "error", "error": {"type": "api_error", "message": "fake failure"}}
            return JSONResponse(error, status_code=self.status)
        if not body.get("stream"):  # a one-shot request (post-call analysis): one Message
            return JSONResponse(self._message(body["model"]))
        return StreamingResponse(self._stream(body["model"]), media_type="text/event-stream")

    def _message(self, model: str) -> dict[str, Any]:
        return {
            "id": "msg_fake", "type": "message", "role": "assistant", "model": model,
            "content": [{"type": "text", "text": self.reply}],
            "stop_reason": "end_turn", "stop_sequence": None,
            "usage": {"input_tokens": 20, "output_tokens": len(self.reply.split(" "))},
        }  # fmt: skip

    async def _stream(self, model: str) -> AsyncIterator[str]:
        words = self.reply.split(" ")
        message = {
            "id": "msg_fake", "type": "message", "role": "assistant", "content": [],
            "model": model, "stop_reason": None, "stop_sequence": None,
            "usage": {"input_tokens": 20, "output_tokens": 1},
        }  # fmt: skip
        yield _event("message_start", {"message": message})
        yield _event(
            "content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}}
        )
        yield _event("ping", {})
        for index, word in enumerate(words):
            text = word if index == 0 else " " + word
            yield _event(
                "content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": text}}
            )
        yield _event("content_block_stop", {"index": 0})
        stop = {"stop_reason": "end_turn", "stop_sequence": None}
        yield _event("message_delta", {"delta": stop, "usage": {"output_tokens": len(words)}})
        yield _event("message_stop", {})
