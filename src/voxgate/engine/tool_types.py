"""What a tool handler is given and returns (see `tool_calls.py` for how one plugs in)."""

import asyncio
import json
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

from voxgate.engine.conversation import Conversation

Say = Callable[[str], Awaitable[None]]
# Ends the call with a reason once a text (or None) and what is already queued has been spoken.
EndAfterSpeaking = Callable[[str, str | None], Awaitable[None]]


@dataclass
class ToolCall:
    """One function the LLM called: its id, the function's name, the parsed arguments, and the
    assistant's tool that offered it."""

    id: str
    name: str
    arguments: dict[str, Any]
    tool: dict[str, Any]

    def wire(self) -> dict[str, Any]:
        """Vapi's `ToolCall` with the legacy flat mirrors (VAPI-BEHAVIOUR §5.4): `arguments`
        as an object, which existing webhook handlers read."""
        function = {"name": self.name, "arguments": self.arguments}
        return {"id": self.id, "type": "function", "function": function, **function}

    def arguments_json(self) -> str:
        return json.dumps(self.arguments)


@dataclass
class Outcome:
    """How a call ended: a `result` or an `error` (text for the LLM), and optionally the
    `message` (request-complete / request-failed) the reply asked to speak.

    `run_llm=False` means no new LLM turn follows (endCall); `after` runs once the result is in
    the LLM's context (endCall hangs up there); `speaks` False skips the tool messages of
    §7.2.4, for built-ins that speak for themselves. `variables` are what the tool's
    `variableExtractionPlan` took from its result, for the call's variables."""

    result: str | None = None
    error: str | None = None
    message: dict[str, Any] | None = None
    run_llm: bool | None = None
    speaks: bool = True
    after: Callable[[], Awaitable[None]] | None = None
    variables: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.error if self.error is not None else (self.result or "")


@dataclass
class Turn:
    """The calls of one model turn: handlers that act once per turn (one `tool-calls` webhook
    listing all its calls, §7.2.3) share a task through `once`."""

    calls: list[ToolCall]
    _shared: dict[str, "asyncio.Task[Any]"] = field(default_factory=dict)
    _settled: int = 0
    _wants_llm: bool = False
    _vetoed: bool = False

    def settle(self, *, wants_llm: bool, forbids_llm: bool) -> bool:
        """Records one call's end and returns whether the LLM runs now: once, after the turn's
        last call, if any call wants a new LLM turn and none (endCall) forbids one."""
        self._settled += 1
        self._wants_llm = self._wants_llm or wants_llm
        self._vetoed = self._vetoed or forbids_llm
        return self._settled >= len(self.calls) and self._wants_llm and not self._vetoed

    def once(self, key: str, start: Callable[[], Coroutine[Any, Any, Any]]) -> "asyncio.Task[Any]":
        if key not in self._shared:
            self._shared[key] = asyncio.create_task(start())
        return self._shared[key]


class Switch(Protocol):
    """The call's way to another of its assistants (`CallSession`, switch.py), for `handoff`
    and `transferCall`."""

    def reaches(self, destination: dict[str, Any]) -> bool:
        """Whether the destination names an assistant this call can switch to."""

    async def switch_for(
        self,
        destination: dict[str, Any],
        *,
        variables: dict[str, Any] | None = None,
        transfer_function: str | None = None,
    ) -> bool:
        """Switches to the destination's assistant: a handoff carries the history per its
        `contextEngineeringPlan` and the `variables`; a legacy transfer (`transfer_function`,
        the function it came through) per its `transferMode`. False when it cannot now."""


class Phone(Protocol):
    """What only a phone call can do (`phone_call.PhoneCall`, over the carrier's `PhoneLine`),
    for `transferCall` and `dtmf`; a websocket call has none."""

    async def forward(self, destination: dict[str, Any], message: str) -> str | None:
        """Says `message`, then hands the caller to a `number` or `sip` destination and ends the
        call (`assistant-forwarded-call`); returns None then, else why not (the call goes on)."""

    async def press(self, keys: str) -> None:
        """Plays keypad tones into the call (`w` pauses half a second, `W` a second)."""


@dataclass
class ToolContext:
    """What a handler may use besides its tool and arguments."""

    call: ToolCall
    turn: Turn
    conversation: Conversation
    assistant: dict[str, Any]
    say: Say
    end_after_speaking: EndAfterSpeaking
    switch: Switch | None = None  # None: the call has no other assistant to go to
    phone: Phone | None = None  # None: not a phone call


class Handler(Protocol):
    async def __call__(
        self, tool: dict[str, Any], arguments: dict[str, Any], context: ToolContext
    ) -> Outcome: ...
