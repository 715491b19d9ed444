"""The official Python SDK (vapi-server-sdk 3.0.0), pointed at voxgate, manages squads."""

import httpx
import pytest
from vapi import Vapi
from vapi.core.api_error import ApiError

from tests.support.reference import assert_matches
from tests.support.server import LiveServer

pytestmark = pytest.mark.db


def test_sdk_squad_lifecycle(live_server: LiveServer, api_key: str) -> None:
    vapi = Vapi(token=api_key, base_url=live_server.url)
    greeter = vapi.assistants.create(name="Greeter")
    billing = {"name": "Billing", "model": {"provider": "openai", "model": "gpt-4o-mini"}}

    created = vapi.squads.create(
        name="Support",
        members=[
            {
                "assistant_id": greeter.id,
                "assistant_destinations": [
                    {"type": "assistant", "assistant_name": "Billing", "message": "Hold on."}
                ],
            },
            {"assistant": billing},
        ],
        members_overrides={"variable_values": {"company": "Acme"}},
    )
    assert created.name == "Support" and created.id
    assert created.members[0].assistant_id == greeter.id
    assert created.members_overrides is not None
    assert created.members_overrides.variable_values == {"company": "Acme"}

    # What the SDK put on the wire, as stored: camelCase all the way down.
    raw = httpx.get(
        f"{live_server.url}/squad/{created.id}", headers={"Authorization": f"Bearer {api_key}"}
    ).json()
    assert_matches(raw, "Squad")
    assert raw["members"][0]["assistantDestinations"] == [
        {"type": "assistant", "assistantName": "Billing", "message": "Hold on."}
    ]
    assert raw["membersOverrides"] == {"variableValues": {"company": "Acme"}}

    fetched = vapi.squads.get(created.id)
    assert fetched.members[1].assistant is not None
    assert fetched.members[1].assistant.name == "Billing"
    assert [s.id for s in vapi.squads.list(limit=10)] == [created.id]

    updated = vapi.squads.update(
        created.id, name="Support 2", members=[{"assistant_id": greeter.id}]
    )
    assert updated.name == "Support 2" and len(updated.members) == 1
    assert updated.members_overrides is not None  # not sent, so kept

    assert vapi.squads.delete(created.id).id == created.id
    with pytest.raises(ApiError) as missing:
        vapi.squads.get(created.id)
    assert missing.value.status_code == 404


def test_sdk_sees_400_for_an_unknown_assistant(live_server: LiveServer, api_key: str) -> None:
    vapi = Vapi(token=api_key, base_url=live_server.url)
    absent = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(ApiError) as refused:
        vapi.squads.create(members=[{"assistant_id": absent}])
    assert refused.value.status_code == 400
    assert refused.value.body["message"] == [
        f"members.0.assistantId: assistant {absent} does not exist"
    ]
