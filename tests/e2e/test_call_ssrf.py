"""A custom LLM's `model.url` is checked again when the call starts: a call created while the
URL was allowed, whose URL is refused by the time its client connects, ends as
`assistant-not-valid` without asking the model."""

from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.fake_llm import FakeLLM
from tests.e2e.test_websocket_call import dial, ended, fake_model, socket_url
from tests.support.server import LiveServer
from voxgate.config import get_settings

pytestmark = pytest.mark.db


@pytest.fixture
def allowlist(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()


async def test_a_model_url_refused_at_connect_ends_the_call_unstarted(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM,
    allowlist: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    body = {"assistant": {"model": fake_model(llm)}, "transport": {"provider": "vapi.websocket"}}
    created = await client.post("/call", json=body)
    assert created.status_code == 201, created.text
    allowlist.setenv("VOXGATE_URL_ALLOWLIST", "")
    get_settings.cache_clear()
    async with dial(socket_url(live_server, created.json())) as caller:
        await caller.closed.wait()
    stored = await ended(client, created.json()["id"])
    assert stored["endedReason"] == "assistant-not-valid"
    assert llm.requests == []
