"""`CallSession`: one live call, built from its resolved assistant (or squad), run, and ended
exactly once. A squad's call changes assistants with `switch_to` (how: `switch.py`)."""

import asyncio
import contextlib
from typing import Any, Literal

from loguru import logger
from pipecat.frames.frames import EndFrame, Frame, TTSSpeakFrame
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.workers.runner import WorkerRunner

from voxgate.engine.after_call import AfterCall
from voxgate.engine.artifacts import CallArtifacts
from voxgate.engine.audio import PIPELINE_IN_RATE, AudioFormat, Codec
from voxgate.engine.builder import Built, build_pipeline
from voxgate.engine.conversation import Conversation
from voxgate.engine.events import ClientEvents, ProviderFailure
from voxgate.engine.greeting import Greeter
from voxgate.engine.hangup import AssistantHangUp
from voxgate.engine.inbound import (
    HANG_UP,
    HandOff,
    Refused,
    SayThenHangUp,
    interpret_message,
    parse,
)
from voxgate.engine.knowledge_base import KnowledgeBaseLookUp, knowledge_base_server
from voxgate.engine.lifecycle import Lifecycle
from voxgate.engine.listen import ListenTap
from voxgate.engine.observers import ModelOutput
from voxgate.engine.ports import CallStore, ClientSocket, ServerMessages
from voxgate.engine.providers.llm import system_prompt
from voxgate.engine.providers.registry import prepare
from voxgate.engine.squad import Member, Squad
from voxgate.engine.switch import Roster, reported_destination
from voxgate.engine.tool_calls import ToolDispatcher
from voxgate.engine.transfers.history import transfer_mode
from voxgate.engine.transport import SocketTransport
from voxgate.engine.turns import TurnWatcher
from voxgate.engine.variables import CallInfo, values_for

