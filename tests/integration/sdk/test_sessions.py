"""The official Python SDK (vapi-server-sdk 3.0.0), pointed at voxgate, keeps a conversation in a
session across chats."""

import pytest
from vapi import Vapi
from vapi.core.api_error import ApiError

from tests.e2e.conftest import REPLY
from tests.e2e.fake_llm import FakeLLM
from tests.support.server import LiveServer

pytestmark = pytest.mark.db


def test_sdk_session_lifecycle(live_server: LiveServer, api_key: str, llm: FakeLLM) -> None:
    vapi = Vapi(token=api_key, base_url=live_server.url)
    model = {"provider": "custom-llm", "model": "fake-model", "url": llm.url}  # type: ignore[attr-defined]
    assistant = vapi.assistants.create(name="Weather", model=model)

    session = vapi.sessions.create(assistant_id=assistant.id, name="Ada", expiration_seconds=3600)
    assert (session.status, session.expiration_seconds) == ("active", 3600)
    vapi.chats.create(session_id=session.id, input="Hi, I'm Ada.")
    vapi.chats.create(session_id=session.id, input="Who am I?")
    assert [m["content"] for m in llm.requests[-1]["messages"]] == [
        "Hi, I'm Ada.", REPLY, "Who am I?"
    ]  # fmt: skip

    assert [s.id for s in vapi.sessions.list(name="Ada").results] == [session.id]
    assert len(vapi.sessions.get(session.id).messages) == 4
    assert vapi.sessions.update(session.id, status="completed").status == "completed"
    with pytest.raises(ApiError) as refused:
        vapi.chats.create(session_id=session.id, input="Still there?")
    assert refused.value.status_code == 400

    assert vapi.sessions.delete(session.id).id == session.id
    with pytest.raises(ApiError) as missing:
        vapi.sessions.get(session.id)
    assert missing.value.status_code == 404
