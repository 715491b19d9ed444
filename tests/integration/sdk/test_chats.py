"""The official Python SDK (vapi-server-sdk 3.0.0), pointed at voxgate, chats with an assistant."""

import pytest
from vapi import Vapi
from vapi.core.api_error import ApiError

from tests.e2e.conftest import REPLY
from tests.e2e.fake_llm import FakeLLM
from tests.support.server import LiveServer

pytestmark = pytest.mark.db


def test_sdk_chat_lifecycle(live_server: LiveServer, api_key: str, llm: FakeLLM) -> None:
    vapi = Vapi(token=api_key, base_url=live_server.url)
    model = {"provider": "custom-llm", "model": "fake-model", "url": llm.url}  # type: ignore[attr-defined]
    assistant = vapi.assistants.create(name="Weather", model=model)

    first = vapi.chats.create(assistant_id=assistant.id, input="Will it rain?")
    assert first.output[0].content == REPLY
    second = vapi.chats.create(previous_chat_id=first.id, input="And tomorrow?")
    assert second.previous_chat_id == first.id
    assert [m["content"] for m in llm.requests[-1]["messages"]] == [
        "Will it rain?", REPLY, "And tomorrow?"
    ]  # fmt: skip

    page = vapi.chats.list(assistant_id=assistant.id, limit=10)
    assert [chat.id for chat in page.results] == [second.id, first.id]
    assert page.metadata.total_items == 2
    assert vapi.chats.get(first.id).output == first.output

    assert vapi.chats.delete(first.id).id == first.id
    with pytest.raises(ApiError) as missing:
        vapi.chats.get(first.id)
    assert missing.value.status_code == 404
