"""The assistants a call may become, resolved by the control side before the call connects.

A plain call is a squad of one. A squad call (VAPI-BEHAVIOUR §8) starts with `members[0]`; a
handoff or an assistant transfer moves it to another member (`switch.py`). The control side
resolves every member (a saved assistant read from the database, or an inline one, with the
overrides merged: `control/call/squad.py`) and also every *static* handoff destination that is
not a plain member reference (an inline `assistant`, an `assistantId` outside the squad, or
`assistantOverrides`): these are `Member`s too, found by `destination_key`, so that their
services are built up front with everyone else's. A `squad` handoff destination's members join
the call the same way, as a `group` found by `squad_key`; a handoff to it goes to its
`entryAssistantName` (else its first member). The engine never reads the database.
"""

import json
from dataclasses import dataclass, field
from typing import Any

Document = dict[str, Any]


@dataclass
class Member:
    """One assistant the call may become, as resolved (overrides merged, templates not yet
    rendered: the values are only known when it becomes active)."""

    name: str
    assistant: Document
    assistant_id: str | None = None
    variable_values: Document = field(default_factory=dict)  # from the overrides, in order
    # `assistantDestinations` of the squad member (legacy transfer or handoff form), kept whole.
    destinations: list[Document] = field(default_factory=list)
    # Set for a handoff destination resolved on its own (see the module docstring).
    key: str | None = None
    # Set for a member of a `squad` handoff destination: that squad's `squad_key`, and its name
    # in that squad (`name` is made unique in the call: control/call/squad_groups.py).
    group: str | None = None
    given_name: str | None = None

    def activation(self) -> Document:
        """Its `artifact.assistantActivations` entry (Vapi's `AssistantActivation`)."""
        found: Document = {"assistantName": self.name}
        if self.assistant_id:
            found["assistantId"] = self.assistant_id
        return found


def destination_key(destination: Document) -> str | None:
    """The key of a handoff destination that needs a resolution of its own, else None (a plain
    reference to a member by `assistantName` or `assistantId`)."""
    if not any(name in destination for name in ("assistant", "assistantOverrides")):
        return None
    picked = {
        name: destination[name]
        for name in ("assistantName", "assistantId", "assistant", "assistantOverrides")
        if name in destination
    }
    return json.dumps(picked, sort_keys=True)


def squad_key(destination: Document) -> str:
    """What tells a `squad` handoff destination's resolution from another's: the squad it
    names and the overrides laid over its members (its `entryAssistantName` only picks one)."""
    picked = {k: destination[k] for k in ("squadId", "squad", "squadOverrides") if k in destination}
    return json.dumps(picked, sort_keys=True)


def member_name(assistant: Document, assistant_id: str | None, index: int) -> str:
    name = assistant.get("name")
    if isinstance(name, str) and name:
        return name
    return assistant_id or f"Assistant {index + 1}"


@dataclass
class Squad:
    """Every assistant of the call; `members[0]` starts it. The first `declared` are the
    squad's own members (or the call's one assistant); handoff destinations' own follow."""

    members: list[Member]
    declared: int = 0

    def __post_init__(self) -> None:
        self.declared = self.declared or len(self.members)

    @classmethod
    def solo(cls, assistant: Document, assistant_id: str | None = None) -> "Squad":
        return cls([Member(member_name(assistant, assistant_id, 0), assistant, assistant_id)])

    def find(self, name: str | None = None, assistant_id: str | None = None) -> Member | None:
        """A squad member (not a destination's own resolution) by name, else by id."""
        for member in self.members:
            if member.key is None and name is not None and member.name == name:
                return member
        for member in self.members:
            if member.key is None and assistant_id and member.assistant_id == assistant_id:
                return member
        return None

    def for_destination(self, destination: Document) -> Member | None:
        """The assistant a handoff (or assistant transfer) destination names."""
        if destination.get("type") == "squad":
            return self.entry(destination)
        key = destination_key(destination)
        if key is not None:
            return next((m for m in self.members if m.key == key), None)
        name = destination.get("assistantName")
        found = self.find(name if isinstance(name, str) else None, destination.get("assistantId"))
        return found

    def group(self, key: str) -> list[Member]:
        return [m for m in self.members if m.group == key]

    def entry(self, destination: Document) -> Member | None:
        """The member a `squad` destination hands the call to: its `entryAssistantName`
        (named as in that squad), else that squad's first member."""
        group = self.group(squad_key(destination))
        wanted = destination.get("entryAssistantName")
        if not wanted:
            return group[0] if group else None
        return next((m for m in group if wanted in (m.given_name, m.name)), None)

    def index(self, member: Member) -> int:
        return next(i for i, m in enumerate(self.members) if m is member)
