"""End-to-end calls: the live server, a fake LLM on loopback, and no network at all."""

import os
from collections.abc import Iterator

import pytest

from tests.e2e.fake_llm import FakeLLM
from tests.support.server import LiveServer

# A stray model download must fail fast instead of hanging on a network that is not there.
os.environ["HF_HUB_OFFLINE"] = "1"

REPLY = "It is sunny and warm today."


@pytest.fixture(scope="session")
def fake_llm() -> Iterator[FakeLLM]:
    llm = FakeLLM(REPLY)
    with LiveServer(llm.app) as server:
        llm.url = f"{server.url}/v1"  # type: ignore[attr-defined]
        yield llm


@pytest.fixture
def llm(fake_llm: FakeLLM) -> FakeLLM:
    fake_llm.requests.clear()
    fake_llm.status = 200
    fake_llm.tool_call = None
    return fake_llm