CUSTOMER_ENDED = "customer-ended-call"
CANCELED = "manually-canceled"  # `end-call` through the control URL
NOT_VALID = "assistant-not-valid"  # the assistant names something this server cannot run
STOPPED = "worker-shutdown"  # the pipeline stopped without anyone ending the call
TOO_LONG = "exceeded-max-duration"
SAID_THEN_ENDED = "assistant-ended-call-after-message-spoken"  # `say` with endCallAfterSpoken
DEFAULT_MAX_DURATION_SECONDS = 600.0  # Vapi's default `maxDurationSeconds`
_CANCEL_WAIT_SECONDS = 5.0
# Post-call work still running (held here so a task is not garbage-collected mid-way).
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
    ) -> None:
        """`assistant` is the call's; a squad's call passes `squad` too (its first member's
        assistant is then the one that starts)."""
        self.squad = squad or Squad.solo(assistant)
        self.roster = Roster(self.squad, values_for(call or CallInfo(id="")))
        self.assistant = self.roster.assistant
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
        self._after = AfterCall(self.assistant, store, self.conversation.server)
        self._turns = TurnWatcher(self.conversation)
        self.ended_reason: str | None = None
        self._ended = asyncio.Event()
        self._events = ClientEvents(self.conversation)
        self._greeter = Greeter(self.assistant, self._turns, self._events)
        self._worker: PipelineWorker | None = None
        self._transport: SocketTransport | None = None
        self._built: Built | None = None
        self._hang_ups: list[AssistantHangUp] = []
        self._failure = ProviderFailure(self.assistant, self.end)
        self.listen = ListenTap()  # monitor.listenUrl

    async def end(self, reason: str) -> None:
        """Ends the call with this reason, unless it has ended already."""
        if self.ended_reason is None:
            self.ended_reason = reason
            self._ended.set()

    async def end_after_speaking(self, reason: str, text: str | None = None) -> None:
        """Ends the call with this reason once `text` (if any) and everything already queued
        has been spoken: an EndFrame drains the pipeline, the socket's audio included."""
        if self.ended_reason is not None or self._worker is None:
            return
        self.ended_reason = reason
        frames: list[Frame] = []
        if text:
            goodbye = TTSSpeakFrame(text)
            goodbye.interruptible = False  # the call is ending: talking over it changes nothing
            frames.append(goodbye)
        await self._worker.queue_frames([*frames, EndFrame()])
        # Should the pipeline never drain (a stuck provider), the run loop cancels it.
        asyncio.get_running_loop().call_later(_DRAIN_LIMIT_SECONDS, self._ended.set)

    async def run(self) -> str:
        """Builds and runs the pipeline until the call ends; returns the endedReason."""
        transport = SocketTransport(self._socket, Codec(self._format), self._on_text, self._gone)
        self._transport = transport
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
            ended = await self._lifecycle.finish(
                NOT_VALID, await self.artifacts.save(), started=False
            )
            self._after.start(ended, self._lifecycle.started_at, analyse=False)
            return NOT_VALID
        self._built = built
        self._turns.watch(built)
        self._hang_ups = [
            AssistantHangUp(assistant, self.conversation, self.end_after_speaking)
            for assistant in self.roster.assistants
        ]
        self._hang_ups[0].attach(built, self._turns)
        # Each assistant's functions run on its own LLM service, with its own tools' settings.
        for assistant, llm in zip(self.roster.assistants, built.llms, strict=True):
            dispatcher = ToolDispatcher(assistant, self.conversation, self.end_after_speaking, self)
            dispatcher.attach(built, llm)
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
        self._worker = worker
        await self._lifecycle.start(system_prompt(self.assistant))
        await self._greeter.greet(worker)
        runner = WorkerRunner(handle_sigint=False)
        await runner.add_workers(worker)
        running = asyncio.create_task(runner.run())
        ending = asyncio.create_task(self._ended.wait())
        limit = float(self.assistant.get("maxDurationSeconds") or DEFAULT_MAX_DURATION_SECONDS)
        try:
            await asyncio.wait({running, ending}, timeout=limit, return_when="FIRST_COMPLETED")
        except asyncio.CancelledError:  # the server is shutting down: still record the end
            await self.end(STOPPED)
            ended = await self._wind_down(worker, running, ending)
            self._after.start(ended, self._lifecycle.started_at, analyse=False)
            raise
        if not running.done() and not ending.done():
            await self.end(TOO_LONG)
        ended = await self._wind_down(worker, running, ending)
        self._after.start(ended, self._lifecycle.started_at, analyse=True)
        assert self.ended_reason is not None
        return self.ended_reason

    async def _wind_down(
        self, worker: PipelineWorker, running: asyncio.Task[None], ending: asyncio.Task[bool]
    ) -> dict[str, Any]:
        """Stops the pipeline and records the end; returns what was written."""
        if not running.done():
            await worker.cancel(reason=self.ended_reason)
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(running, _CANCEL_WAIT_SECONDS)
        ending.cancel()
        await self.end(STOPPED)
        self.listen.close()
        assert self.ended_reason is not None
        saved = await self.artifacts.save()
        return await self._lifecycle.finish(self.ended_reason, saved, started=True)

    async def _gone(self) -> None:
        await self.end(CUSTOMER_ENDED)

    async def _on_text(self, text: str) -> None:
        message = parse(text)
        if not isinstance(message, Refused):  # junk on the socket is ignored
            await self.handle(message, source="client")

    async def handle(
        self, message: dict[str, Any], *, source: Literal["client", "control"]
    ) -> str | None:
        """Carries out a live-control message (inbound.py) from the client's socket or the
        control URL; returns why it was refused, or None. `end-call` is the customer hanging up
        from the client, a cancellation from the control URL."""
        asked = interpret_message(message)
        if isinstance(asked, Refused):
            return asked.reason
        if self.ended_reason is not None:
            return "The call is ending."
        if self._worker is None and asked != HANG_UP:
            return "The call is still starting; try again in a moment."
        if asked == HANG_UP:
            await self.end(CUSTOMER_ENDED if source == "client" else CANCELED)
        elif isinstance(asked, str):
            await self._control(asked)
        elif isinstance(asked, SayThenHangUp):
            await self.end_after_speaking(SAID_THEN_ENDED, asked.text)
        elif isinstance(asked, HandOff):
            return await self._hand_off_live(asked)
        elif asked and self._worker is not None:
            await self._worker.queue_frames(asked)
        return None

    async def _control(self, control: str) -> None:
        """A `control` message (inbound.CONTROLS)."""
        transport, worker = self._transport, self._worker
        if transport is None or worker is None:
            return
        if control in ("mute-assistant", "unmute-assistant"):
            transport.assistant_muted = control == "mute-assistant"
        elif control in ("mute-customer", "unmute-customer"):
            transport.customer_muted = control == "mute-customer"
        elif control == "say-first-message":
            await self._greeter.say_first_message(worker)

    async def _hand_off_live(self, asked: HandOff) -> str | None:
        """A `handoff` control message: to an assistant of this call (resolved at connect, as
        every one is), `content` said first; why not, otherwise."""
        if not self.reaches(asked.destination):
            name = asked.destination.get("assistantName") or asked.destination.get("assistantId")
            return f"{name or 'That destination'} is not an assistant of this call."
        if asked.content and self._worker is not None:
            await self._worker.queue_frame(TTSSpeakFrame(asked.content))
        if not await self.switch_for(asked.destination):
            return "The call cannot change assistants now."
        return None

    def reaches(self, destination: dict[str, Any]) -> bool:
        """Whether a handoff or transfer destination names an assistant of this call."""
        return len(self.squad.members) > 1 and self.squad.for_destination(destination) is not None

    async def switch_for(
        self,
        destination: dict[str, Any],
        *,
        variables: dict[str, Any] | None = None,
        transfer_function: str | None = None,
    ) -> bool:
        """A handoff's or transfer's call, once its result is in the LLM context
        (tool_types.Switch): a transfer's history follows its `transferMode`."""
        member = self.squad.for_destination(destination)
        if member is None:
            return False
        plan = destination.get("contextEngineeringPlan")
        transfer = (transfer_mode(destination), transfer_function) if transfer_function else None
        return await self.switch_to(
            member, plan=plan, destination=destination, variables=variables, transfer=transfer
        )

    async def switch_to(
        self,
        member: Member,
        *,
        plan: dict[str, Any] | None = None,
        destination: dict[str, Any] | None = None,
        variables: dict[str, Any] | None = None,
        transfer: tuple[str, str] | None = None,
    ) -> bool:
        """Hands the live call to another of its assistants (`switch.py` says how): `plan` is
        the destination's `contextEngineeringPlan` (None: all), `destination` what
        `transfer-update` reports, `variables` values extracted on the way, `transfer` a
        legacy transfer's (`transferMode`, function name), which shapes the history instead of
        `plan`. False when the call cannot switch now (it is ending or not yet talking)."""
        worker, built = self._worker, self._built
        if worker is None or built is None or self.ended_reason is not None:
            return False
        previous = self.roster.shown(self.roster.active)
        old_prompt = system_prompt(self.assistant)
        index, assistant = self.roster.begin(member, variables)
        frames = self.roster.frames(built, index, plan, transfer, old_prompt)
        self.assistant = assistant
        self._hang_ups[index].listen(self._turns)
        self._failure.use(assistant)
        self.conversation.variable_values = self.roster.values_for(member)
        fields = {"fromAssistant": previous, "toAssistant": self.roster.shown(index)}
        await self.conversation.send(
            "transfer-update", destination=reported_destination(member, destination), **fields
        )
        self.conversation.use(self.roster.configured(index))
        await worker.queue_frames(frames)
        prompt = system_prompt(assistant)
        if prompt:
            self.conversation.system(prompt)
        await self.conversation.send("assistant.started", newAssistant=self.roster.shown(index))
        self._greeter = Greeter(assistant, self._turns, self._events)
        await self._greeter.greet(worker)
        return True
