"""What an operator sees of a call: /metrics moving with it, and its log lines (JSON, naming the
call and its org, carrying none of the secrets the call used)."""

import asyncio
import contextlib
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.exceptions import ConnectionClosed

from tests.e2e.caller import Caller, fixture_pcm
from tests.e2e.conftest import calls_settled
from tests.e2e.fake_llm import FakeLLM
from tests.e2e.phone import import_number
from tests.e2e.test_websocket_call import dial, ended, new_call, socket_url
from tests.support.fake_twilio import AUTH_TOKEN, FakeTwilio
from tests.support.fake_webhook import FakeWebhook, fake_webhook
from tests.support.logs import captured_log
from tests.support.server import LiveServer

pytestmark = pytest.mark.db

WEBSOCKET_CALL = "vapi.websocketCall"


@pytest.fixture
def webhook() -> Iterator[FakeWebhook]:
    with fake_webhook() as fake:
        yield fake


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(http: httpx.AsyncClient) -> Samples:
    """Every sample of GET /metrics, parsed with prometheus_client's own parser."""
    response = await http.get("/metrics")
    assert response.status_code == 200
    found: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def delivered(samples: Samples, kind: str) -> float:
    return value(samples, "voxgate_webhook_deliveries_total", type=kind, outcome="delivered")


async def one_turn(caller: Caller) -> None:
    """Hears the greeting, asks about the weather, hears the answer."""
    await caller.quiet()
    await caller.speak(fixture_pcm("weather-today.wav"))
    spoke = time.monotonic()
    while caller.first_audio_after(spoke) is None and time.monotonic() - spoke < 10:
        await caller.speak(b"\x00" * 640)  # a microphone keeps sending
    await caller.quiet()
    assert caller.first_audio_after(spoke) is not None, "no reply audio"


async def test_a_call_moves_the_metrics(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, webhook: FakeWebhook
) -> None:
    before = await scrape(client)
    call = await new_call(client, llm, server={"url": webhook.url})
    async with dial(socket_url(live_server, call)) as caller:
        await one_turn(caller)
        during = await scrape(client)
    stored = await ended(client, call["id"])
    await webhook.wait_for("end-of-call-report")
    await calls_settled()
    after = await scrape(client)
    deadline = time.monotonic() + 10  # the outbox counts a delivery once it has recorded it
    while delivered(after, "end-of-call-report") == delivered(before, "end-of-call-report"):
        assert time.monotonic() < deadline, "the report's delivery was never counted"
        await asyncio.sleep(0.1)
        after = await scrape(client)

    active = "voxgate_active_calls"
    assert (
        value(during, active, type=WEBSOCKET_CALL) == value(before, active, type=WEBSOCKET_CALL) + 1
    )
    assert value(after, active, type=WEBSOCKET_CALL) == value(before, active, type=WEBSOCKET_CALL)
    ended_total = "voxgate_calls_ended_total"
    reason = stored["endedReason"]
    assert reason == "customer-ended-call"
    assert value(after, ended_total, reason=reason) == value(before, ended_total, reason=reason) + 1

    turns = stored["artifact"]["performanceMetrics"]["turnLatencies"]
    count = "voxgate_turn_latency_seconds_count"
    for part, field in (("turn", "turnLatency"), ("model", "modelLatency")):
        expected = sum(1 for turn in turns if field in turn)
        assert expected >= 1
        assert value(after, count, part=part) == value(before, count, part=part) + expected
    total = "voxgate_turn_latency_seconds_sum"
    moved = value(after, total, part="turn") - value(before, total, part="turn")
    assert moved == pytest.approx(sum(turn["turnLatency"] for turn in turns) / 1000, abs=0.01)

    assert delivered(after, "end-of-call-report") == delivered(before, "end-of-call-report") + 1
    requests = "voxgate_http_request_duration_seconds_count"
    created = {"method": "POST", "route": "/call", "status": "201"}
    assert value(after, requests, **created) == value(before, requests, **created) + 1


async def test_a_failing_provider_is_counted(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    llm.status = 500
    errors = {"provider": "custom-llm", "kind": "model"}
    before = await scrape(client)
    call = await new_call(client, llm)
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        with contextlib.suppress(ConnectionClosed):  # the call may end mid-sentence
            await caller.speak(fixture_pcm("weather-today.wav"))
        await caller.silence_until_closed(limit=20)
    reason = (await ended(client, call["id"]))["endedReason"]
    assert reason == "pipeline-error-custom-llm-llm-failed"
    after = await scrape(client)
    name = "voxgate_provider_errors_total"
    assert value(after, name, **errors) >= value(before, name, **errors) + 1
    ended_total = "voxgate_calls_ended_total"
    assert value(after, ended_total, reason=reason) == value(before, ended_total, reason=reason) + 1


async def test_a_call_logs_json_lines_naming_it_and_no_secret(
    client: httpx.AsyncClient,
    api_key: str,
    live_server: LiveServer,
    llm: FakeLLM,
    webhook: FakeWebhook,
    twilio: FakeTwilio,
) -> None:
    webhook_secret, header_secret, llm_key = (
        "whsec-5be1c0d2a9",
        "hdrsec-77f0e4b3c1",
        "llmkey-9d3a61",
    )
    server = {"url": webhook.url, "secret": webhook_secret,
              "headers": {"X-Api-Token": header_secret}}  # fmt: skip
    with captured_log("debug") as log:
        await import_number(client, server=server)  # a carrier's auth token, stored
        call: dict[str, Any] = await new_call(
            client, llm, server=server, credentials=[{"provider": "custom-llm", "apiKey": llm_key}]
        )
        key = {"Authorization": f"Bearer {api_key}"}
        async with dial(socket_url(live_server, call), additional_headers=key) as caller:
            await one_turn(caller)
        stored = await ended(client, call["id"])
        await webhook.wait_for("end-of-call-report")
        await calls_settled()
    call_log = await client.get(f"/call/{call['id']}/call-logs")  # the call's own log
    assert call_log.status_code == 200 and stored["artifact"]["logUrl"]
    # The secrets did their work: the LLM and the webhook server got them.
    assert f"Bearer {llm_key}" in llm.authorizations
    assert webhook.received[-1].headers["x-vapi-secret"] == webhook_secret
    assert webhook.received[-1].headers["x-api-token"] == header_secret

    text = log.getvalue() + call_log.text
    for secret in (api_key, webhook_secret, header_secret, llm_key, AUTH_TOKEN):
        assert secret not in text
    lines = log.lines()  # every line is JSON
    org = call["orgId"]
    of_call = [line for line in lines if line.get("call_id") == call["id"]]
    assert all(line["org_id"] == org for line in of_call)
    assert any(str(line["logger"]).startswith("pipecat") for line in of_call)
    # pipecat's lines are the call's, or the request's that checked its services (POST /call).
    pipecat = [line for line in lines if str(line["logger"]).startswith("pipecat")]
    assert all(line.get("org_id") == org for line in pipecat)
    created = [line for line in lines if line["event"] == "request" and line["route"] == "/call"]
    assert [(line["method"], line["status"], line["org_id"]) for line in created] == [
        ("POST", 201, org)
    ]
