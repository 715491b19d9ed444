"""The five file operations and the content download over HTTP, checked against Vapi's schemas."""

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.support.reference import assert_matches
from voxgate.config import get_settings

pytestmark = pytest.mark.db

CONTENT = "Opening hours: 9\u201317, Monday to Friday.\n".encode()  # not ASCII: bytes ≠ chars
LONG_NAME = "a-rather-long-name-for-the-opening-hours-of-the-shop.txt"  # 56 characters


def _on_disk(key: str) -> Path:
    return get_settings().files_dir / key


def _stored_files() -> set[Path]:
    return {p for p in get_settings().files_dir.rglob("*") if p.is_file()}


async def _upload(client: httpx.AsyncClient, **data: str) -> dict[str, Any]:
    files = {"file": ("hours.txt", CONTENT, "text/plain")}
    response = await client.post("/file", files=files, data=data)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert_matches(body, "File")
    return body


def _local(url: str, client: httpx.AsyncClient) -> str:
    """The download URL is built on the public base; in tests that is not the live server."""
    base = get_settings().public_url
    assert url.startswith(base + "/")
    return url.removeprefix(base)


async def test_upload_get_list_rename_delete(client: httpx.AsyncClient) -> None:
    files = {"file": (LONG_NAME, CONTENT, "text/plain")}
    created = await client.post("/file", files=files)
    assert created.status_code == 201
    body = created.json()
    assert_matches(body, "File")
    assert body["object"] == "file" and body["status"] == "done"
    assert body["name"] == LONG_NAME[:40] and body["originalName"] == LONG_NAME
    assert body["bytes"] == len(CONTENT) and body["mimetype"] == "text/plain"
    assert body["metadata"] == {} and "purpose" not in body
    assert body["key"] == f"{body['orgId']}/{body['id']}"
    assert body["path"] == f"files/{body['key']}"
    assert body["url"] == f"https://voxgate.test/file/{body['id']}/content"
    assert _on_disk(body["key"]).read_bytes() == CONTENT

    fetched = await client.get(f"/file/{body['id']}")
    assert fetched.status_code == 200 and fetched.json() == body

    listed = await client.get("/file")
    assert listed.status_code == 200 and listed.json() == [body]

    renamed = await client.patch(f"/file/{body['id']}", json={"name": "Hours"})
    assert renamed.status_code == 200
    updated = renamed.json()
    assert_matches(updated, "File")
    assert updated == {**body, "name": "Hours", "updatedAt": updated["updatedAt"]}
    assert updated["updatedAt"] > body["updatedAt"]

    deleted = await client.delete(f"/file/{body['id']}")
    assert deleted.status_code == 200 and deleted.json() == updated
    assert_matches(deleted.json(), "File")
    assert not _on_disk(body["key"]).exists()
    assert (await client.get(f"/file/{body['id']}")).status_code == 404
    assert (await client.get(_local(body["url"], client))).status_code == 404


async def test_content_round_trips_byte_for_byte(client: httpx.AsyncClient) -> None:
    payload = bytes(range(256)) * 64
    files = {"file": ("noise.bin", payload, "application/octet-stream")}
    body = (await client.post("/file", files=files)).json()
    assert body["bytes"] == len(payload)
    download = await client.get(_local(body["url"], client))
    assert download.status_code == 200
    assert download.content == payload
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"] == 'attachment; filename="noise.bin"'
    assert download.headers["x-content-type-options"] == "nosniff"


async def test_purpose_and_metadata_parts_are_kept(client: httpx.AsyncClient) -> None:
    body = await _upload(client, purpose="assistant", metadata=json.dumps({"team": "ops"}))
    assert body["purpose"] == "assistant" and body["metadata"] == {"team": "ops"}


async def test_list_filters_by_purpose(client: httpx.AsyncClient) -> None:
    plain = await _upload(client)
    kb = await _upload(client, purpose="knowledge-base-v2")
    attachment = await _upload(client, purpose="composer-attachment")

    def ids(response: httpx.Response) -> list[str]:
        assert response.status_code == 200
        for item in response.json():
            assert_matches(item, "File")
        return [item["id"] for item in response.json()]

    # Newest first; composer attachments only when asked for by name, as in Vapi.
    assert ids(await client.get("/file")) == [kb["id"], plain["id"]]
    assert ids(await client.get("/file", params={"purpose": "knowledge-base-v2"})) == [kb["id"]]
    purpose = {"purpose": "composer-attachment"}
    assert ids(await client.get("/file", params=purpose)) == [attachment["id"]]
    assert ids(await client.get("/file", params={"limit": "1.0"})) == [kb["id"]]
    after = {"createdAtGt": plain["createdAt"]}
    assert ids(await client.get("/file", params=after)) == [kb["id"]]


