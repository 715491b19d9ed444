"""Squad: `CreateSquadDTO`, `UpdateSquadDTO`, `Squad`, `SquadMemberDTO`.

A squad is an ordered list of assistants that hand a call over to each other; the call starts
with `members[0]`. Each member names a saved assistant (`assistantId`) or carries a transient one
(`assistant`), never both and never neither: the rule is enforced by the squad service, which
also checks that a named assistant belongs to the caller's org (neither is expressible here).
"""

from typing import Literal

from pydantic import Field

from voxgate.kit.schema import OpenModel, WireModel
from voxgate.wire.assistant import AssistantOverrides, CreateAssistantDTO
from voxgate.wire.common import Envelope


class AssistantDestination(OpenModel):
    """Where a member may send the conversation: the legacy transfer or the handoff form.

    Both forms carry `type: "assistant"` and differ by their other keys, which are kept whole
    for the call engine to interpret.
    """

    type: Literal["assistant"]


class SquadMemberDTO(WireModel):
    """One assistant of the squad: exactly one of `assistantId` (a saved assistant of the
    caller's org) or `assistant` (a transient one), optionally adjusted for this squad."""

    assistant_id: str | None = Field(default=None, alias="assistantId")
    assistant: CreateAssistantDTO | None = None
    assistant_overrides: AssistantOverrides | None = Field(default=None, alias="assistantOverrides")
    assistant_destinations: list[AssistantDestination] | None = Field(
        default=None, alias="assistantDestinations"
    )


class SquadFields(WireModel):
    name: str | None = None
    members: list[SquadMemberDTO]
    members_overrides: AssistantOverrides | None = Field(
        default=None,
        alias="membersOverrides",
        description="Laid over every member after the member's own `assistantOverrides`.",
    )


class CreateSquadDTO(SquadFields):
    pass


# The reference and the official SDK require `members` on update too.
class UpdateSquadDTO(SquadFields):
    """`members` is required here too: every update sends the whole roster, which replaces the
    stored one."""


class Squad(Envelope, SquadFields):
    pass
