"""End-to-end calls: the live server, a fake LLM on loopback, and no network at all."""

import asyncio
import os
import time
from collections.abc import Iterator

import pytest

from tests.e2e.fake_anthropic import FakeAnthropic
from tests.e2e.fake_llm import FakeLLM
from tests.support.server import LiveServer
from voxgate.control.call.runner import live_calls
from voxgate.engine.after_call import AFTER_CALL

# A stray model download must fail fast instead of hanging on a network that is not there.
os.environ["HF_HUB_OFFLINE"] = "1"

REPLY = "It is sunny and warm today."


@pytest.fixture(scope="session")
def fake_llm() -> Iterator[FakeLLM]:
    llm = FakeLLM(REPLY)
    with LiveServer(llm.app) as server:
        llm.url = f"{server.url}/v1"  # type: ignore[attr-defined]
        yield llm


async def calls_settled(limit: float = 30.0) -> None:
    """Waits until no call of the test server is running (its end written, its analysis done):
    a call's post-call requests must not reach the next test's fakes."""
    deadline = time.monotonic() + limit
    while (live_calls or AFTER_CALL) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


@pytest.fixture
async def llm(fake_llm: FakeLLM) -> FakeLLM:
    await calls_settled()
    fake_llm.requests.clear()
    fake_llm.status = 200
    fake_llm.tool_call = None
    fake_llm.tool_calls = []
    fake_llm.fail_after_words = None
    fake_llm.stall = 0.0
    fake_llm.scripted.clear()
    return fake_llm


ANTHROPIC_REPLY = "The sun is out all day."


@pytest.fixture(scope="session")
def fake_anthropic() -> Iterator[FakeAnthropic]:
    fake = FakeAnthropic(ANTHROPIC_REPLY)
    with LiveServer(fake.app) as server:
        fake.url = server.url
        yield fake


@pytest.fixture
def anthropic(fake_anthropic: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> FakeAnthropic:
    """The Anthropic fake, reset, with the `anthropic` provider pointed at it (the voxgate
    test server runs in this process, so it sees the setting)."""
    fake_anthropic.requests.clear()
    fake_anthropic.headers.clear()
    fake_anthropic.status = 200
    monkeypatch.setenv("VOXGATE_ANTHROPIC_BASE_URL", fake_anthropic.url)
    return fake_anthropic
