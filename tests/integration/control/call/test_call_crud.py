"""`GET`, `PATCH` and `DELETE` on calls over HTTP: filters, renames, bulk deletes, tenancy."""

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from tests.support.assistants import RUNNABLE
from tests.support.reference import assert_matches
from tests.support.server import LiveServer
from voxgate.control.call.live import DbCallStore

pytestmark = pytest.mark.db

WEBSOCKET = {"provider": "vapi.websocket"}


async def make_call(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"transport": WEBSOCKET, **fields}
    if not {"assistant", "assistantId", "squad", "squadId"} & set(body):
        body["assistant"] = RUNNABLE
    response = await client.post("/call", json=body)
    assert response.status_code == 201, response.text
    call: dict[str, Any] = response.json()
    return call


async def names(client: httpx.AsyncClient, **params: Any) -> list[str]:
    response = await client.get("/call", params=params)
    assert response.status_code == 200, response.text
    for call in response.json():
        assert_matches(call, "Call")
    return [call["name"] for call in response.json()]


async def test_list_filters(client: httpx.AsyncClient) -> None:
    assistant = (await client.post("/assistant", json={"name": "a", **RUNNABLE})).json()
    calls = []
    for n in range(3):
        fields = {"assistantId": assistant["id"]} if n != 1 else {}
        calls.append(await make_call(client, name=f"c{n}", **fields))
        await asyncio.sleep(0.005)
    assert await names(client) == ["c2", "c1", "c0"]  # newest first
    assert await names(client, assistantId=assistant["id"]) == ["c2", "c0"]
    assert await names(client, id=calls[1]["id"]) == ["c1"]
    assert await names(client, id="not-a-call") == []
    assert await names(client, phoneNumberId=str(uuid.uuid4())) == []
    assert await names(client, limit="2.0") == ["c2", "c1"]
    assert await names(client, createdAtGt=calls[0]["createdAt"]) == ["c2", "c1"]
    assert await names(client, createdAtLe=calls[1]["createdAt"]) == ["c1", "c0"]
    micro = calls[1]["createdAt"].replace("Z", "000+00:00")  # as the SDK sends it
    assert await names(client, createdAtGe=micro, assistantId=assistant["id"]) == ["c2"]
    assert (await client.get("/call", params={"limit": "1001"})).status_code == 400


