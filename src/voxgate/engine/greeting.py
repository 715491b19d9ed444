"""The assistant's first words, as `firstMessageMode` asks (and again on `say-first-message`)."""

from typing import Any

from pipecat.frames.frames import LLMRunFrame, TTSSpeakFrame
from pipecat.pipeline.worker import PipelineWorker

from voxgate.engine.events import ClientEvents
from voxgate.engine.turns import TurnWatcher


class Greeter:
    def __init__(self, assistant: dict[str, Any], turns: TurnWatcher, events: ClientEvents) -> None:
        self._assistant, self._turns, self._events = assistant, turns, events

    async def greet(self, worker: PipelineWorker) -> None:
        mode = self._assistant.get("firstMessageMode", "assistant-speaks-first")
        if mode == "assistant-speaks-first":
            await self.say_first_message(worker)
        elif mode == "assistant-speaks-first-with-model-generated-message":
            await worker.queue_frame(LLMRunFrame())

    async def say_first_message(self, worker: PipelineWorker) -> None:
        first = self._assistant.get("firstMessage")
        if not isinstance(first, str) or not first:
            return
        self._turns.bot_starts_now()
        greeting = TTSSpeakFrame(first)
        # Vapi lets the caller talk over the first message only when asked to.
        greeting.interruptible = bool(self._assistant.get("firstMessageInterruptionsEnabled"))
        if not greeting.interruptible:
            self._events.protect_next_speech()
        await worker.queue_frame(greeting)
