"""The fault matrix's cases no other module covers (docs/faults.md maps every fault to its
endedReason and its test): a webhook server that is down, slow or answering garbage, an LLM
stream that breaks off mid-reply, a caller whose connection drops while the assistant speaks,
and malformed frames on the call socket. Each case checks the stored end (Vapi's reason, the
artifacts, nothing left `in-progress`) and that the server takes the next call as usual."""

import asyncio
import contextlib
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.e2e.caller import loudness, seconds
from tests.e2e.conftest import REPLY
from tests.e2e.fake_llm import FakeLLM
from tests.e2e.test_assistant_request import routed_call, set_org_server
from tests.e2e.test_server_messages import deliveries
from tests.e2e.test_tool_faults import closed_port_url
from tests.e2e.test_websocket_call import GREETING, dial, ended, new_call, socket_url
from tests.support.fake_webhook import FakeWebhook, fake_webhook
from tests.support.reference import assert_matches
from tests.support.server import LiveServer

pytestmark = pytest.mark.db
GARBAGE = "<html>502 Bad Gateway</html>"


@pytest.fixture
def webhook() -> Iterator[FakeWebhook]:
    with fake_webhook() as fake:
        yield fake


async def assert_ended_with_artifacts(
    client: httpx.AsyncClient, call_id: str, reason: str
) -> dict[str, Any]:
    """The call as stored: ended with `reason`, its greeting in the transcript and messages,
    its recording downloadable."""
    stored = await ended(client, call_id)
    assert_matches(stored, "Call")
    assert stored["endedReason"] == reason
    artifact = stored["artifact"]
    assert artifact["transcript"].startswith(f"AI: {GREETING}")
    assert next(m["message"] for m in artifact["messages"] if m["role"] == "bot") == GREETING
    recording = await client.get(f"/call/{call_id}/mono-recording")
    assert recording.status_code == 200 and len(recording.content) > 16000  # > 0.5 s of audio
    return stored


