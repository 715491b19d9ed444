"""Post-call analysis over a real call: the caller talks, hangs up, and `call.analysis` appears,
made by the assistant's own LLM (the fake) from the call's transcript."""

import time
from typing import Any

import httpx
import jsonschema
import pytest

from tests.e2e.caller import fixture_pcm
from tests.e2e.conftest import ANTHROPIC_REPLY, calls_settled
from tests.e2e.fake_anthropic import FakeAnthropic
from tests.e2e.fake_llm import FakeLLM, asking
from tests.e2e.test_websocket_call import dial, ended, new_call, socket_url
from tests.support.reference import assert_matches
from tests.support.server import LiveServer
from voxgate.engine.analysis import analyze
from voxgate.engine.analysis_prompts import (
    STRUCTURED_DATA_PROMPT,
    SUCCESS_EVALUATION_PROMPT,
    SUMMARY_PROMPT,
)

pytestmark = pytest.mark.db

SUMMARY = "The caller asked about the weather and was told it is sunny."
SCHEMA = {
    "type": "object",
    "properties": {"topic": {"type": "string"}, "booked": {"type": "boolean"}},
    "required": ["topic", "booked"],
}


def analysis_requests(llm: FakeLLM) -> list[dict[str, Any]]:
    """What the call asked after it ended: one-shot requests, not the turn's stream."""
    return [body for body in llm.requests if body.get("stream") is False]


def said(body: dict[str, Any]) -> str:
    """The text of a request's messages (a string each, or Anthropic's text blocks)."""
    texts = []
    for message in body["messages"]:
        content = message["content"]
        blocks = content if isinstance(content, list) else [{"text": content}]
        texts += [str(block.get("text")) for block in blocks]
    return "\n".join(texts)


async def call_with_one_turn(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, **fields: Any
) -> dict[str, Any]:
    """The caller asks one question, hears the answer and hangs up; returns the call once its
    session is over (its end written and its analysis done)."""
    call = await new_call(client, llm, **fields)
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        await caller.speak(fixture_pcm("weather-today.wav"))
        spoke = time.monotonic()
        while caller.first_audio_after(spoke) is None and time.monotonic() - spoke < 10:
            await caller.speak(b"\x00" * 640)  # a microphone keeps sending
        await caller.quiet()
    await ended(client, call["id"])
    await calls_settled()
    stored: dict[str, Any] = (await client.get(f"/call/{call['id']}")).json()
    return stored


async def test_summary_structured_data_and_success_are_stored_on_the_call(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    # The default prompts, up to their first variable (the rest is rendered for the call).
    llm.script(asking(SUMMARY_PROMPT), SUMMARY)
    fenced = '```json\n{"topic": "weather", "booked": false}\n```'
    llm.script(asking(STRUCTURED_DATA_PROMPT.partition("{{")[0]), fenced)
    llm.script(asking(SUCCESS_EVALUATION_PROMPT.partition("{{")[0]), "true")
    plan = {"structuredDataPlan": {"enabled": True, "schema": SCHEMA}}
    stored = await call_with_one_turn(client, live_server, llm, analysisPlan=plan)

    assert stored["status"] == "ended"
    assert stored["analysis"] == {
        "summary": SUMMARY,
        "structuredData": {"topic": "weather", "booked": False},
        "successEvaluation": "true",
    }
    jsonschema.validate(stored["analysis"]["structuredData"], SCHEMA)
    assert_matches(stored, "Call")
    # The model was shown the call's transcript, as stored, in every part's prompt.
    transcript = stored["artifact"]["transcript"]
    assert "User: " in transcript
    asked = analysis_requests(llm)
    assert len(asked) == 3
    assert all(transcript in said(body) for body in asked)
    assert all(body["model"] == "fake-model" for body in asked)  # the assistant's own model


async def test_a_plan_with_every_part_disabled_asks_nothing(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    plan = {"summaryPlan": {"enabled": False}, "successEvaluationPlan": {"enabled": False},
            "structuredDataPlan": {"enabled": False, "schema": SCHEMA}}  # fmt: skip
    stored = await call_with_one_turn(client, live_server, llm, analysisPlan=plan)
    assert stored["artifact"]["transcript"].count("AI: ") == 2  # the turn happened
    assert llm.requests and analysis_requests(llm) == []
    assert "analysis" not in stored


async def test_an_llm_failing_the_analysis_costs_only_the_analysis(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    llm.script(lambda body: body.get("stream") is False, status=500)
    stored = await call_with_one_turn(client, live_server, llm)
    assert analysis_requests(llm)  # it was asked, and failed
    assert stored["status"] == "ended" and stored["endedReason"] == "customer-ended-call"
    assert "User: " in stored["artifact"]["transcript"]
    assert "analysis" not in stored
    assert_matches(stored, "Call")


ARTIFACT = {
    "transcript": "AI: Hello, front desk.\nUser: Is breakfast included?\nAI: Yes, until ten.",
    "messages": [{"role": "bot"}, {"role": "user"}, {"role": "bot"}],
}


async def test_an_anthropic_assistant_is_analysed_by_anthropic(anthropic: FakeAnthropic) -> None:
    """Each vendor's one-shot request, not only OpenAI's: the Messages API without `stream`."""
    anthropic.reply = "false"
    model = {"provider": "anthropic", "model": "claude-sonnet-4-5", "messages": [
        {"role": "system", "content": "You are the front desk."}]}  # fmt: skip
    assistant = {"model": model, "credentials": [{"provider": "anthropic", "apiKey": "sk-ant"}]}
    try:
        analysis = await analyze(assistant, ARTIFACT, "customer-ended-call")
    finally:
        anthropic.reply = ANTHROPIC_REPLY
    assert analysis == {"summary": "false", "successEvaluation": "false"}
    assert len(anthropic.requests) == 2
    for body in anthropic.requests:
        assert "stream" not in body or body["stream"] is False
        assert ARTIFACT["transcript"] in said(body)
        assert "front desk." not in str(body.get("system"))  # the analysis prompt, not the call's
