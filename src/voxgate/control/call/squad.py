"""A call's assistants, resolved at connect for the engine (which never reads the database):
its squad (`squadId` read again, or inline `squad`), or its one assistant as a squad of one.

Override order (VAPI-BEHAVIOUR §2.3, §8; Vapi's schema: "First, `members[n].assistantOverrides`
is applied. Then, `membersOverrides` is applied as a global override"; the call's
`squadOverrides` "correspond to `membersOverrides`" and come from the request, so they go last):

    member's assistant (saved, read now; or inline)
      ← `members[n].assistantOverrides`
      ← the squad's `membersOverrides`
      ← the call's `squadOverrides`

`variableValues` follow the same order. Each member also keeps its `assistantDestinations`, and
they become its tools (`transfers.functions.with_assistant_destinations`): the legacy transfer
form joins its `transferCall`, the handoff form makes a `handoff` tool.

A handoff tool's static destinations (in `model.tools`, saved tools named by `model.toolIds`,
or `tools:append`) that are not a plain reference to a member (an inline `assistant`, an
`assistantId` outside the squad, or `assistantOverrides`) are resolved here as well, as extra
members the engine finds by `squad.destination_key`, so their services are built up front.

A `squad` destination (`squadId`, read now from the org's squads, or an inline `squad`) has its
members resolved the same way, the destination's `squadOverrides` laid where the call's are
(the call's own `squadOverrides` are not: they are for the call's squad), and they join the call
as one group per `squad.squad_key` (names kept unique: squad_groups.py). Their own handoff
destinations are resolved in turn, so they work within their squad.
"""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voxgate.control.call.resolve import NoAssistant, resolve_assistant
from voxgate.control.call.squad_groups import join_group
from voxgate.control.call.stored_tools import with_stored_tools
from voxgate.control.crud import Document, Kind, Repository
from voxgate.db.models import Assistant as AssistantRow
from voxgate.db.models import Squad as SquadRow
from voxgate.engine.handoff import handoff_destinations
from voxgate.engine.squad import Member, Squad, destination_key, member_name, squad_key
from voxgate.engine.transfers.functions import with_assistant_destinations
from voxgate.errors import NotFound
from voxgate.wire.overrides import apply_overrides, variable_values

_assistants = Kind(AssistantRow, "Assistant")
_squads = Kind(SquadRow, "Squad")


async def _saved(session: AsyncSession, kind: Kind[Any], org_id: str, id: Any) -> Document:
    try:
        if not isinstance(id, str):
            raise NotFound(kind.noun)
        data: Document = (await Repository(session, kind, org_id).get(id)).data
        return data
    except NotFound:
        raise NoAssistant(f"{kind.noun.lower()} {id} no longer exists") from None


def _layered(base: Document, *overrides: Document | None) -> Document:
    for override in overrides:
        base = apply_overrides(base, override or {})
    return base


def layer_member(
    base: Document, member: Document, squad: Document, squad_overrides: Document | None
) -> tuple[Document, Document]:
    """A member's assistant and `variableValues`, overrides laid in Vapi's order (module
    docstring): the member's own, then the squad's `membersOverrides`, then the call's
    `squadOverrides`."""
    layers = (member.get("assistantOverrides"), squad.get("membersOverrides"), squad_overrides)
    return _layered(base, *layers), variable_values(*layers)


async def _members(
    session: AsyncSession, org_id: str, squad: Document, squad_overrides: Document | None
) -> list[Member]:
    members = []
    for index, member in enumerate(squad.get("members") or []):
        assistant_id = member.get("assistantId")
        if member.get("assistant") is not None:
            base: Document = member["assistant"]
        else:
            base = await _saved(session, _assistants, org_id, assistant_id)
        layered, values = layer_member(base, member, squad, squad_overrides)
        assistant = with_assistant_destinations(
            await with_stored_tools(session, org_id, layered), member.get("assistantDestinations")
        )
        members.append(
            Member(
                name=member_name(assistant, assistant_id, index),
                assistant=assistant,
                assistant_id=assistant_id,
                variable_values=values,
                destinations=list(member.get("assistantDestinations") or []),
            )
        )
    return members


async def _destination(
    session: AsyncSession, org_id: str, squad: Squad, destination: Document
) -> Member | None:
    """A member of its own for a handoff destination that needs one, else None."""
    if destination.get("type") != "assistant" or squad.for_destination(destination):
        return None
    named = squad.find(destination.get("assistantName"), destination.get("assistantId"))
    if destination.get("assistant") is not None:
        base, assistant_id = destination["assistant"], None
    elif named is not None:
        base, assistant_id = named.assistant, named.assistant_id
    elif destination.get("assistantId") is not None:
        assistant_id = destination["assistantId"]
        base = await _saved(session, _assistants, org_id, assistant_id)
    else:
        return None  # a name that is no member: the handoff will say so when called
    overrides = destination.get("assistantOverrides")
    assistant = await with_stored_tools(session, org_id, _layered(base, overrides))
    values = {**(named.variable_values if named else {}), **variable_values(overrides)}
    name = member_name(assistant, assistant_id, len(squad.members))
    return Member(name, assistant, assistant_id, values, key=destination_key(destination))


async def _squad_destination(
    session: AsyncSession, org_id: str, squad: Squad, destination: Document
) -> list[Member]:
    """The members a `squad` destination brings to the call (none if already resolved)."""
    key = squad_key(destination)
    if squad.group(key):
        return []
    inline = destination.get("squad")
    found = inline if isinstance(inline, dict) else None
    if found is None:
        found = await _saved(session, _squads, org_id, destination.get("squadId"))
    overrides = destination.get("squadOverrides")
    members = await _members(session, org_id, found, overrides)
    label = found.get("name") or destination.get("squadId") or "squad"
    if not members:
        raise NoAssistant(f"handoff destination squad {label} has no members")
    entry = destination.get("entryAssistantName")
    if entry and not any(member.name == entry for member in members):
        raise NoAssistant(f"handoff destination squad {label} has no member named {entry}")
    return join_group(squad.members, members, key, str(label))


async def resolve_squad(session: AsyncSession, org_id: str, call: Document) -> Squad:
    """Every assistant the call may become; `members[0]` starts it. Raises `NoAssistant` when
    one of its members (or a destination's saved assistant) no longer exists."""
    if "squad" in call or "squadId" in call:
        found = call.get("squad") or await _saved(session, _squads, org_id, call["squadId"])
        squad = Squad(await _members(session, org_id, found, call.get("squadOverrides")))
    else:
        assistant = await resolve_assistant(session, org_id, call)  # its toolIds read
        squad = Squad.solo(assistant, call.get("assistantId"))
    if not squad.members:
        raise NoAssistant("the squad has no members")
    squad.declared = len(squad.members)
    index = 0
    while index < len(squad.members):  # destinations' own members may name further ones
        for destination in handoff_destinations(squad.members[index].assistant):
            if destination.get("type") == "squad":
                squad.members.extend(await _squad_destination(session, org_id, squad, destination))
            elif (extra := await _destination(session, org_id, squad, destination)) is not None:
                squad.members.append(extra)
        index += 1
    return squad
