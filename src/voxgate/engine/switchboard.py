"""`Switchboard`: what a running call keeps per assistant, and its switch between them.

Per assistant, and not in the pipeline: the hang-up rules (`hangup.py`), the tool dispatcher on
its own LLM service (`tool_calls.py`, with its own tools' settings), its greeter, the client and
server messages it subscribes to, the provider names a failure is reported with. The session
(session.py) owns one switchboard, wires it once the pipeline is built and hands it the worker
once the call is talking; the tools that change assistants (`handoff`, `transferCall`) reach it
as their `tool_types.Switch`. How the pipeline itself changes assistants: `switch.py`.
"""

from collections.abc import Callable
from typing import Any

from pipecat.pipeline.worker import PipelineWorker

from voxgate.engine.builder import Built
from voxgate.engine.conversation import Conversation
from voxgate.engine.events import ClientEvents, ProviderFailure
from voxgate.engine.greeting import Greeter
from voxgate.engine.hangup import AssistantHangUp
from voxgate.engine.providers.llm import system_prompt
from voxgate.engine.squad import Member, Squad
from voxgate.engine.switch import Roster, reported_destination
from voxgate.engine.tool_calls import ToolDispatcher
from voxgate.engine.tool_types import EndAfterSpeaking, Phone
from voxgate.engine.transfers.history import transfer_mode
from voxgate.engine.turns import TurnWatcher

Document = dict[str, Any]


class Switchboard:
    """The active assistant's per-assistant parts, and `switch_to` another of the call's."""

    def __init__(
        self,
        roster: Roster,
        conversation: Conversation,
        turns: TurnWatcher,
        events: ClientEvents,
        failure: ProviderFailure,
        ending: Callable[[], bool],
    ) -> None:
        """`ending` says whether the call is ending (then it switches no more)."""
        self.roster = roster
        self._conversation, self._turns, self._events = conversation, turns, events
        self._failure, self._ending = failure, ending
        self.greeter = Greeter(roster.assistant, turns, events)  # the active assistant's
        self.worker: PipelineWorker | None = None  # set once the call is talking
        self._built: Built | None = None
        self._hang_ups: list[AssistantHangUp] = []
        self.phone: Phone | None = None  # a phone call's transfer and keypad, for the tools

    @property
    def squad(self) -> Squad:
        return self.roster.squad

    def wire(self, built: Built, end_after_speaking: EndAfterSpeaking) -> None:
        """Every assistant's hang-up rules (the first one's listening) and its functions on
        its own LLM service, with its own tools' settings."""
        self._built = built
        self._hang_ups = [
            AssistantHangUp(assistant, self._conversation, end_after_speaking)
            for assistant in self.roster.assistants
        ]
        self._hang_ups[0].attach(built, self._turns)
        for assistant, llm in zip(self.roster.assistants, built.llms, strict=True):
            dispatcher = ToolDispatcher(
                assistant, self._conversation, end_after_speaking, self, self.phone
            )
            dispatcher.attach(built, llm)

    def reaches(self, destination: Document) -> bool:
        """Whether a handoff or transfer destination names an assistant of this call."""
        return len(self.squad.members) > 1 and self.squad.for_destination(destination) is not None

    async def switch_for(
        self,
        destination: Document,
        *,
        variables: Document | None = None,
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
        plan: Document | None = None,
        destination: Document | None = None,
        variables: Document | None = None,
        transfer: tuple[str, str] | None = None,
    ) -> bool:
        """Hands the live call to another of its assistants (`switch.py` says how): `plan` is
        the destination's `contextEngineeringPlan` (None: all), `destination` what
        `transfer-update` reports, `variables` values extracted on the way, `transfer` a
        legacy transfer's (`transferMode`, function name), which shapes the history instead of
        `plan`. False when the call cannot switch now (it is ending or not yet talking)."""
        worker, built, roster = self.worker, self._built, self.roster
        if worker is None or built is None or self._ending():
            return False
        previous = roster.shown(roster.active)
        old_prompt = system_prompt(roster.assistant)
        index, assistant = roster.begin(member, variables)
        frames = roster.frames(built, index, plan, transfer, old_prompt)
        self._hang_ups[index].listen(self._turns)
        self._failure.use(assistant)
        conversation = self._conversation
        conversation.variable_values = roster.values_for(member)
        fields = {"fromAssistant": previous, "toAssistant": roster.shown(index)}
        await conversation.send(
            "transfer-update", destination=reported_destination(member, destination), **fields
        )
        conversation.use(roster.configured(index))
        await worker.queue_frames(frames)
        prompt = system_prompt(assistant)
        if prompt:
            conversation.system(prompt)
        await conversation.send("assistant.started", newAssistant=roster.shown(index))
        self.greeter = Greeter(assistant, self._turns, self._events)
        await self.greeter.greet(worker)
        return True
