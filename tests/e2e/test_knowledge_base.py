"""A custom knowledge base (`model.knowledgeBase`): before each turn its server is sent a
`knowledge-base-request`; the documents it returns reach the LLM for that turn, and a `message`
it returns is spoken instead of asking the LLM."""

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.caller import Caller
from tests.e2e.fake_llm import FakeLLM
from tests.e2e.test_websocket_call import GREETING, dial, ended, fake_model, new_call, socket_url
from tests.support.fake_webhook import FakeWebhook, fake_webhook
from tests.support.reference import assert_matches
from tests.support.server import LiveServer
from voxgate.engine.knowledge_base import DOCUMENTS_HEADING

pytestmark = pytest.mark.db
PROMPT = "You are the front desk of a small hotel."
DOCUMENT = "Breakfast is served from 7 to 10 in the garden room."


@pytest.fixture
def knowledge_base() -> Iterator[FakeWebhook]:
    with fake_webhook() as fake:
        yield fake


def with_knowledge_base(llm: FakeLLM, server: FakeWebhook) -> dict[str, Any]:
    messages = [{"role": "system", "content": PROMPT}]
    base = {"provider": "custom-knowledge-base", "server": {"url": server.url}}
    return fake_model(llm, messages=messages, knowledgeBase=base)


async def ask(caller: Caller, text: str) -> None:
    asked = time.monotonic()
    question = {"role": "user", "content": text}
    await caller.ws.send(json.dumps({"type": "add-message", "message": question}))
    await caller.quiet(after=asked)


async def test_documents_reach_the_llm_for_that_turn_only(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM,
    knowledge_base: FakeWebhook,
) -> None:  # fmt: skip
    answers = iter([{"documents": [{"content": DOCUMENT, "similarity": 0.92, "uuid": "d1"}]},
                    {"documents": []}])  # fmt: skip
    knowledge_base.answers["knowledge-base-request"] = lambda _message: next(answers)
    call = await new_call(client, llm, model=with_knowledge_base(llm, knowledge_base))
    async with dial(socket_url(live_server, call)) as caller:
        await caller.greeted()
        await ask(caller, "When is breakfast?")
        await ask(caller, "Is there parking?")
    await ended(client, call["id"])

    first, second = (r.message for r in knowledge_base.of_type("knowledge-base-request"))
    assert_matches(first, "ServerMessageKnowledgeBaseRequest")
    assert first["messagesOpenAIFormatted"] == [
        {"role": "system", "content": PROMPT},
        {"role": "assistant", "content": GREETING},
        {"role": "user", "content": "When is breakfast?"},
    ]
    assert [(m["role"], m["message"]) for m in first["messages"]][-2:] == [
        ("bot", GREETING), ("user", "When is breakfast?")
    ]  # fmt: skip
    assert second["messagesOpenAIFormatted"][-1] == {"role": "user", "content": "Is there parking?"}

    asked = [r for r in llm.requests if r.get("stream") is not False]
    assert len(asked) == 2
    documents = {"role": "system", "content": f"{DOCUMENTS_HEADING}\n\n{DOCUMENT}"}
    assert asked[0]["messages"][-2:] == [
        documents,
        {"role": "user", "content": "When is breakfast?"},
    ]
    assert documents not in asked[1]["messages"]


async def test_a_message_is_spoken_and_the_llm_is_not_asked(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM,
    knowledge_base: FakeWebhook,
) -> None:  # fmt: skip
    spoken = "Please hold while I find a manager."
    knowledge_base.answers["knowledge-base-request"] = {
        "documents": [], "message": {"type": "custom-message", "content": spoken}
    }  # fmt: skip
    call = await new_call(client, llm, model=with_knowledge_base(llm, knowledge_base))
    async with dial(socket_url(live_server, call)) as caller:
        await caller.greeted()
        await ask(caller, "I want to complain.")
    stored = await ended(client, call["id"])
    assert [r for r in llm.requests if r.get("stream") is not False] == []
    bot = [m["message"] for m in stored["artifact"]["messages"] if m["role"] == "bot"]
    assert bot == [GREETING, spoken]


async def test_without_a_reply_the_turn_goes_on_as_usual(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM,
    knowledge_base: FakeWebhook,
) -> None:  # fmt: skip
    knowledge_base.status = 500
    call = await new_call(client, llm, model=with_knowledge_base(llm, knowledge_base))
    async with dial(socket_url(live_server, call)) as caller:
        await caller.greeted()
        await ask(caller, "When is breakfast?")
    await ended(client, call["id"])
    asked = [r for r in llm.requests if r.get("stream") is not False]
    assert len(asked) == 1 and asked[0]["messages"][-1]["content"] == "When is breakfast?"
