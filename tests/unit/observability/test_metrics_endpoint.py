"""GET /metrics: Prometheus's text format, optionally behind a token, outside the API document;
every HTTP request timed by its route template and logged with it."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.support.logs import captured_log
from voxgate.app import create_app
from voxgate.config import Settings

FAMILIES = {
    "voxgate_active_calls", "voxgate_calls_ended", "voxgate_turn_latency_seconds",
    "voxgate_provider_errors", "voxgate_webhook_deliveries",
    "voxgate_http_request_duration_seconds",
}  # fmt: skip


@asynccontextmanager
async def client(**settings: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(**settings))  # no lifespan: nothing here touches the database
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://voxgate.test") as http:
        yield http


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def requests_of(text: str, route: str, status: str, method: str = "GET") -> float:
    labels = frozenset({("method", method), ("route", route), ("status", status)})
    return samples(text).get(("voxgate_http_request_duration_seconds_count", labels), 0.0)


async def test_metrics_parse_and_count_requests_by_route_template() -> None:
    async with client() as http:
        before = (await http.get("/metrics")).text
        assert (
            await http.get("/assistant/0c3a2c62-6a4e-4a07-a5a8-8f7ac3e6a1d2")
        ).status_code == 401
        assert (await http.get("/no/such/path/123")).status_code == 404
        response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    names = {family.name for family in text_string_to_metric_families(response.text)}
    assert names >= FAMILIES
    after = response.text
    assert (
        requests_of(after, "/assistant/{id}", "401")
        == requests_of(before, "/assistant/{id}", "401") + 1
    )
    assert requests_of(after, "unmatched", "404") == requests_of(before, "unmatched", "404") + 1
    assert not any("no/such/path" in str(key) for key in samples(after))  # no raw paths


async def test_a_token_is_required_when_configured_and_never_logged() -> None:
    token = "metrics-token-4f1d9a7e"
    with captured_log() as log:
        async with client(metrics_token=token) as http:
            missing = await http.get("/metrics")
            wrong = await http.get("/metrics", headers={"Authorization": "Bearer nope"})
            right = await http.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert missing.status_code == wrong.status_code == 401
    assert missing.json()["statusCode"] == 401
    assert right.status_code == 200 and "voxgate_active_calls" in right.text
    lines = [line for line in log.lines() if line["event"] == "request"]
    assert [line["status"] for line in lines] == [401, 401, 200]
    assert lines[0]["route"] == "/metrics" and lines[0]["method"] == "GET"
    assert token not in log.getvalue()


async def test_metrics_are_not_part_of_the_api_document() -> None:
    async with client() as http:
        document = (await http.get("/openapi.json")).json()
    assert "/metrics" not in document["paths"]
