"""A custom LLM's `model.url` goes through the SSRF guard as its requests are sent (a chat has
no create-time check): on a private address, the chat fails and the model is never asked."""

from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.fake_llm import FakeLLM
from tests.integration.control.chat.test_chat import model
from voxgate.config import get_settings

pytestmark = pytest.mark.db


@pytest.fixture
def no_allowlist(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("VOXGATE_URL_ALLOWLIST", "")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


async def test_a_chat_whose_model_is_on_loopback_fails_unasked(
    client: httpx.AsyncClient, llm: FakeLLM, no_allowlist: None
) -> None:
    body = {"assistant": {"model": model(llm)}, "input": "Will it rain?"}
    response = await client.post("/chat", json=body)
    assert response.status_code == 502, response.text
    assert llm.requests == []
    assert (await client.get("/chat")).json()["results"] == []