def _bad_request(response: httpx.Response) -> list[str] | str:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "Bad Request" and body["statusCode"] == 400
    message: list[str] | str = body["message"]
    return message


@pytest.mark.parametrize(
    ("request_kwargs", "message"),
    [
        ({"data": {"purpose": "assistant"}}, "file should not be empty"),
        ({"json": {"file": "hours.txt"}}, "file should not be empty"),
        ({"data": {"file": "not an upload"}}, "file should not be empty"),
        (
            {"files": {"file": ("a.txt", b"x")}, "data": {"porpose": "assistant"}},
            "property porpose should not exist",
        ),
        (
            {"files": {"file": ("a.txt", b"x")}, "data": {"metadata": "[1, 2]"}},
            "metadata must be a JSON-encoded object",
        ),
        (
            {"files": {"file": ("a.txt", b"x")}, "data": {"metadata": "{oops"}},
            "metadata must be a JSON-encoded object",
        ),
        (
            {"files": {"file": ("a.txt", b"x")}, "data": {"purpose": "p" * 65}},
            "purpose must be shorter than or equal to 64 characters",
        ),
    ],
    ids=[
        "no-file-part",
        "json-body",
        "text-part",
        "unknown-part",
        "metadata-array",
        "metadata-not-json",
        "purpose-too-long",
    ],
)
async def test_bad_uploads_are_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, request_kwargs: dict[str, Any], message: str
) -> None:
    before = _stored_files()
    assert message in _bad_request(await client.post("/file", **request_kwargs))
    assert (await client.get("/file")).json() == []
    assert _stored_files() == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "x" * 41}, "name must be shorter than or equal to 40 characters"),
        ({"name": ""}, "name must be longer than or equal to 1 characters"),
        ({"purpose": "assistant"}, "property purpose should not exist"),
    ],
    ids=["name-too-long", "name-empty", "purpose"],
)
async def test_only_the_name_can_change(
    client: httpx.AsyncClient, body: dict[str, Any], message: str
) -> None:
    uploaded = await _upload(client)
    assert message in _bad_request(await client.patch(f"/file/{uploaded['id']}", json=body))
    assert (await client.get(f"/file/{uploaded['id']}")).json() == uploaded


async def test_missing_file_is_a_404(client: httpx.AsyncClient) -> None:
    missing = uuid.uuid4()
    for method, path in [
        ("GET", f"/file/{missing}"),
        ("GET", f"/file/{missing}/content"),
        ("PATCH", f"/file/{missing}"),
        ("DELETE", f"/file/{missing}"),
    ]:
        kwargs: dict[str, Any] = {"json": {"name": "x"}} if method == "PATCH" else {}
        response = await client.request(method, path, **kwargs)
        assert response.status_code == 404, (method, path)
        assert response.json() == {
            "message": "File not found",
            "error": "Not Found",
            "statusCode": 404,
        }
    assert (await client.get("/file/not-a-uuid")).status_code == 400


async def test_missing_key_is_a_401(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.post("/file", files={"file": ("a.txt", b"x")})
    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"


async def test_another_orgs_file_is_a_404_and_unchanged(
    client: httpx.AsyncClient, other_key: str
) -> None:
    mine = await _upload(client)
    other = {"Authorization": f"Bearer {other_key}"}
    for method, path in [
        ("GET", f"/file/{mine['id']}"),
        ("GET", _local(mine["url"], client)),
        ("PATCH", f"/file/{mine['id']}"),
        ("DELETE", f"/file/{mine['id']}"),
    ]:
        kwargs: dict[str, Any] = {"json": {"name": "theirs"}} if method == "PATCH" else {}
        response = await client.request(method, path, headers=other, **kwargs)
        assert response.status_code == 404, (method, path)
    assert (await client.get("/file", headers=other)).json() == []
    assert (await client.get(f"/file/{mine['id']}")).json() == mine
    assert _on_disk(mine["key"]).read_bytes() == CONTENT


async def test_a_failed_commit_leaves_no_bytes_behind(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(self: AsyncSession) -> None:
        raise RuntimeError("the database went away")

    before = _stored_files()
    monkeypatch.setattr(AsyncSession, "commit", refuse)
    # A connection of its own: the server closes it after a 500 (which it logs at length).
    async with httpx.AsyncClient(base_url=client.base_url, headers=client.headers) as once:
        response = await once.post("/file", files={"file": ("a.txt", b"x")}, timeout=60)
    monkeypatch.undo()
    assert response.status_code == 500
    assert _stored_files() == before
    assert (await client.get("/file")).json() == []
