"""A call that ends before any assistant runs it (`assistant-request` gave none,
control/call/assistant_request.py): it may say one thing first, in the server's default voice.

Saying needs no transcriber, model or turns, so the pipeline is only the socket's input (read,
so a caller hanging up is noticed), the default voice and the socket's output; an `EndFrame`
after the text drains it, so every word reaches the caller before the socket closes. The end is
recorded as any call's (`lifecycle.py`: the `ended` status-update to the client and the server,
the socket closed; the artifact holds what was said) and the `end-of-call-report` follows.
"""

import asyncio
import contextlib
import time
from typing import Any

from loguru import logger
from pipecat.frames.frames import EndFrame, TTSSpeakFrame
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.workers.runner import WorkerRunner

from voxgate.engine.audio import PIPELINE_IN_RATE, AudioFormat, Codec
from voxgate.engine.builder import with_defaults
from voxgate.engine.conversation import Conversation
from voxgate.engine.lifecycle import Lifecycle
from voxgate.engine.ports import CallStore, ClientSocket, PostCall, ServerMessages
from voxgate.engine.providers.registry import build_tts
from voxgate.engine.transport import SocketTransport

UNSPEAKABLE = "assistant-request-returned-unspeakable-error"  # the voice could not say it
_SPEAKING_LIMIT_SECONDS = 60.0  # a voice that never finishes is cut off


class Announcer:
    """Ends one call that has no assistant, after saying `text` when there is one."""

    def __init__(
        self,
        audio_format: dict[str, Any] | None,
        store: CallStore,
        socket: ClientSocket,
        server: ServerMessages | None = None,
    ) -> None:
        self._format = AudioFormat.from_wire(audio_format)
        self._store, self._socket = store, socket
        self.conversation = Conversation(socket, None, server)
        self._lifecycle = Lifecycle(store, socket, self.conversation)
        self._gone = asyncio.Event()

    async def end(self, reason: str, text: str | None = None) -> str:
        """Says `text` (if any), then records the end; returns the endedReason written."""
        started = False
        if text:
            try:
                await self._say(text)
                started = True
            except Exception as error:  # the default voice cannot run here
                logger.warning(f"the call's last words could not be said: {error}")
                reason = UNSPEAKABLE
        # No assistant to analyse with; its end-of-call-report still goes out (post-call work).
        await self._lifecycle.finish(reason, {}, PostCall({}, analyse=False), started=started)
        return reason

    async def _say(self, text: str) -> None:
        tts = build_tts(with_defaults({}))  # fails here, before the call is said to start
        transport = SocketTransport(self._socket, Codec(self._format), self._ignore, self._left)
        worker = PipelineWorker(
            Pipeline([transport.input(), tts, transport.output()]),
            params=PipelineParams(
                audio_in_sample_rate=PIPELINE_IN_RATE,
                audio_out_sample_rate=self._format.sample_rate,
            ),
            enable_rtvi=False,
            idle_timeout_secs=None,
        )
        await self._lifecycle.start("")
        said = TTSSpeakFrame(text)
        said.interruptible = False
        await worker.queue_frames([said, EndFrame()])
        saying_since = round(time.time() * 1000)
        runner = WorkerRunner(handle_sigint=False)
        await runner.add_workers(worker)
        running = asyncio.create_task(runner.run())
        gone = asyncio.create_task(self._gone.wait())
        try:
            await asyncio.wait(
                {running, gone}, timeout=_SPEAKING_LIMIT_SECONDS, return_when="FIRST_COMPLETED"
            )
        finally:
            gone.cancel()
            if not running.done():  # the caller left, or the voice is stuck
                await worker.cancel()
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await asyncio.wait_for(running, 5)
        await self.conversation.said("bot", text, saying_since)

    async def _ignore(self, text: str) -> None:
        return None  # nothing to control: the call is only saying goodbye

    async def _left(self) -> None:
        self._gone.set()
