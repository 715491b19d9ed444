"""A live call changing assistants: the frames that do it, and what is recorded about it.

The entry point is `Switchboard.switch_to(member, plan=..., destination=..., variables=...)`
(switchboard.py, `session.switchboard`): `member` is a `squad.Member` (find one with
`squad.find(name)` or `squad.for_destination(destination)`), `plan` the destination's
`contextEngineeringPlan`, `destination` what `transfer-update` reports, `variables` values
extracted on the way (they join the call's `variableValues` for every later assistant).

How a switch works (VAPI-BEHAVIOUR §8). Every assistant's services were built with the pipeline
(`services.py`); the switch queues, through the pipeline and so in order with what is already
queued (the old assistant finishes its sentence), and none of them droppable by an interruption:

1. the `ManuallySwitchServiceFrame`s that make the new assistant's transcriber, model and voice
   the active ones (only for the rooms where they differ);
2. an `LLMUpdateSettingsFrame` addressed to the new model: its system prompt, rendered with the
   variables as they are now;
3. an `LLMMessagesTransformFrame` that applies the `contextEngineeringPlan` to the LLM context
   (`history.carry_history`), run by the context aggregator when the frame reaches it, so the
   history it sees is complete (a handoff's own tool call and result included);
4. an `LLMSetToolsFrame` with the new assistant's functions;
5. its greeting per its `firstMessageMode` (`greeting.py`).

Around the frames the switchboard moves what is per assistant and not in the pipeline: the hang-up
rules, the client and server messages subscribed to, the server the messages go to, the
provider names a failure is reported with. It then emits `transfer-update` and
`assistant.started` and records the activation in `artifact.assistantActivations`.
"""

from collections.abc import Callable
from functools import partial
from typing import Any

from pipecat.frames.frames import (
    Frame,
    LLMMessagesTransformFrame,
    LLMSetToolsFrame,
    LLMUpdateSettingsFrame,
)
from pipecat.services.settings import LLMSettings
from pipecat.utils.types import NOT_GIVEN

from voxgate.engine.builder import Built, with_defaults
from voxgate.engine.history import Message, carry_history
from voxgate.engine.providers.llm import system_prompt
from voxgate.engine.squad import Member, Squad
from voxgate.engine.tools import tools_schema
from voxgate.engine.transfers.history import context_transfer
from voxgate.engine.variables import render_assistant

Document = dict[str, Any]


_SQUAD_FIELDS = ("squad", "squadId", "squadOverrides", "entryAssistantName")


def _without_credentials(assistant: Document) -> Document:
    return {k: v for k, v in assistant.items() if k != "credentials"}


def reported_destination(member: Member, destination: Document | None) -> Document:
    """`transfer-update.destination`: Vapi's schema for it is `TransferDestinationAssistant`,
    which needs `assistantName`; a destination named by id or inline gets the resolved name, and
    a `squad` one is reported as the assistant it went to (its squad fields left out)."""
    kept = {k: v for k, v in (destination or {}).items() if k not in _SQUAD_FIELDS}
    return {**kept, "type": "assistant", "assistantName": member.name}


class Roster:
    """Which of the call's assistants is active, and the assistants rendered as they run."""

    def __init__(self, squad: Squad, values: Document) -> None:
        self.squad = squad
        self.values = values  # the call's variables (built-ins and the client's)
        self._extracted: Document = {}  # values handoffs extracted, for every later assistant
        self.assistants = [self.render(member) for member in squad.members]
        self.active = 0
        self.started_at = 0  # LLM context messages when the active assistant took the call
        self.activations: list[Document] = [squad.members[0].activation()]

    @property
    def member(self) -> Member:
        return self.squad.members[self.active]

    @property
    def assistant(self) -> Document:
        return self.assistants[self.active]

    def values_for(self, member: Member) -> Document:
        """The member's `variableValues` (from the overrides laid over it) win over the call's;
        values extracted by a handoff are newer than both."""
        return {**self.values, **member.variable_values, **self._extracted}

    def configured(self, index: int) -> Document:
        """Assistant `index` as configured and rendered, without the server's default voice
        and transcriber (voxgate's own providers, unknown to Vapi's schema): what the server
        messages' `assistant` is."""
        member = self.squad.members[index]
        return render_assistant(member.assistant, self.values_for(member))

    def shown(self, index: int) -> Document:
        """Assistant `index` as messages carry it (`fromAssistant`, `newAssistant`…): as
        configured, without its credentials."""
        return _without_credentials(self.configured(index))

    def render(self, member: Member) -> Document:
        return render_assistant(with_defaults(member.assistant), self.values_for(member))

    def begin(self, member: Member, variables: Document | None) -> tuple[int, Document]:
        """Makes `member` the active assistant; returns its index and its assistant, rendered
        with the variables as they are now."""
        if variables:
            self._extracted = {**self._extracted, **variables}
        index = self.squad.index(member)
        self.assistants[index] = self.render(member)
        self.active = index
        self.activations.append(member.activation())
        return index, self.assistants[index]

    def frames(
        self,
        built: Built,
        index: int,
        plan: Document | None,
        transfer: tuple[str, str] | None = None,
        old_prompt: str | None = None,
    ) -> list[Frame]:
        """The frames that hand the pipeline to assistant `index` (the module docstring). A
        legacy transfer (`transfer`: its `transferMode` and function name) shapes the history
        and the system instruction by `transferMode` instead of `plan`
        (engine/transfers/history.py: `rolling-history` keeps the old prompt in front)."""
        assistant = self.assistants[index]
        prompt: str | None = system_prompt(assistant)
        started_before = self.started_at
        shape: Callable[[list[Message]], list[Message]] = partial(
            carry_history, plan=plan, started_at=started_before
        )
        if transfer is not None:
            prompt, shape = context_transfer(transfer[0], old_prompt, prompt, transfer[1])
        settings = LLMUpdateSettingsFrame(
            delta=LLMSettings(system_instruction=prompt or None),
            service=built.llms[index],
        )

        def carry(messages: list[Message]) -> list[Message]:
            kept = shape(messages)
            self.started_at = len(kept)
            return kept

        history = LLMMessagesTransformFrame(transform=carry, run_llm=False)
        tools = LLMSetToolsFrame(tools=tools_schema(assistant) or NOT_GIVEN)
        frames = [*built.services.switch_frames(index), settings, history, tools]
        for frame in frames:
            frame.interruptible = False
        return frames
