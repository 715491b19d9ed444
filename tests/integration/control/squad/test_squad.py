"""The five squad operations over HTTP, checked against Vapi's published schemas."""

import uuid
from typing import Any

import httpx
import pytest

from tests.support.reference import assert_matches

pytestmark = pytest.mark.db

INLINE = {
    "name": "Billing",
    "model": {"provider": "openai", "model": "gpt-4o-mini", "temperature": 0.1},
    "voice": {"provider": "11labs", "voiceId": "burt"},
}


async def _assistant(client: httpx.AsyncClient, name: str = "Front desk") -> str:
    response = await client.post("/assistant", json={"name": name})
    assert response.status_code == 201
    assistant_id: str = response.json()["id"]
    return assistant_id


def _squad(assistant_id: str) -> dict[str, Any]:
    return {
        "name": "Support line",
        "members": [
            {
                "assistantId": assistant_id,
                "assistantOverrides": {"firstMessage": "Hi, {{name}}!"},
                "assistantDestinations": [
                    {
                        "type": "assistant",
                        "assistantName": "Billing",
                        "message": "One moment.",
                        "description": "Billing questions",
                    }
                ],
            },
            {"assistant": INLINE},
        ],
        "membersOverrides": {"variableValues": {"name": "Ada"}},
    }


async def test_create_get_list_update_delete(client: httpx.AsyncClient) -> None:
    body = _squad(await _assistant(client))
    created = await client.post("/squad", json=body)
    assert created.status_code == 201
    squad = created.json()
    assert_matches(squad, "Squad")
    assert {key: squad[key] for key in body} == body  # stored and echoed whole
    assert squad["createdAt"] == squad["updatedAt"]

    fetched = await client.get(f"/squad/{squad['id']}")
    assert fetched.status_code == 200 and fetched.json() == squad

    listed = await client.get("/squad", params={"limit": "10.0"})
    assert listed.status_code == 200
    for item in listed.json():
        assert_matches(item, "Squad")
    assert [s["id"] for s in listed.json()] == [squad["id"]]

    patched = await client.patch(
        f"/squad/{squad['id']}", json={"members": [{"assistant": INLINE}], "name": None}
    )
    assert patched.status_code == 200
    updated = patched.json()
    assert_matches(updated, "Squad")
    assert updated["members"] == [{"assistant": INLINE}]  # replaced, not merged
    assert "name" not in updated  # null unsets
    assert updated["membersOverrides"] == body["membersOverrides"]  # untouched keys stay
    assert updated["updatedAt"] > squad["updatedAt"]

    deleted = await client.delete(f"/squad/{squad['id']}")
    assert deleted.status_code == 200 and deleted.json() == updated
    assert_matches(deleted.json(), "Squad")
    assert (await client.get(f"/squad/{squad['id']}")).status_code == 404


def _bad_request(response: httpx.Response) -> list[str]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "Bad Request" and body["statusCode"] == 400
    messages: list[str] = body["message"]
    return messages


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"members": [], "nmae": "typo"}, "property nmae should not exist"),
        ({"name": "no roster"}, "members should not be empty"),
        ({"members": {"assistantId": "x"}}, "members must be an array"),
        (
            {"members": [{"assistant": {"name": "x", "foo": 1}}]},
            "members.0.assistant.property foo should not exist",
        ),
        (
            {"members": [{"assistant": {"model": {"provider": "openai"}}}]},
            "members.0.assistant.model.model should not be empty",
        ),
        (
            {"members": [{"assistant": {}, "assistantOverrides": {"firstMesage": "x"}}]},
            "members.0.assistantOverrides.property firstMesage should not exist",
        ),
        (
            {"members": [{"assistant": {}, "assistantDestinations": [{"type": "number"}]}]},
            "members.0.assistantDestinations.0.type must be one of the following values: assistant",
        ),
        (
            {"members": [{"assistant": {}}], "membersOverrides": {"maxDurationSeconds": 1}},
            "membersOverrides.maxDurationSeconds must not be less than 10",
        ),
    ],
    ids=[
        "unknown-property",
        "no-members",
        "members-not-array",
        "member-assistant-unknown-property",
        "member-assistant-model",
        "member-overrides-unknown-property",
        "destination-type",
        "overrides-bound",
    ],
)
async def test_invalid_bodies_get_class_validator_messages(
    client: httpx.AsyncClient, body: dict[str, Any], message: str
) -> None:
    assert message in _bad_request(await client.post("/squad", json=body))
    assert (await client.get("/squad")).json() == []  # nothing half-written


