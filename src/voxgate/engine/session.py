"""`CallSession`: one live call, built from its resolved assistant (or squad), run, and ended
exactly once. What is per assistant, and a squad's call changing assistants, is its
`switchboard` (switchboard.py); live-control messages are carried out by live_control.py."""

import asyncio
import contextlib
from typing import Any, Literal

from loguru import logger
from pipecat.frames.frames import EndFrame, Frame, TTSSpeakFrame
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.workers.runner import WorkerRunner

from voxgate.engine.artifacts import CallArtifacts
from voxgate.engine.audio import PIPELINE_IN_RATE, AudioFormat, Codec
from voxgate.engine.builder import build_pipeline
from voxgate.engine.conversation import Conversation
from voxgate.engine.events import ClientEvents, ProviderFailure
from voxgate.engine.inbound import Refused, parse
from voxgate.engine.knowledge_base import KnowledgeBaseLookUp, knowledge_base_server
from voxgate.engine.lifecycle import Lifecycle
from voxgate.engine.listen import ListenTap
from voxgate.engine.live_control import CUSTOMER_ENDED, LiveControl
from voxgate.engine.observers import ModelOutput
from voxgate.engine.phone_call import PhoneCall
from voxgate.engine.ports import CallStore, ClientSocket, PhoneLine, PostCall, ServerMessages
from voxgate.engine.providers.llm import system_prompt
from voxgate.engine.providers.registry import prepare
from voxgate.engine.squad import Squad
from voxgate.engine.switch import Roster
from voxgate.engine.switchboard import Switchboard
from voxgate.engine.transport import SocketTransport
from voxgate.engine.turns import TurnWatcher
from voxgate.engine.variables import CallInfo, values_for

NOT_VALID = "assistant-not-valid"  # the assistant names something this server cannot run
STOPPED = "worker-shutdown"  # the pipeline stopped without anyone ending the call
TOO_LONG = "exceeded-max-duration"
DEFAULT_MAX_DURATION_SECONDS = 600.0  # Vapi's default `maxDurationSeconds`
_CANCEL_WAIT_SECONDS = 5.0
_DRAIN_LIMIT_SECONDS = 30.0  # a goodbye that has not finished by then is cut off


