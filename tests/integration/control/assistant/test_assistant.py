"""The five assistant operations over HTTP, checked against Vapi's published schemas."""

import asyncio
import uuid

import httpx
import pytest

from tests.support.reference import assert_matches

pytestmark = pytest.mark.db

BODY = {
    "name": "Receptionist",
    "firstMessage": "Hello {{customer.name}}!",
    "model": {
        "provider": "openai",
        "model": "gpt-4o-mini",
        "messages": [{"role": "system", "content": "Be brief."}],
        "temperature": 0.2,
    },
    "voice": {"provider": "11labs", "voiceId": "burt", "stability": 0.5},
    "transcriber": {"provider": "deepgram", "model": "nova-3", "language": "en"},
    "clientMessages": ["transcript", "status-update"],
    "maxDurationSeconds": 300,
}


async def test_create_get_list_update_delete(client: httpx.AsyncClient) -> None:
    created = await client.post("/assistant", json=BODY)
    assert created.status_code == 201
    body = created.json()
    assert_matches(body, "Assistant")
    assert {k: body[k] for k in BODY} == BODY  # provider knobs (stability) echoed
    assert type(body["maxDurationSeconds"]) is int  # 300, not 300.0: echoed as sent
    assert body["createdAt"] == body["updatedAt"]
    assert body["createdAt"].endswith("Z") and len(body["createdAt"]) == 24

    fetched = await client.get(f"/assistant/{body['id']}")
    assert fetched.status_code == 200 and fetched.json() == body

    listed = await client.get("/assistant")
    assert [a["id"] for a in listed.json()] == [body["id"]]

    patched = await client.patch(
        f"/assistant/{body['id']}",
        json={
            "name": "Front desk",
            "voice": {"provider": "openai", "voiceId": "alloy"},
            "maxDurationSeconds": None,
        },
    )
    assert patched.status_code == 200
    updated = patched.json()
    assert_matches(updated, "Assistant")
    assert updated["name"] == "Front desk"
    assert updated["voice"] == {"provider": "openai", "voiceId": "alloy"}  # replaced, not merged
    assert "maxDurationSeconds" not in updated  # null unsets
    assert updated["model"] == BODY["model"]  # untouched keys stay
    assert updated["updatedAt"] > body["updatedAt"]

    deleted = await client.delete(f"/assistant/{body['id']}")
    assert deleted.status_code == 200 and deleted.json() == updated
    assert (await client.get(f"/assistant/{body['id']}")).status_code == 404


async def test_unknown_property_is_refused_and_nothing_is_stored(client: httpx.AsyncClient) -> None:
    response = await client.post("/assistant", json={"name": "x", "firstMesage": "typo"})
    assert response.status_code == 400
    assert response.json() == {
        "message": ["property firstMesage should not exist"],
        "error": "Bad Request",
        "statusCode": 400,
    }
    assert (await client.get("/assistant")).json() == []


async def test_legacy_fields_are_stored_and_echoed(client: httpx.AsyncClient) -> None:
    legacy = {
        "silenceTimeoutSeconds": 30,
        "serverUrl": "https://example.com/hook",
        "hipaaEnabled": False,
    }
    response = await client.post("/assistant", json=legacy)
    assert response.status_code == 201
    assert {k: response.json()[k] for k in legacy} == legacy


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "x" * 41}, "name must be shorter than or equal to 40 characters"),
        ({"maxDurationSeconds": 5}, "maxDurationSeconds must not be less than 10"),
        (
            {"maxDurationSeconds": "300"},
            "maxDurationSeconds must be a number conforming to the specified constraints",
        ),
        (
            {"firstMessageMode": "shout"},
            "firstMessageMode must be one of the following values: "
            "assistant-speaks-first, assistant-speaks-first-with-model-generated-message, "
            "assistant-waits-for-user",
        ),
        ({"model": {"provider": "openai"}}, "model.model should not be empty"),
        (
            {"endCallPhrases": ["x"]},
            "endCallPhrases.0 must be longer than or equal to 2 characters",
        ),
    ],
)
async def test_invalid_values_get_class_validator_messages(
    client: httpx.AsyncClient, body: dict[str, object], message: str
) -> None:
    response = await client.post("/assistant", json=body)
    assert response.status_code == 400
    assert message in response.json()["message"]


async def test_malformed_json_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/assistant", content=b'{"name": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"


async def test_missing_and_wrong_key_get_vapis_401(anonymous: httpx.AsyncClient) -> None:
    expected = {
        "message": "Invalid Key. Hot tip, you may be using the private key instead of the "
        "public key, or vice versa.",
        "error": "Unauthorized",
        "statusCode": 401,
    }
    assert (await anonymous.get("/assistant")).json() == expected
    wrong = await anonymous.get("/assistant", headers={"Authorization": f"Bearer {uuid.uuid4()}"})
    assert wrong.status_code == 401 and wrong.json() == expected


async def test_public_key_reaches_no_operation(live_server, anonymous: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import new_key

    key = await new_key(f"public-{uuid.uuid4()}", "public")
    response = await anonymous.get("/assistant", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 401


async def test_another_orgs_assistant_is_a_404_and_unchanged(
    client: httpx.AsyncClient,
    live_server,
    other_key: str,  # type: ignore[no-untyped-def]
) -> None:
    mine = (await client.post("/assistant", json={"name": "mine"})).json()
    other = {"Authorization": f"Bearer {other_key}"}
    for method in ("GET", "PATCH", "DELETE"):
        kwargs = {"json": {"name": "theirs"}} if method == "PATCH" else {}
        response = await client.request(method, f"/assistant/{mine['id']}", headers=other, **kwargs)  # type: ignore[arg-type]
        assert response.status_code == 404, method
        assert response.json()["error"] == "Not Found"
    assert (await client.get("/assistant", headers=other)).json() == []
    assert (await client.get(f"/assistant/{mine['id']}")).json() == mine


async def test_malformed_id_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.get("/assistant/not-a-uuid")
    assert response.status_code == 400
    assert response.json()["message"] == "Validation failed (uuid is expected)"


async def test_list_filters_and_limit(client: httpx.AsyncClient) -> None:
    made = []
    for n in range(3):
        made.append((await client.post("/assistant", json={"name": f"a{n}"})).json())
        await asyncio.sleep(0.005)
    listed = (await client.get("/assistant", params={"limit": "2.0"})).json()
    assert [a["name"] for a in listed] == ["a2", "a1"]  # newest first
    after = (await client.get("/assistant", params={"createdAtGt": made[0]["createdAt"]})).json()
    assert [a["name"] for a in after] == ["a2", "a1"]
    upto = (await client.get("/assistant", params={"createdAtLe": made[1]["createdAt"]})).json()
    assert [a["name"] for a in upto] == ["a1", "a0"]
    # The SDKs send microseconds and offsets.
    micro = made[1]["createdAt"].replace("Z", "000+00:00")
    ge = (await client.get("/assistant", params={"createdAtGe": micro})).json()
    assert [a["name"] for a in ge] == ["a2", "a1"]
    bad = await client.get("/assistant", params={"limit": "lots"})
    assert bad.status_code == 400
