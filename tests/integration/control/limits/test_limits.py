"""What one request may ask of the server: the org's concurrent calls (a 429 Vapi's way), the
key's request rate (a 429 with Retry-After), the body's size (a 413), and /health.

The concurrent-call limit is a setting read at each create, so the tests set it on the live
server's settings. The rate limit is a middleware made with the app, so its test makes an app
of its own and drives it in process (its requests never reach the database).
"""

import asyncio
import uuid
from functools import cache
from typing import Any

import httpx
import pytest
from openapi_schema_validator import OAS30Validator

from tests.integration.control.call.test_call_expiry import rewrite
from tests.support.assistants import RUNNABLE
from tests.support.redis import redis_url
from voxgate.app import create_app
from voxgate.config import Settings, get_settings
from voxgate.kit.openapi import openapi_document

pytestmark = pytest.mark.db

WEBSOCKET = {"transport": {"provider": "vapi.websocket"}}


@cache
def _error_schema() -> dict[str, Any]:
    schema: dict[str, Any] = openapi_document(create_app())["components"]["schemas"]
    return schema["ErrorResponse"]


def assert_vapi_error(body: Any, status: int) -> None:
    """The body is Vapi's error shape, as our OpenAPI document declares it."""
    OAS30Validator(_error_schema()).validate(body)
    assert body["statusCode"] == status


async def new_call(client: httpx.AsyncClient) -> httpx.Response:
    return await client.post("/call", json={"assistant": RUNNABLE, **WEBSOCKET})


async def test_a_call_past_the_orgs_limit_is_refused_until_one_ends(
    client: httpx.AsyncClient, other_key: str, live_server: Any, one_call_each: None
) -> None:
    first = await new_call(client)
    assert first.status_code == 201, first.text

    refused = await new_call(client)
    assert refused.status_code == 429
    assert refused.json() == {
        "message": "Over Concurrency Limit",
        "error": "Too Many Requests",
        "statusCode": 429,
    }
    assert_vapi_error(refused.json(), 429)
    assert len((await client.get("/call")).json()) == 1  # nothing half-written

    # Another org has slots of its own.
    headers = {"Authorization": f"Bearer {other_key}"}
    async with httpx.AsyncClient(base_url=live_server.url, headers=headers) as other:
        assert (await new_call(other)).status_code == 201

    # The first call ends (written behind the API's back; tests/e2e/test_call_concurrency.py
    # ends a real one).
    await rewrite(first.json()["id"], status="ended")
    again = await new_call(client)
    assert again.status_code == 201, again.text


async def test_simultaneous_creates_cannot_both_take_the_last_slot(
    client: httpx.AsyncClient, one_call_each: None
) -> None:
    answers = await asyncio.gather(*(new_call(client) for _ in range(4)))
    assert sorted(a.status_code for a in answers) == [201, 429, 429, 429]


async def test_every_active_status_holds_a_slot(
    client: httpx.AsyncClient, one_call_each: None
) -> None:
    first = (await new_call(client)).json()
    for status in ("ringing", "in-progress", "forwarding"):
        await rewrite(first["id"], status=status)
        assert (await new_call(client)).status_code == 429, status


async def test_without_a_limit_calls_are_not_counted(client: httpx.AsyncClient) -> None:
    assert get_settings().max_concurrent_calls_per_org is None
    for _ in range(3):
        assert (await new_call(client)).status_code == 201


async def test_a_key_past_its_rate_is_told_when_to_retry() -> None:
    app = create_app(Settings(rate_limit="3/minute"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://voxgate") as http:
        one = {"Authorization": "Bearer key-one"}
        answers = [await http.get("/openapi.json", headers=one) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        refused = answers[-1]
        assert_vapi_error(refused.json(), 429)
        assert "Rate limit exceeded" in refused.json()["message"]
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        # Another key has its own count; a request without a key is not counted.
        other = await http.get("/openapi.json", headers={"Authorization": "Bearer key-two"})
        assert other.status_code == 200
        assert (await http.get("/openapi.json")).status_code == 200


def test_a_rate_limit_that_does_not_parse_is_refused_at_start() -> None:
    with pytest.raises(ValueError):
        Settings(rate_limit="fast")


async def test_a_body_past_the_limit_is_a_413_and_an_upload_has_its_own(
    client: httpx.AsyncClient,
) -> None:
    limit = get_settings().max_body_bytes
    big = b"x" * (limit + 1)
    declared = await client.post(
        "/assistant",
        content=b'{"name": "' + big + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert declared.status_code == 413
    assert_vapi_error(declared.json(), 413)
    assert str(limit) in declared.json()["message"]

    async def chunks() -> Any:  # no Content-Length: counted as it streams in
        yield b'{"name": "'
        for start in range(0, len(big), 1 << 20):
            yield big[start : start + (1 << 20)]
        yield b'"}'

    streamed = await client.post(
        "/assistant", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413
    assert (await client.get("/assistant")).json() == []

    # The same size is a file under the upload limit.
    files = {"file": ("big.txt", big, "text/plain")}
    uploaded = await client.post("/file", files=files)
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["bytes"] == limit + 1


async def test_an_upload_past_its_limit_is_a_413() -> None:
    app = create_app(Settings(max_upload_bytes=1000))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://voxgate") as http:
        files = {"file": ("big.txt", b"x" * 2000, "text/plain")}
        refused = await http.post("/file", files=files, headers={"Authorization": "Bearer k"})
    assert refused.status_code == 413
    assert_vapi_error(refused.json(), 413)


async def test_health_reports_the_process(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["draining"] is False
    assert isinstance(body["activeCalls"], int)
    assert "/health" not in (await anonymous.get("/openapi.json")).json()["paths"]


async def _answers(app: Any, key: str, count: int) -> list[int]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://voxgate") as http:
        auth = {"Authorization": f"Bearer {key}"}
        return [(await http.get("/openapi.json", headers=auth)).status_code for _ in range(count)]


async def test_processes_sharing_a_redis_store_share_the_keys_rate() -> None:
    store = redis_url().replace("redis://", "async+redis://", 1)
    first, second = (
        create_app(Settings(rate_limit="3/minute", rate_limit_storage=store)) for _ in "12"
    )
    key = f"key-{uuid.uuid4()}"  # counts kept in the shared Redis: a key no other run used
    assert await _answers(first, key, 2) == [200, 200]
    assert await _answers(second, key, 2) == [200, 429]


async def test_an_unreachable_rate_limit_store_lets_requests_through() -> None:
    app = create_app(
        Settings(rate_limit="3/minute", rate_limit_storage="async+redis://127.0.0.1:9")
    )
    assert await _answers(app, "key-one", 4) == [200, 200, 200, 200]
