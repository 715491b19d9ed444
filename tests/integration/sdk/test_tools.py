"""The official Python SDK (vapi-server-sdk 3.0.0), pointed at voxgate, manages tools."""

import pytest
from vapi import Vapi
from vapi.core.api_error import ApiError
from vapi.tools import (
    CreateToolsRequest_ApiRequest,
    CreateToolsRequest_Function,
    UpdateToolsRequestBody_Function,
)

from tests.support.server import LiveServer

pytestmark = pytest.mark.db


def test_sdk_tool_lifecycle(live_server: LiveServer, api_key: str) -> None:
    vapi = Vapi(token=api_key, base_url=live_server.url)
    created = vapi.tools.create(
        request=CreateToolsRequest_Function(
            function={
                "name": "get_weather",
                "description": "Weather for a city",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            },
            server={"url": "https://example.com/tools"},
            async_=False,
        )
    )
    assert created.type == "function" and created.id
    assert created.function is not None and created.function.name == "get_weather"

    fetched = vapi.tools.get(created.id)
    assert fetched.type == "function" and fetched.id == created.id

    api = vapi.tools.create(
        request=CreateToolsRequest_ApiRequest(method="POST", url="https://example.com/book")
    )
    assert api.type == "apiRequest" and api.url == "https://example.com/book"
    assert [t.id for t in vapi.tools.list(limit=10)] == [api.id, created.id]

    # The SDK sends `type` with every update: the stored one is accepted.
    updated = vapi.tools.update(created.id, request=UpdateToolsRequestBody_Function(async_=True))
    assert updated.type == "function" and updated.async_ is True
    assert updated.function is not None and updated.function.name == "get_weather"

    # Another variant's update body is refused: a tool's type cannot change.
    with pytest.raises(ApiError) as changed:
        vapi.tools.update(api.id, request=UpdateToolsRequestBody_Function(async_=True))
    assert changed.value.status_code == 400
    assert changed.value.body["message"] == ["type must be equal to apiRequest"]

    assert vapi.tools.delete(created.id).id == created.id
    with pytest.raises(ApiError) as missing:
        vapi.tools.get(created.id)
    assert missing.value.status_code == 404
    assert [t.id for t in vapi.tools.list()] == [api.id]