async def assert_still_serving(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    """A new call right after the fault greets its caller and ends as a hang-up."""
    call = await new_call(client, llm)
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
    assert loudness(caller.audio_since(0)) > 300
    assert (await ended(client, call["id"]))["endedReason"] == "customer-ended-call"


@pytest.mark.parametrize("fault", ["down", "slow", "garbage"])
async def test_an_assistant_server_that_fails_leaves_the_call_untouched(
    client: httpx.AsyncClient,
    live_server: LiveServer,
    llm: FakeLLM,
    webhook: FakeWebhook,
    fault: str,
) -> None:
    url = closed_port_url() if fault == "down" else webhook.url
    webhook.delay = 3 if fault == "slow" else 0  # beyond its timeoutSeconds
    for kind in ("status-update", "conversation-update", "speech-update", "end-of-call-report"):
        webhook.answers[kind] = GARBAGE
    plan = {"type": "fixed", "maxRetries": 1, "baseDelaySeconds": 0.2}
    server = {"url": url, "timeoutSeconds": 1, "backoffPlan": plan}
    call = await new_call(client, llm, server=server)
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
    await assert_ended_with_artifacts(client, call["id"], "customer-ended-call")

    rows = await deliveries(call["id"])
    assert rows and all(row.status != "pending" for row in rows)
    if fault == "garbage":  # nothing is read from these answers: a 200 is delivered
        assert all(row.status == "delivered" for row in rows)
        assert webhook.of_type("end-of-call-report")
    else:
        assert all(row.status == "failed" for row in rows)
    await assert_still_serving(client, live_server, llm)


async def test_an_assistant_request_server_that_is_down_fails_the_call(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, webhook: FakeWebhook
) -> None:
    # (Slow and garbage: test_assistant_request.py.)
    call = await routed_call(client, webhook)
    await set_org_server(client, {"url": closed_port_url()})
    async with dial(socket_url(live_server, call)) as caller:
        await asyncio.wait_for(caller.closed.wait(), 20)
    stored = await ended(client, call["id"])
    assert stored["endedReason"] == "assistant-request-failed"
    assert "startedAt" not in stored  # it never talked
    rows = await deliveries(call["id"])
    request = [row for row in rows if row.type == "assistant-request"]
    assert [(row.status, row.last_status_code) for row in request] == [("failed", None)]
    await set_org_server(client, None)
    await assert_still_serving(client, live_server, llm)


async def test_an_llm_stream_that_breaks_off_mid_reply_ends_the_call(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    llm.fail_after_words = 3  # "It is sunny" and then OpenAI's error chunk
    call = await new_call(client, llm)
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        question = {"role": "user", "content": "How is the weather?"}
        await caller.ws.send(json.dumps({"type": "add-message", "message": question}))
        await caller.silence_until_closed(limit=20)
    assert caller.closed.is_set(), "the call did not end"
    reason = "pipeline-error-custom-llm-llm-failed"
    assert caller.of_type("status-update")[-1]["endedReason"] == reason
    stored = await assert_ended_with_artifacts(client, call["id"], reason)
    assert REPLY not in stored["artifact"]["transcript"]  # the broken reply was not finished
    llm.fail_after_words = None
    await assert_still_serving(client, live_server, llm)


async def test_an_llm_that_does_not_answer_in_time_ends_the_call(
    client: httpx.AsyncClient,
    live_server: LiveServer,
    llm: FakeLLM,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VOXGATE_LLM_TIMEOUT_SECONDS", "1")
    llm.stall = 20  # no byte back: the client's read timeout fires, retries included
    call = await new_call(client, llm)
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        question = {"role": "user", "content": "How is the weather?"}
        await caller.ws.send(json.dumps({"type": "add-message", "message": question}))
        await caller.silence_until_closed(limit=15)
    assert caller.closed.is_set(), "the call did not end"
    reason = "pipeline-error-custom-llm-llm-failed"
    assert caller.of_type("status-update")[-1]["endedReason"] == reason
    await assert_ended_with_artifacts(client, call["id"], reason)
    llm.stall = 0
    await assert_still_serving(client, live_server, llm)


async def test_a_caller_who_drops_mid_sentence_ends_the_call_as_a_hang_up(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    long_greeting = " ".join([GREETING] * 4)
    call = await new_call(client, llm, firstMessage=long_greeting)
    async with dial(socket_url(live_server, call)) as caller:
        while seconds(caller.audio_since(0)) < 1:  # the assistant is mid-sentence
            await asyncio.sleep(0.05)
        caller.ws.transport.abort()  # the connection drops: no closing handshake
        await asyncio.wait_for(caller.closed.wait(), 5)
    stored = await ended(client, call["id"])
    assert_matches(stored, "Call")
    assert stored["endedReason"] == "customer-ended-call"
    assert stored["artifact"]["messages"][0]["role"] == "system"
    recording = await client.get(f"/call/{call['id']}/mono-recording")
    assert recording.status_code == 200 and len(recording.content) > 16000
    await assert_still_serving(client, live_server, llm)


async def test_malformed_frames_are_ignored_and_the_call_goes_on(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    call = await new_call(client, llm)
    async with dial(socket_url(live_server, call), max_size=None) as caller:
        await caller.quiet()
        for junk in ("{not json", "[]", "null", '"say"', '{"type": 42}', '{"type": "no-such"}',
                     '{"type": "say"}', '{"type": "add-message", "message": "hi"}'):  # fmt: skip
            await caller.ws.send(junk)
        await caller.ws.send(b"\x01\x02\x03")  # an odd byte count: half a sample
        await caller.ws.send(b"\x01")
        await caller.ws.send(bytes(2 * 16000 * 30 + 1))  # 30 s of silence in one frame, odd
        await caller.speak(b"\x00" * 6400)
        asked = time.monotonic()
        question = {"role": "user", "content": "How is the weather?"}
        await caller.ws.send(json.dumps({"type": "add-message", "message": question}))
        await caller.quiet(after=asked)
        answer = caller.audio_since(asked)
    assert seconds(answer) > 1 and loudness(answer) > 300  # the call still talks
    stored = await assert_ended_with_artifacts(client, call["id"], "customer-ended-call")
    assert stored["artifact"]["transcript"].endswith(f"AI: {REPLY}")
    await assert_still_serving(client, live_server, llm)


async def test_a_frame_beyond_the_servers_limit_ends_the_call_as_a_hang_up(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    call = await new_call(client, llm)
    async with dial(socket_url(live_server, call), max_size=None) as caller:
        await caller.quiet()
        with contextlib.suppress(ConnectionClosed):
            await caller.ws.send(bytes(17 * 1024 * 1024))  # uvicorn's limit is 16 MiB
        await asyncio.wait_for(caller.closed.wait(), 15)
    assert caller.close_code == 1009  # message too big
    await assert_ended_with_artifacts(client, call["id"], "customer-ended-call")
    await assert_still_serving(client, live_server, llm)
