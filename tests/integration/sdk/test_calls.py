"""The official Python SDK (vapi-server-sdk 3.0.0), pointed at voxgate, manages calls."""

import pytest
from vapi import Vapi
from vapi.core.api_error import ApiError

from tests.support.assistants import MODEL
from tests.support.server import LiveServer

pytestmark = pytest.mark.db


def test_sdk_call_lifecycle(live_server: LiveServer, api_key: str) -> None:
    vapi = Vapi(token=api_key, base_url=live_server.url)
    assistant = vapi.assistants.create(name="Support", first_message="Hi there", model=MODEL)  # type: ignore[arg-type]
    created = vapi.calls.create(
        assistant_id=assistant.id,
        name="Demo",
        transport={
            "provider": "vapi.websocket",
            "audio_format": {"format": "pcm_s16le", "container": "raw", "sample_rate": 16000},
        },  # type: ignore[arg-type]
    )
    assert created.id and created.type == "vapi.websocketCall" and created.status == "queued"  # type: ignore[union-attr]
    call_id: str = created.id  # type: ignore[union-attr]
    transport = created.transport  # type: ignore[union-attr]
    assert transport is not None and transport.provider == "vapi.websocket"
    # Not in Vapi's schema, so the SDK keeps it as an extra, under its wire name.
    assert getattr(transport, "websocketCallUrl") == (  # noqa: B009
        f"wss://voxgate.test/call/{call_id}/transport"
    )
    monitor = created.monitor  # type: ignore[union-attr]
    assert monitor is not None and monitor.control_url == (
        f"https://voxgate.test/call/{call_id}/control"
    )

    fetched = vapi.calls.get(call_id)
    assert fetched.assistant_id == assistant.id and fetched.name == "Demo"
    assert [c.id for c in vapi.calls.list(assistant_id=assistant.id, limit=10)] == [call_id]
    assert vapi.calls.list(id="00000000-0000-4000-8000-000000000000") == []

    assert vapi.calls.update(call_id, name="Renamed").name == "Renamed"

    assert vapi.calls.delete(call_id).id == call_id
    with pytest.raises(ApiError) as missing:
        vapi.calls.get(call_id)
    assert missing.value.status_code == 404


def test_sdk_bulk_delete(live_server: LiveServer, api_key: str) -> None:
    vapi = Vapi(token=api_key, base_url=live_server.url)
    ids = [
        vapi.calls.create(
            assistant={"name": f"a{n}", "model": MODEL},  # type: ignore[arg-type]
            transport={"provider": "vapi.websocket"},  # type: ignore[arg-type]
        ).id  # type: ignore[union-attr]
        for n in range(2)
    ]
    assert vapi.calls.delete(ids[1], ids=ids).id == ids[1]
    assert vapi.calls.list() == []


def test_sdk_sees_the_phone_call_400(live_server: LiveServer, api_key: str) -> None:
    vapi = Vapi(token=api_key, base_url=live_server.url)
    with pytest.raises(ApiError) as refused:
        vapi.calls.create(assistant={"name": "a"}, customer={"number": "+14155550100"})
    assert refused.value.status_code == 400
    assert refused.value.body["message"] == (
        "Couldn't Get Phone Number. Need Either `phoneNumberId` Or `phoneNumber`."
    )
