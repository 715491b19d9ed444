"""An assistant answering in text (a chat, VAPI-BEHAVIOUR §9.4): its LLM service alone in a
pipeline, given the conversation as one context, its answer read piece by piece as it streams.

The service is the one a call would use (`registry.build_llm`), so every provider a call
supports answers chats too, with the same settings (the system prompt is the service's
`system_instruction`, as in a call). No audio, no transcriber, no voice.

An assistant with `function` or `apiRequest` tools gets them (`chat_tools.py`): pipecat's
assistant aggregator, after the service, puts each call and result into the context and asks the
service again, until it answers in text. An answer that is only tool calls ends with no text, so
the reply is complete at the first end of a response that called nothing.
"""

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from typing import Any

from pipecat.frames.frames import (
    EndFrame,
    ErrorFrame,
    Frame,
    FunctionCallsStartedFrame,
    LLMContextFrame,
    LLMFullResponseEndFrame,
    LLMTextFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineWorker
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import LLMAssistantAggregator
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.workers.runner import WorkerRunner

from voxgate.engine.chat_tools import ChatTools
from voxgate.engine.ports import ServerMessages
from voxgate.engine.providers.registry import ProviderError, build_llm

# Vapi publishes no limit; a model silent this long is treated as failed.
CHAT_TIMEOUT_SECONDS = 60.0


class ChatFailed(Exception):
    """The model answered with an error, or not at all."""


class _Reply(FrameProcessor):
    """Hands each piece of the answer on; `None` once the answer is complete."""

    def __init__(self, pieces: "asyncio.Queue[str | None]") -> None:
        super().__init__()
        self._pieces = pieces
        self._calling = False  # this response called tools: another one follows

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if direction == FrameDirection.DOWNSTREAM:
            if isinstance(frame, LLMTextFrame):
                self._pieces.put_nowait(frame.text)
            elif isinstance(frame, FunctionCallsStartedFrame):
                self._calling = True
            elif isinstance(frame, LLMFullResponseEndFrame):
                if not self._calling:
                    self._pieces.put_nowait(None)
                self._calling = False
        await self.push_frame(frame, direction)


class TextTurn:
    """One answer of the assistant's model to `messages` (OpenAI's `{role, content}` form).

    Creating it builds the service, so an assistant this server cannot run raises a
    `ProviderError` naming the field (`assistant.model…`) before anything is sent. `server`
    (the chat's webhook server) and `values` (its variables) serve the tools; `steps` holds
    the tool calls and results of the answer, once it is complete."""

    def __init__(
        self,
        assistant: dict[str, Any],
        messages: list[dict[str, Any]],
        *,
        server: ServerMessages | None = None,
        values: dict[str, Any] | None = None,
    ) -> None:
        try:
            self._llm = build_llm(assistant)
        except ProviderError as error:
            raise ProviderError(f"assistant.{error}") from None
        except Exception as error:  # a vendor client refusing its settings, say
            raise ProviderError(f"assistant.model: {error}") from None
        self._messages = messages
        self._tools = ChatTools(assistant, server, dict(values or {}))
        self._tools.attach(self._llm)

    @property
    def steps(self) -> list[dict[str, Any]]:
        return self._tools.steps

    def _pipeline(self, queue: "asyncio.Queue[str | None]") -> tuple[Pipeline, LLMContext]:
        tools = self._tools.schema()
        messages: Any = self._messages
        if tools is None:
            return Pipeline([self._llm, _Reply(queue)]), LLMContext(messages=messages)
        context = LLMContext(messages=list(messages), tools=tools)
        # The aggregator feeds results back; the context's own copy of the messages grows.
        return Pipeline([self._llm, _Reply(queue), LLMAssistantAggregator(context)]), context

    async def pieces(self) -> AsyncGenerator[str]:
        """The answer as the model streams it; raises `ChatFailed` when the model fails."""
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        errors: list[str] = []
        pipeline, context = self._pipeline(queue)
        worker = PipelineWorker(pipeline, enable_rtvi=False, idle_timeout_secs=None)

        async def on_error(_worker: PipelineWorker, frame: ErrorFrame) -> None:
            errors.append(frame.error)

        worker.add_event_handler("on_pipeline_error", on_error)

        runner = WorkerRunner(handle_sigint=False)
        await runner.add_workers(worker)
        await worker.queue_frame(LLMContextFrame(context))
        running = asyncio.create_task(runner.run())
        # A deadline per wait, not `asyncio.timeout` around the loop: it must not fire while the
        # consumer holds a piece (a generator's caller may do anything between two pieces).
        deadline = asyncio.get_running_loop().time() + CHAT_TIMEOUT_SECONDS

        def left() -> float:
            return max(0.0, deadline - asyncio.get_running_loop().time())

        try:
            while (piece := await asyncio.wait_for(queue.get(), left())) is not None:
                yield piece
            # The service reports an error upstream before it ends its answer; the error is a
            # system frame, handled before the EndFrame queued now has gone through.
            await worker.queue_frame(EndFrame())
            await asyncio.wait_for(asyncio.shield(running), left())
        except TimeoutError:
            raise ChatFailed(
                f"the model did not answer within {CHAT_TIMEOUT_SECONDS:g} s"
            ) from None
        finally:
            if not running.done():
                await worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await running
        if errors:
            raise ChatFailed(errors[0])


async def answer(turn: TextTurn) -> str:
    """The whole answer at once."""
    return "".join([piece async for piece in turn.pieces()])
