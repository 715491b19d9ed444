"""An OpenAI-compatible chat-completions server on loopback that streams real SSE chunks."""

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

Body = dict[str, Any]


def asking(text: str) -> Callable[[Body], bool]:
    """A request whose messages (any of them) contain `text`."""

    def asks(body: Body) -> bool:
        return any(text in str(m.get("content")) for m in body.get("messages") or [])

    return asks


@dataclass
class Scripted:
    """The answer to the requests `when` picks: `reply`, or an error with `status`."""

    when: Callable[[Body], bool]
    reply: str = ""
    status: int = 200
    tool_call: str | None = None  # set: a streamed call of this function instead of `reply`
    arguments: dict[str, Any] | None = None  # the call's arguments (none by default)


class FakeLLM:
    """Answers every request with `reply`, word by word; keeps each request body it got.

    With `tool_call` set to a function name, it answers a streamed request instead with a
    streamed call of that function (no arguments), as OpenAI streams `tool_calls` deltas.
    With `tool_calls` set to (name, arguments) pairs, it answers a streamed request whose last
    user message no tool result has followed yet with those calls, all in one turn (arguments
    streamed in pieces, as OpenAI does); once results are in, with `reply`.
    `script(when, …)` answers the requests `when` picks otherwise (the first match wins; e.g.
    `script(asking("note"), "A summary.")`). A request with `stream: false` (a one-shot
    request, such as post-call analysis) gets one `chat.completion`, not a stream.
    """

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.requests: list[dict[str, Any]] = []
        self.authorizations: list[str] = []  # each request's Authorization header
        self.status = 200  # anything else: answered with that status and an error body
        self.tool_call: str | None = None
        self.tool_calls: list[tuple[str, dict[str, Any]]] = []
        # Set: the stream breaks off after that many words with OpenAI's mid-stream error chunk.
        self.fail_after_words: int | None = None
        self.scripted: list[Scripted] = []
        self.stall = 0.0  # seconds to wait before answering at all (an LLM that hangs)
        self.app = FastAPI()
        self.app.post("/v1/chat/completions")(self._complete)

    def script(
        self,
        when: Callable[[Body], bool],
        reply: str = "",
        status: int = 200,
        tool_call: str | None = None,
        arguments: dict[str, Any] | None = None,
    ) -> None:
        self.scripted.append(Scripted(when, reply, status, tool_call, arguments))

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
        body = await request.json()
        self.requests.append(body)
        self.authorizations.append(request.headers.get("authorization", ""))
        if self.stall:
            await asyncio.sleep(self.stall)
        found = next((s for s in self.scripted if s.when(body)), None)
        status = found.status if found else self.status
        reply = found.reply if found else self.reply
        if status != 200:
            error = {"error": {"message": "fake failure", "type": "server_error"}}
            return JSONResponse(error, status_code=status)

        called = found.tool_call if found else self.tool_call
        if called is not None and body.get("stream") is not False:
            if found is not None and found.arguments is not None:
                calls = self._calls([(called, found.arguments)])
                return StreamingResponse(calls, media_type="text/event-stream")
            return StreamingResponse(self._call(called), media_type="text/event-stream")
        calling = self.tool_calls and found is None and body.get("stream") is not False
        if calling and not _answered(body):
            calls = self._calls(self.tool_calls)
            return StreamingResponse(calls, media_type="text/event-stream")
        if body.get("stream") is False:
            return JSONResponse(self._completion(reply))

        async def stream() -> AsyncIterator[str]:
            yield self._chunk({"role": "assistant", "content": ""})
            for index, word in enumerate(reply.split(" ")):
                if index == self.fail_after_words:
                    error = {"message": "fake failure mid-stream", "type": "server_error"}
                    yield f"data: {json.dumps({'error': error})}\n\n"
                    return
                yield self._chunk({"content": word if index == 0 else " " + word})
            yield self._chunk({}, "stop")
            yield "data: [DONE]\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream")

    def _completion(self, reply: str) -> dict[str, Any]:
        message = {"role": "assistant", "content": reply}
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": "fake-model",
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    async def _call(self, name: str) -> AsyncIterator[str]:
        call = {"index": 0, "id": "call_fake_1", "type": "function",
                "function": {"name": name, "arguments": ""}}  # fmt: skip
        yield self._chunk({"role": "assistant", "content": None, "tool_calls": [call]})
        yield self._chunk({"tool_calls": [{"index": 0, "function": {"arguments": "{}"}}]})
        yield self._chunk({}, "tool_calls")
        yield "data: [DONE]\n\n"

    async def _calls(self, calls: list[tuple[str, dict[str, Any]]]) -> AsyncIterator[str]:
        yield self._chunk({"role": "assistant", "content": None})
        for index, (name, arguments) in enumerate(calls):
            start = {"index": index, "id": f"call_fake_{index + 1}", "type": "function",
                     "function": {"name": name, "arguments": ""}}  # fmt: skip
            yield self._chunk({"tool_calls": [start]})
            text = json.dumps(arguments)
            for piece in (text[: len(text) // 2], text[len(text) // 2 :]):
                yield self._chunk(
                    {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}
                )
        yield self._chunk({}, "tool_calls")
        yield "data: [DONE]\n\n"


def _answered(body: Body) -> bool:
    """Whether a tool result follows the last user message (the calls have been answered)."""
    messages = body.get("messages") or []
    users = [i for i, m in enumerate(messages) if m.get("role") == "user"]
    after = messages[users[-1] + 1 :] if users else messages
    return any(m.get("role") == "tool" for m in after)