async def test_a_member_names_exactly_one_assistant(client: httpx.AsyncClient) -> None:
    assistant_id = await _assistant(client)
    response = await client.post(
        "/squad",
        json={
            "members": [
                {"assistantId": assistant_id},
                {"assistantOverrides": {"firstMessage": "Hi"}},
                {"assistantId": assistant_id, "assistant": INLINE},
                {"assistantId": None, "assistant": INLINE},  # a null id counts as absent
            ]
        },
    )
    assert _bad_request(response) == [
        "members.1 must have either assistantId or assistant",
        "members.2 must have either assistantId or assistant, not both",
    ]


async def test_unknown_assistant_ids_are_refused(client: httpx.AsyncClient) -> None:
    known = await _assistant(client)
    missing, malformed = str(uuid.uuid4()), "assistant-" * 8
    response = await client.post(
        "/squad",
        json={
            "members": [
                {"assistantId": known},
                {"assistantId": missing},
                {"assistantId": malformed},
            ]
        },
    )
    assert _bad_request(response) == [
        f"members.1.assistantId: assistant {missing} does not exist",
        f"members.2.assistantId: assistant {malformed} does not exist",
    ]
    assert (await client.get("/squad")).json() == []


async def test_a_patch_is_checked_like_a_create(client: httpx.AsyncClient) -> None:
    squad = (await client.post("/squad", json={"members": [{"assistant": INLINE}]})).json()
    missing = str(uuid.uuid4())
    response = await client.patch(
        f"/squad/{squad['id']}", json={"members": [{"assistantId": missing}]}
    )
    assert _bad_request(response) == [f"members.0.assistantId: assistant {missing} does not exist"]
    # The reference requires `members` on update as well.
    assert "members should not be empty" in _bad_request(
        await client.patch(f"/squad/{squad['id']}", json={"name": "renamed"})
    )
    assert (await client.get(f"/squad/{squad['id']}")).json() == squad


async def test_missing_squad_is_a_404(client: httpx.AsyncClient) -> None:
    missing = uuid.uuid4()
    for method in ("GET", "PATCH", "DELETE"):
        kwargs: dict[str, Any] = {"json": {"members": []}} if method == "PATCH" else {}
        response = await client.request(method, f"/squad/{missing}", **kwargs)
        assert response.status_code == 404, method
        assert response.json() == {
            "message": "Squad not found",
            "error": "Not Found",
            "statusCode": 404,
        }
    assert (await client.get("/squad/not-a-uuid")).status_code == 400


async def test_missing_key_is_a_401(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.post("/squad", json={"members": []})
    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"


async def test_another_orgs_squad_is_a_404_and_unchanged(
    client: httpx.AsyncClient, other_key: str
) -> None:
    mine = (await client.post("/squad", json={"name": "mine", "members": []})).json()
    other = {"Authorization": f"Bearer {other_key}"}
    for method in ("GET", "PATCH", "DELETE"):
        kwargs: dict[str, Any] = {"json": {"members": []}} if method == "PATCH" else {}
        response = await client.request(method, f"/squad/{mine['id']}", headers=other, **kwargs)
        assert response.status_code == 404, method
    assert (await client.get("/squad", headers=other)).json() == []
    assert (await client.get(f"/squad/{mine['id']}")).json() == mine


async def test_another_orgs_assistant_cannot_join_a_squad(
    client: httpx.AsyncClient, other_key: str
) -> None:
    theirs = await _assistant(client, "theirs")
    other = {"Authorization": f"Bearer {other_key}"}
    response = await client.post(
        "/squad", json={"members": [{"assistantId": theirs}]}, headers=other
    )
    # Worded exactly as for an id that exists nowhere: nothing leaks across orgs.
    assert _bad_request(response) == [f"members.0.assistantId: assistant {theirs} does not exist"]
    assert (await client.get("/squad", headers=other)).json() == []


async def test_a_member_id_that_is_no_uuid_is_a_400_on_every_database(
    client: httpx.AsyncClient,
) -> None:
    # A NUL byte once reached PostgreSQL through the member check and came back as a 500.
    response = await client.post("/squad", json={"members": [{"assistantId": "a\u0000b"}]})
    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"
