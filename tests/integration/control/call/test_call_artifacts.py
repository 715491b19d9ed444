"""The call-artifact downloads with no call running: what is absent, whose it is, what is there."""

import uuid

import httpx
import pytest

from tests.integration.control.call.test_call_crud import make_call
from voxgate.control.call.artifact_store import artifact_path, save_artifact

pytestmark = pytest.mark.db

ARTIFACTS = (
    "mono-recording",
    "stereo-recording",
    "customer-recording",
    "assistant-recording",
    "call-logs",
)
ABSENT = {"message": "Artifact not found", "error": "Not Found", "statusCode": 404}


async def test_a_call_that_has_not_run_has_no_artifacts(client: httpx.AsyncClient) -> None:
    call = await make_call(client)
    for name in ARTIFACTS:
        response = await client.get(f"/call/{call['id']}/{name}")
        assert response.status_code == 404, name
        assert response.json() == ABSENT


async def test_unknown_malformed_and_unauthenticated(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    unknown = await client.get(f"/call/{uuid.uuid4()}/mono-recording")
    assert unknown.status_code == 404
    assert unknown.json() == {"message": "Call not found", "error": "Not Found", "statusCode": 404}
    assert (await client.get("/call/not-a-uuid/call-logs")).status_code == 400
    call = await make_call(client)
    assert (await anonymous.get(f"/call/{call['id']}/stereo-recording")).status_code == 401


async def test_a_stored_artifact_is_served_to_its_org_only(
    client: httpx.AsyncClient, live_server: object, other_key: str
) -> None:
    call = await make_call(client)
    wav = b"RIFF....WAVEfmt "  # the bytes are served as stored, whatever they are
    url = await save_artifact(call["id"], "customer-recording", wav)
    assert url == f"https://voxgate.test/call/{call['id']}/customer-recording"
    response = await client.get(f"/call/{call['id']}/customer-recording")
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/wav"
    assert response.content == wav
    await save_artifact(call["id"], "call-logs", b'{"message": "hello"}\n')
    logs = await client.get(f"/call/{call['id']}/call-logs")
    assert logs.status_code == 200 and logs.json() == {"message": "hello"}
    assert (await client.get(f"/call/{call['id']}/mono-recording")).status_code == 404

    headers = {"Authorization": f"Bearer {other_key}"}
    async with httpx.AsyncClient(base_url=str(client.base_url), headers=headers) as stranger:
        refused = await stranger.get(f"/call/{call['id']}/customer-recording")
    assert refused.status_code == 404
    assert refused.json()["message"] == "Call not found"


async def test_deleting_a_call_deletes_its_artifacts(client: httpx.AsyncClient) -> None:
    call = await make_call(client)
    await save_artifact(call["id"], "mono-recording", b"RIFF")
    assert artifact_path(call["id"], "mono-recording").is_file()
    assert (await client.delete(f"/call/{call['id']}")).status_code == 200
    assert not artifact_path(call["id"], "mono-recording").exists()
