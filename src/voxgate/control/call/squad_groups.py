"""A `squad` handoff destination's members joining a call (VAPI-BEHAVIOUR §8): their names.

Every assistant of a call has a name of its own: it is how handoffs and transfers name it, what
`transfer-update` and `artifact.assistantActivations` report, and how the control URL's handoff
picks it. A destination squad's member whose name is already taken in the call (say both squads
have a "Support") is renamed `<name> (<squad>)`, the squad being the destination squad's `name`,
else its `squadId`, else "squad" (then ` 2`, ` 3`… if that is taken too). Its peers' handoff and
transfer destinations naming it by `assistantName` are renamed with it, so inside its own squad
it is still reached; the destination's `entryAssistantName` names it as its squad does
(`Member.given_name`). The call's own members keep their names.
"""

import copy
from typing import Any

from voxgate.engine.squad import Member

Document = dict[str, Any]


def _unique(name: str, taken: set[str], label: str) -> str:
    if name not in taken:
        return name
    candidate, number = f"{name} ({label})", 2
    while candidate in taken:
        candidate, number = f"{name} ({label} {number})", number + 1
    return candidate


def _renamed(destinations: Any, renames: dict[str, str]) -> None:
    for destination in destinations if isinstance(destinations, list) else []:
        if not isinstance(destination, dict) or destination.get("type") != "assistant":
            continue
        name = destination.get("assistantName")
        if isinstance(name, str) and name in renames:
            destination["assistantName"] = renames[name]


def _with_renames(member: Member, renames: dict[str, str]) -> None:
    """The member's destinations that name a renamed peer, renamed (tools included)."""
    model = member.assistant.get("model")
    tools = model.get("tools") if isinstance(model, dict) else None
    for tool in tools if isinstance(tools, list) else []:
        if isinstance(tool, dict):
            _renamed(tool.get("destinations"), renames)
    _renamed(member.destinations, renames)


def join_group(taken: list[Member], members: list[Member], key: str, label: str) -> list[Member]:
    """The destination squad's `members` as members of the call: in group `key`, their names
    unique among `taken` (the module docstring). The members are copied, not shared."""
    names = {member.name for member in taken}
    joined, renames = [], {}
    for member in members:
        member = copy.deepcopy(member)
        member.group, member.given_name = key, member.name
        member.name = _unique(member.name, names, label)
        names.add(member.name)
        if member.name != member.given_name:
            renames[member.given_name] = member.name
        joined.append(member)
    if renames:
        for member in joined:
            _with_renames(member, renames)
    return joined
