"""An assistant answering in text (a chat, VAPI-BEHAVIOUR §9.4): its LLM service alone in a
pipeline, given the conversation as one context, its answer read piece by piece as it streams.

The service is the one a call would use (`registry.build_llm`), so every provider a call
supports answers chats too, with the same settings (the system prompt is the service's
`system_instruction`, as in a call). No audio, no transcriber, no voice.
"""

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from typing import Any

from pipecat.frames.frames import (
    EndFrame,
    ErrorFrame,
    Frame,
    LLMContextFrame,
    LLMFullResponseEndFrame,
    LLMTextFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineWorker
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.workers.runner import WorkerRunner

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

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, LLMTextFrame):
            self._pieces.put_nowait(frame.text)
        elif isinstance(frame, LLMFullResponseEndFrame):
            self._pieces.put_nowait(None)
        await self.push_frame(frame, direction)


class TextTurn:
    """One answer of the assistant's model to `messages` (OpenAI's `{role, content}` form).

    Creating it builds the service, so an assistant this server cannot run raises a
    `ProviderError` naming the field (`assistant.model…`) before anything is sent."""

    def __init__(self, assistant: dict[str, Any], messages: list[dict[str, Any]]) -> None:
        try:
            self._llm = build_llm(assistant)
        except ProviderError as error:
            raise ProviderError(f"assistant.{error}") from None
        except Exception as error:  # a vendor client refusing its settings, say
            raise ProviderError(f"assistant.model: {error}") from None
        self._messages = messages

    async def pieces(self) -> AsyncGenerator[str]:
        """The answer as the model streams it; raises `ChatFailed` when the model fails."""
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        errors: list[str] = []
        worker = PipelineWorker(
            Pipeline([self._llm, _Reply(queue)]), enable_rtvi=False, idle_timeout_secs=None
        )

        async def on_error(_worker: PipelineWorker, frame: ErrorFrame) -> None:
            errors.append(frame.error)

        worker.add_event_handler("on_pipeline_error", on_error)

        runner = WorkerRunner(handle_sigint=False)
        await runner.add_workers(worker)
        await worker.queue_frame(LLMContextFrame(LLMContext(messages=self._messages)))  # type: ignore[arg-type]
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