class CallSession:
    """Runs one call's pipeline between the client's socket and the providers.

    `run()` returns when the call has ended; `end(reason)` may be called from anywhere (the
    client hanging up, a control message, a timer) and only the first reason counts.
    """

    def __init__(
        self,
        assistant: dict[str, Any],
        audio_format: dict[str, Any] | None,
        store: CallStore,
        socket: ClientSocket,
        call: CallInfo | None = None,
        server: ServerMessages | None = None,
        squad: Squad | None = None,
        phone: PhoneLine | None = None,
    ) -> None:
        """`assistant` is the call's; a squad's call passes `squad` too (its first member's
        assistant is then the one that starts). A phone call passes its carrier's leg."""
        self.phone = phone
        self.squad = squad or Squad.solo(assistant)
        self.roster = Roster(self.squad, values_for(call or CallInfo(id="")))
        self._format = AudioFormat.from_wire(audio_format)
        self._socket = socket
        self.conversation = Conversation(
            socket,
            self.assistant.get("clientMessages"),
            server,
            self.assistant.get("serverMessages"),
        )
        self.conversation.variable_values = self.roster.values_for(self.roster.member)
        if len(self.squad.members) > 1:  # a call that may switch records who had it
            self.conversation.assistant_activations = self.roster.activations
        self._lifecycle = Lifecycle(store, socket, self.conversation)
        self.artifacts = CallArtifacts(self.assistant, store)  # recordings, log, metrics
        self._turns = TurnWatcher(self.conversation)
        self.ended_reason: str | None = None
        self._ended = asyncio.Event()
        self._events = ClientEvents(self.conversation)
        self._failure = ProviderFailure(self.assistant, self.end)
        self.switchboard = Switchboard(
            self.roster, self.conversation, self._turns, self._events, self._failure, self._ending
        )
        # A phone call's transfer and keypad (its tools and the control URL's `transfer`).
        self.phone_call = (
            PhoneCall(
                phone,
                store,
                self.conversation,
                self.end,
                lambda: self.switchboard.worker,
                lambda: self.assistant,
            )
            if phone is not None
            else None
        )
        self.switchboard.phone = self.phone_call
        self._live = LiveControl(
            self.switchboard, self.end, self.end_after_speaking, self._ending, self.phone_call
        )
        self.listen = ListenTap()  # monitor.listenUrl

    @property
    def assistant(self) -> dict[str, Any]:
        """The assistant that has the call now, rendered (a squad's call changes it)."""
        return self.roster.assistant

    def _ending(self) -> bool:
        return self.ended_reason is not None

    async def end(self, reason: str) -> None:
        """Ends the call with this reason, unless it has ended already."""
        if self.ended_reason is None:
            self.ended_reason = reason
            self._ended.set()

    async def end_after_speaking(self, reason: str, text: str | None = None) -> None:
        """Ends the call with this reason once `text` (if any) and everything already queued
        has been spoken: an EndFrame drains the pipeline, the socket's audio included."""
        worker = self.switchboard.worker
        if self.ended_reason is not None or worker is None:
            return
        self.ended_reason = reason
        frames: list[Frame] = []
        if text:
            goodbye = TTSSpeakFrame(text)
            goodbye.interruptible = False  # the call is ending: talking over it changes nothing
            frames.append(goodbye)
        await worker.queue_frames([*frames, EndFrame()])
        # Should the pipeline never drain (a stuck provider), the run loop cancels it.
        asyncio.get_running_loop().call_later(_DRAIN_LIMIT_SECONDS, self._ended.set)

    async def run(self) -> str:
        """Builds and runs the pipeline until the call ends; returns the endedReason."""
        transport = SocketTransport(self._socket, Codec(self._format), self._on_text, self._gone)
        self._live.transport = transport
        self.artifacts.start()
        try:
            for assistant in self.roster.assistants:
                await prepare(assistant)
            taps = [self.artifacts.recording.processor, self.listen.processor]
            # The first assistant's knowledge base serves the whole call (a switch keeps it).
            before_llm = (
                [KnowledgeBaseLookUp(self.assistant, self.conversation)]
                if knowledge_base_server(self.assistant)
                else []
            )
            built = build_pipeline(self.roster.assistants, transport, taps, before_llm)
        except Exception as error:  # a provider that cannot run: the call never starts talking
            logger.warning(f"call could not start: {error}")
            await self.end(NOT_VALID)
            self.listen.close()
            saved = await self.artifacts.save()
            await self._lifecycle.finish(NOT_VALID, saved, self._post_call(False), started=False)
            return NOT_VALID
        self._turns.watch(built)
        self.switchboard.wire(built, self.end_after_speaking)
        worker = PipelineWorker(
            built.pipeline,
            params=PipelineParams(
                audio_in_sample_rate=PIPELINE_IN_RATE,
                audio_out_sample_rate=self._format.sample_rate,
                enable_metrics=True,
            ),
            enable_rtvi=False,
            idle_timeout_secs=None,
            observers=[
                self._events,
                self._failure,
                ModelOutput(built.llms, self.conversation),
                self.artifacts.metrics,
            ],
        )
        self.switchboard.worker = worker
        await self._lifecycle.start(system_prompt(self.assistant))
        await self.switchboard.greeter.greet(worker)
        runner = WorkerRunner(handle_sigint=False)
        await runner.add_workers(worker)
        running = asyncio.create_task(runner.run())
        ending = asyncio.create_task(self._ended.wait())
        limit = float(self.assistant.get("maxDurationSeconds") or DEFAULT_MAX_DURATION_SECONDS)
        try:
            await asyncio.wait({running, ending}, timeout=limit, return_when="FIRST_COMPLETED")
        except asyncio.CancelledError:  # the server is shutting down: still record the end
            await self.end(STOPPED)
            await self._wind_down(worker, running, ending, analyse=False)
            raise
        if not running.done() and not ending.done():
            await self.end(TOO_LONG)
        await self._wind_down(worker, running, ending, analyse=True)
        assert self.ended_reason is not None
        return self.ended_reason

    async def _wind_down(
        self,
        worker: PipelineWorker,
        running: asyncio.Task[None],
        ending: asyncio.Task[bool],
        *,
        analyse: bool,
    ) -> None:
        """Stops the pipeline and records the end, with its post-call work due."""
        if not running.done():
            await worker.cancel(reason=self.ended_reason)
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(running, _CANCEL_WAIT_SECONDS)
        ending.cancel()
        await self.end(STOPPED)
        self.listen.close()
        assert self.ended_reason is not None
        saved = await self.artifacts.save()
        # A server shutting down ended it: its exit must not wait on an LLM's analysis.
        post_call = self._post_call(analyse and self.ended_reason != STOPPED)
        await self._lifecycle.finish(self.ended_reason, saved, post_call, started=True)

    def _post_call(self, analyse: bool) -> PostCall:
        """The work after the end, with the assistant that has the call as the server messages
        carry it (a squad's active member; rendered, without the server's default voice)."""
        carried = self.conversation.server.assistant or self.squad.members[0].assistant
        return PostCall(carried, analyse=analyse)

    async def _gone(self) -> None:
        if self.phone_call is not None and self.phone_call.explains_hang_up():
            return  # a transfer took the call: it ends the call itself
        await self.end(CUSTOMER_ENDED)

    async def _on_text(self, text: str) -> None:
        message = parse(text)
        if not isinstance(message, Refused):  # junk on the socket is ignored
            await self.handle(message, source="client")

    async def handle(
        self, message: dict[str, Any], *, source: Literal["client", "control"]
    ) -> str | None:
        """Carries out a live-control message (inbound.py, live_control.py) from the client's
        socket or the control URL; returns why it was refused, or None."""
        return await self._live.handle(message, source=source)
