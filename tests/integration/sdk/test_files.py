"""The official Python SDK (vapi-server-sdk 3.0.0), pointed at voxgate, manages files."""

import json

import httpx
import pytest
from vapi import Vapi
from vapi.core.api_error import ApiError

from tests.support.server import LiveServer
from voxgate.config import get_settings

pytestmark = pytest.mark.db

CONTENT = b"Opening hours: 9 to 17, Monday to Friday.\n"


def test_sdk_file_lifecycle(live_server: LiveServer, api_key: str) -> None:
    vapi = Vapi(token=api_key, base_url=live_server.url)
    created = vapi.files.create(
        file=("hours.txt", CONTENT, "text/plain"),
        purpose="knowledge-base-v2",
        metadata=json.dumps({"team": "ops"}),
    )
    assert created.id and created.object == "file" and created.status == "done"
    assert created.name == "hours.txt" and created.bytes == len(CONTENT)
    assert created.purpose == "knowledge-base-v2" and created.metadata == {"team": "ops"}
    assert created.url is not None

    # The record's url serves the bytes to the same key.
    content_path = created.url.removeprefix(get_settings().public_url)
    download = httpx.get(
        live_server.url + content_path, headers={"Authorization": f"Bearer {api_key}"}
    )
    assert download.status_code == 200 and download.content == CONTENT

    assert vapi.files.get(created.id).original_name == "hours.txt"
    assert [f.id for f in vapi.files.list()] == [created.id]
    assert [f.id for f in vapi.files.list(purpose="assistant")] == []

    updated = vapi.files.update(created.id, name="Opening hours")
    assert updated.name == "Opening hours" and updated.original_name == "hours.txt"

    assert vapi.files.delete(created.id).id == created.id
    with pytest.raises(ApiError) as missing:
        vapi.files.get(created.id)
    assert missing.value.status_code == 404


def test_sdk_upload_of_bare_bytes(live_server: LiveServer, api_key: str) -> None:
    vapi = Vapi(token=api_key, base_url=live_server.url)
    created = vapi.files.create(file=CONTENT)
    assert created.bytes == len(CONTENT) and created.original_name
    assert "purpose" not in created.model_dump(exclude_none=True)
