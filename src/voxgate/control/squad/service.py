"""Squad rules the wire models cannot express: each member names exactly one assistant, and a
named one must belong to the caller's org.

Messages follow class-validator's path prefix (`members.1.assistantId ...`) and are all
reported at once, so a client fixes a roster in one round trip.
"""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voxgate.control.squad.repository import assistants_of_org
from voxgate.errors import BadRequest


def _shape_errors(members: list[dict[str, Any]]) -> list[str]:
    errors = []
    for index, member in enumerate(members):
        has_id, has_inline = "assistantId" in member, "assistant" in member
        if has_id and has_inline:
            errors.append(f"members.{index} must have either assistantId or assistant, not both")
        elif not (has_id or has_inline):
            errors.append(f"members.{index} must have either assistantId or assistant")
    return errors


async def check_squad(session: AsyncSession, org_id: str, data: dict[str, Any]) -> None:
    # The reference makes `assistantId` nullable; a null one counts as absent.
    members: list[dict[str, Any]] = [
        {key: value for key, value in member.items() if value is not None}
        for member in data.get("members", [])
    ]
    errors = _shape_errors(members)
    named = [(i, m["assistantId"]) for i, m in enumerate(members) if "assistantId" in m]
    known = await assistants_of_org(session, org_id, {assistant_id for _, assistant_id in named})
    errors += [
        f"members.{index}.assistantId: assistant {assistant_id} does not exist"
        for index, assistant_id in named
        if assistant_id not in known
    ]
    if errors:
        raise BadRequest(errors)
