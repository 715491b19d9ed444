"""`POST /chat/responses`: a chat answered as OpenAI's Responses API answers, checked against
Vapi's schemas and driven by OpenAI's own Python client."""

import json
from typing import Any

import httpx
import pytest
from openai import AsyncOpenAI

from tests.e2e.conftest import REPLY
from tests.e2e.fake_llm import FakeLLM
from tests.integration.control.chat.test_chat import saved_assistant
from tests.support.reference import assert_matches
from tests.support.server import LiveServer

pytestmark = pytest.mark.db


def events(response: httpx.Response) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for block in filter(None, response.text.split("\n\n")):
        kind, data = block.split("\n")
        found.append((kind.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return found


async def test_a_streamed_response_sends_deltas_then_done_and_completed(
    client: httpx.AsyncClient, llm: FakeLLM
) -> None:
    assistant_id = await saved_assistant(client, llm)
    response = await client.post(
        "/chat/responses", json={"assistantId": assistant_id, "input": "Rain?", "model": "gpt-4o"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    sent = events(response)
    *deltas, (done_kind, done), (completed_kind, completed) = sent
    assert len(deltas) > 1
    for kind, event in deltas:
        assert kind == event["type"] == "response.output_text.delta"
        assert_matches(event, "ResponseTextDeltaEvent")
    assert "".join(event["delta"] for _, event in deltas) == REPLY
    assert done_kind == "response.output_text.done" and done["text"] == REPLY
    assert_matches(done, "ResponseTextDoneEvent")
    assert completed_kind == "response.completed"
    assert_matches(completed, "ResponseCompletedEvent")
    assert [event["sequence_number"] for _, event in sent] == list(range(len(sent)))

    # A response is a chat: stored under the response's id, continued by previousChatId.
    chat_id = completed["response"]["id"]
    stored = (await client.get(f"/chat/{chat_id}")).json()
    assert stored["output"] == [{"role": "assistant", "content": REPLY}]
    body = {"previousChatId": chat_id, "input": "Sure?", "stream": False}
    again = await client.post("/chat/responses", json=body)
    assert again.status_code == 201, again.text
    assert_matches(again.json(), "ResponseObject")
    assert [m["content"] for m in llm.requests[-1]["messages"][1:]] == ["Rain?", REPLY, "Sure?"]


async def test_a_model_failing_mid_answer_ends_the_stream_with_an_error_event(
    client: httpx.AsyncClient, llm: FakeLLM
) -> None:
    assistant_id = await saved_assistant(client, llm)
    llm.fail_after_words = 2
    response = await client.post(
        "/chat/responses", json={"assistantId": assistant_id, "input": "?"}
    )
    assert response.status_code == 200
    *deltas, (kind, error) = events(response)
    assert "".join(event["delta"] for _, event in deltas) == " ".join(REPLY.split(" ")[:2])
    assert kind == error["type"] == "error"
    assert_matches(error, "ResponseErrorEvent")
    assert "fake failure mid-stream" in error["message"]
    assert (await client.get("/chat")).json()["results"] == []  # nothing stored


async def test_openais_client_reads_voxgate_responses(
    live_server: LiveServer, api_key: str, client: httpx.AsyncClient, llm: FakeLLM
) -> None:
    assistant_id = await saved_assistant(client, llm)
    openai = AsyncOpenAI(api_key=api_key, base_url=f"{live_server.url}/chat", max_retries=0)
    extra = {"assistantId": assistant_id}

    whole = await openai.responses.create(
        model="gpt-4o", input="Rain?", stream=False, extra_body=extra
    )
    assert whole.output_text == REPLY

    stream = await openai.responses.create(
        model="gpt-4o", input="Rain?", stream=True, previous_response_id=whole.id, extra_body=extra
    )
    kinds, text = [], ""
    async for event in stream:
        kinds.append(event.type)
        if event.type == "response.output_text.delta":
            text += event.delta
    assert text == REPLY
    assert kinds[-2:] == ["response.output_text.done", "response.completed"]
    assert [m["content"] for m in llm.requests[-1]["messages"][1:]] == ["Rain?", REPLY, "Rain?"]
    await openai.close()


async def test_bad_responses_requests_are_400s(client: httpx.AsyncClient, llm: FakeLLM) -> None:
    assistant_id = await saved_assistant(client, llm)
    both = {"assistantId": assistant_id, "input": "Hi", "previousChatId": assistant_id,
            "previous_response_id": assistant_id}  # fmt: skip
    response = await client.post("/chat/responses", json=both)
    assert response.status_code == 400
    assert "Only one of `previousChatId` and `previous_response_id`" in response.json()["message"]
    response = await client.post("/chat/responses", json={"input": "Hi"})
    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"
    assert llm.requests == []
