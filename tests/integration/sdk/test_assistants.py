"""The official Python SDK (vapi-server-sdk 3.0.0), pointed at voxgate, manages assistants."""

import pytest
from vapi import Vapi
from vapi.core.api_error import ApiError

from tests.support.server import LiveServer

pytestmark = pytest.mark.db


def test_sdk_assistant_lifecycle(live_server: LiveServer, api_key: str) -> None:
    vapi = Vapi(token=api_key, base_url=live_server.url)
    created = vapi.assistants.create(
        name="Support",
        first_message="Hi there",
        model={"provider": "openai", "model": "gpt-4o", "temperature": 0.5},  # type: ignore[arg-type]
        voice={"provider": "11labs", "voice_id": "burt"},  # type: ignore[arg-type]
    )
    assert created.name == "Support" and created.id

    assert vapi.assistants.get(created.id).first_message == "Hi there"
    assert [a.id for a in vapi.assistants.list(limit=10)] == [created.id]

    updated = vapi.assistants.update(created.id, name="Support 2")
    assert updated.name == "Support 2"
    assert updated.model is not None and updated.model.provider == "openai"  # type: ignore[union-attr]

    assert vapi.assistants.delete(created.id).id == created.id
    with pytest.raises(ApiError) as missing:
        vapi.assistants.get(created.id)
    assert missing.value.status_code == 404


def test_sdk_sees_401_with_a_wrong_key(live_server: LiveServer) -> None:
    vapi = Vapi(token="00000000-0000-4000-8000-000000000000", base_url=live_server.url)
    with pytest.raises(ApiError) as denied:
        vapi.assistants.list()
    assert denied.value.status_code == 401
