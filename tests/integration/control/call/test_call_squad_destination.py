"""A `handoff` tool's `squad` destination (VAPI-BEHAVIOUR §8): at connect its squad's members
join the call (the destination's `squadOverrides` laid where a call's are, names kept unique,
their own handoffs working within their squad); `POST /call` refuses with Vapi's 400 a
`squadId` the org does not have, or an `entryAssistantName` that is no member of it."""

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from tests.integration.control.call.test_call_create import WEBSOCKET, refused
from tests.support.assistants import MODEL
from voxgate.config import get_settings
from voxgate.control.call.squad import resolve_squad
from voxgate.engine.squad import Squad

pytestmark = pytest.mark.db


def handoff(*destinations: dict[str, Any]) -> dict[str, Any]:
    return {"type": "handoff", "destinations": list(destinations)}


def assistant(name: str, *tools: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"name": name, "model": {**MODEL, "tools": list(tools)}, **fields}


async def saved_squad(client: httpx.AsyncClient) -> dict[str, Any]:
    """ "Billing squad": an inline "Front desk" (a name the caller's assistant has too) that
    hands off to a saved "Ledger", which hands back to "Front desk"."""
    ledger = assistant("Ledger", handoff({"type": "assistant", "assistantName": "Front desk"}))
    ledger_row = (await client.post("/assistant", json=ledger)).json()
    front = assistant("Front desk", handoff({"type": "assistant", "assistantName": "Ledger"}))
    squad = {
        "name": "Billing squad",
        "members": [{"assistant": front}, {"assistantId": ledger_row["id"]}],
        "membersOverrides": {"firstMessage": "Squad.", "variableValues": {"who": "squad"}},
    }
    response = await client.post("/squad", json=squad)
    assert response.status_code == 201, response.text
    found: dict[str, Any] = response.json()
    return found


async def resolved(org_id: str, call: dict[str, Any]) -> Squad:
    engine = create_async_engine(get_settings().resolved_database_url)
    async with AsyncSession(engine) as session:
        squad = await resolve_squad(session, org_id, call)
    await engine.dispose()
    return squad


async def test_a_squad_destination_s_members_join_the_call(client: httpx.AsyncClient) -> None:
    squad = await saved_squad(client)
    destination = {
        "type": "squad",
        "squadId": squad["id"],
        "entryAssistantName": "Ledger",
        "squadOverrides": {"firstMessage": "Destination.", "variableValues": {"who": "dest"}},
    }
    caller = assistant("Front desk", handoff(destination))

    found = await resolved(squad["orgId"], {"assistant": caller})

    names = [member.name for member in found.members]
    assert names == ["Front desk", "Front desk (Billing squad)", "Ledger"]
    assert found.declared == 1
    entry = found.for_destination(destination)
    assert entry is found.members[2]
    # The destination's squadOverrides go last, as a call's do.
    assert entry.assistant["firstMessage"] == "Destination."
    assert entry.variable_values == {"who": "dest"}
    # Inside its squad, "Front desk" is its squad's, renamed with it.
    back = entry.assistant["model"]["tools"][0]["destinations"][0]
    assert back["assistantName"] == "Front desk (Billing squad)"
    assert found.for_destination(back) is found.members[1]
    # Without entryAssistantName the squad's first member takes the call.
    first = {k: v for k, v in destination.items() if k != "entryAssistantName"}
    assert found.for_destination(first) is found.members[1]


async def test_an_inline_squad_destination_and_one_resolved_once(client: httpx.AsyncClient) -> None:
    inline = {"type": "squad", "squad": {"members": [{"assistant": assistant("Solo")}]}}
    caller = assistant("Caller", handoff(inline), handoff(inline))
    org_id = (await client.post("/assistant", json=caller)).json()["orgId"]
    found = await resolved(org_id, {"assistant": caller})
    assert [member.name for member in found.members] == ["Caller", "Solo"]
    assert found.for_destination(inline) is found.members[1]


async def test_a_squad_destination_that_does_not_exist_is_a_400(
    client: httpx.AsyncClient, other_key: str
) -> None:
    missing = {"type": "squad", "squadId": "00000000-0000-0000-0000-000000000000"}
    body = {"assistant": assistant("Caller", handoff(missing)), "transport": WEBSOCKET}
    assert await refused(client, body) == f"squad {missing['squadId']} no longer exists"
    # Another org's squad is as unknown as a made-up one.
    headers = {"Authorization": f"Bearer {other_key}"}
    async with httpx.AsyncClient(base_url=str(client.base_url), headers=headers) as other:
        theirs = await other.post("/squad", json={"members": [{"assistant": assistant("X")}]})
    elsewhere = {"type": "squad", "squadId": theirs.json()["id"]}
    body = {"assistant": assistant("Caller", handoff(elsewhere)), "transport": WEBSOCKET}
    assert await refused(client, body) == f"squad {elsewhere['squadId']} no longer exists"
    # An entry that is no member of the squad is named.
    squad = await saved_squad(client)
    wrong = {"type": "squad", "squadId": squad["id"], "entryAssistantName": "Nobody"}
    body = {"assistant": assistant("Caller", handoff(wrong)), "transport": WEBSOCKET}
    message = await refused(client, body)
    assert message == "handoff destination squad Billing squad has no member named Nobody"