async def test_get_unknown_and_malformed(client: httpx.AsyncClient) -> None:
    missing = await client.get(f"/call/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.json() == {"message": "Call not found", "error": "Not Found", "statusCode": 404}
    malformed = await client.get("/call/not-a-uuid")
    assert malformed.status_code == 400
    assert malformed.json()["message"] == "Validation failed (uuid is expected)"


async def test_patch_changes_the_name_only(client: httpx.AsyncClient) -> None:
    call = await make_call(client, name="before")
    patched = await client.patch(f"/call/{call['id']}", json={"name": "after"})
    assert patched.status_code == 200
    updated = patched.json()
    assert_matches(updated, "Call")
    assert updated == {**call, "name": "after", "updatedAt": updated["updatedAt"]}
    assert updated["updatedAt"] > call["updatedAt"]

    for key, value in (("status", "ended"), ("assistant", {}), ("transport", WEBSOCKET)):
        refused = await client.patch(f"/call/{call['id']}", json={key: value})
        assert refused.status_code == 400
        assert refused.json()["message"] == [f"property {key} should not exist"]
    too_long = await client.patch(f"/call/{call['id']}", json={"name": "x" * 41})
    assert too_long.json()["message"] == ["name must be shorter than or equal to 40 characters"]

    unset = (await client.patch(f"/call/{call['id']}", json={"name": None})).json()
    assert "name" not in unset
    assert (await client.get(f"/call/{call['id']}")).json() == unset
    missing = await client.patch(f"/call/{uuid.uuid4()}", json={"name": "x"})
    assert missing.status_code == 404


@pytest.mark.parametrize("body", [None, {}, {"ids": []}], ids=["no body", "{}", "empty ids"])
async def test_delete_returns_the_deleted_call(
    client: httpx.AsyncClient, body: dict[str, Any] | None
) -> None:
    call = await make_call(client, name="gone")
    kwargs: dict[str, Any] = {"json": body} if body is not None else {}
    deleted = await client.request("DELETE", f"/call/{call['id']}", **kwargs)
    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == call
    assert_matches(deleted.json(), "Call")
    assert (await client.get(f"/call/{call['id']}")).status_code == 404
    again = await client.request("DELETE", f"/call/{call['id']}", **kwargs)
    assert again.status_code == 404


async def test_bulk_delete_deletes_the_listed_calls_of_the_org(
    client: httpx.AsyncClient, other_key: str
) -> None:
    first, second, kept = [await make_call(client, name=f"c{n}") for n in range(3)]
    other = {"Authorization": f"Bearer {other_key}"}
    body = {"assistant": RUNNABLE, "transport": WEBSOCKET}
    theirs = (await client.post("/call", json=body, headers=other)).json()
    # Unknown and malformed ids (a NUL byte was a 500 on PostgreSQL) are skipped.
    ids = [second["id"], theirs["id"], str(uuid.uuid4()), "a\u0000b", first["id"]]
    # The path id is ignored when `ids` is sent; the first listed call found is returned.
    response = await client.request("DELETE", f"/call/{kept['id']}", json={"ids": ids})
    assert response.status_code == 200, response.text
    assert response.json() == second
    assert await names(client) == ["c2"]
    assert (await client.get(f"/call/{theirs['id']}", headers=other)).status_code == 200

    again = await client.request("DELETE", f"/call/{kept['id']}", json={"ids": ids})
    assert again.status_code == 404  # nothing left to delete


async def test_bulk_delete_returns_the_path_call_when_listed(client: httpx.AsyncClient) -> None:
    first, second = [await make_call(client, name=f"c{n}") for n in range(2)]
    ids = [first["id"], second["id"]]
    response = await client.request("DELETE", f"/call/{second['id']}", json={"ids": ids})
    assert response.json() == second
    assert await names(client) == []


async def test_delete_body_is_validated(client: httpx.AsyncClient) -> None:
    call = await make_call(client)
    for body, message in (
        ({"ids": "all"}, "ids must be an array"),
        ({"id": call["id"]}, "property id should not exist"),
        ({"ids": ["x"] * 1001}, "ids must contain no more than 1000 elements"),
    ):
        response = await client.request("DELETE", f"/call/{call['id']}", json=body)
        assert response.status_code == 400
        assert message in response.json()["message"]
    assert (await client.get(f"/call/{call['id']}")).status_code == 200


async def test_another_orgs_call_is_a_404_and_unchanged(
    client: httpx.AsyncClient, other_key: str
) -> None:
    mine = await make_call(client, name="mine")
    other = {"Authorization": f"Bearer {other_key}"}
    for method in ("GET", "PATCH", "DELETE"):
        kwargs: dict[str, Any] = {"json": {"name": "theirs"}} if method == "PATCH" else {}
        response = await client.request(method, f"/call/{mine['id']}", headers=other, **kwargs)
        assert response.status_code == 404, method
    bulk = await client.request(
        "DELETE", f"/call/{mine['id']}", headers=other, json={"ids": [mine["id"]]}
    )
    assert bulk.status_code == 404
    assert (await client.get("/call", headers=other)).json() == []
    assert (await client.get("/call", params={"id": mine["id"]}, headers=other)).json() == []
    assert (await client.get(f"/call/{mine['id']}")).json() == mine


async def test_every_operation_needs_a_key(anonymous: httpx.AsyncClient) -> None:
    call_id = uuid.uuid4()
    for method, path in (
        ("GET", "/call"),
        ("GET", f"/call/{call_id}"),
        ("PATCH", f"/call/{call_id}"),
        ("DELETE", f"/call/{call_id}"),
    ):
        response = await anonymous.request(method, path)
        assert response.status_code == 401, (method, path)


async def test_a_rename_and_the_call_ending_both_stick(
    client: httpx.AsyncClient, live_server: LiveServer
) -> None:
    # The live call's store and a PATCH write the same row: neither overwrites the other's
    # change, and a late status write never revives an ended call.
    call = await make_call(client, name="before")
    store = DbCallStore(call["orgId"], call["id"])
    # The store writes on the server's loop, where its database connections live.
    await live_server.run(store.update({"status": "ended", "endedReason": "customer-ended-call"}))
    renamed = (await client.patch(f"/call/{call['id']}", json={"name": "after"})).json()
    assert renamed["status"] == "ended" and renamed["name"] == "after"
    await live_server.run(store.update({"status": "in-progress", "summary": "late"}))
    stored = (await client.get(f"/call/{call['id']}")).json()
    assert stored["status"] == "ended" and stored["endedReason"] == "customer-ended-call"
    assert stored["name"] == "after" and stored["summary"] == "late"
