"""`apiRequest` tools against a real HTTP API on loopback: what the API receives (method, the
rendered URL and headers, the LLM's arguments as the body or the query, static fields, the
credential's authentication), what the LLM is told back, retries, and the variables extracted."""

import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.fake_api import FakeApi, fake_api
from voxgate.engine.api_request import function_schema, run

VALUES = {"call": {"id": "call-1", "type": "webSocketCall"}, "accountId": "acct_9"}


@pytest.fixture
def api() -> Iterator[FakeApi]:
    with fake_api() as fake:
        yield fake


def order_tool(api: FakeApi, **fields: Any) -> dict[str, Any]:
    return {
        "type": "apiRequest", "name": "createOrder", "description": "Places an order.",
        "method": "POST", "url": api.url + "/orders/{{ accountId }}",
        "body": {"type": "object", "required": ["product", "quantity"], "properties": {
            "product": {"type": "string", "enum": ["beans", "mug"]},
            "quantity": {"type": "integer"},
            "channel": {"type": "string", "value": "voice {{ call.type }}"},
        }},
        **fields,
    }  # fmt: skip


def test_the_llm_sees_the_body_schema_without_its_static_fields() -> None:
    schema = function_schema(order_tool(FakeApi())).to_default_dict()  # type: ignore[union-attr]
    assert schema["name"] == "createOrder"
    assert schema["description"] == "Places an order."
    assert schema["parameters"] == {
        "type": "object",
        "properties": {"product": {"type": "string", "enum": ["beans", "mug"]},
                       "quantity": {"type": "integer"}},
        "required": ["product", "quantity"],
    }  # fmt: skip
    assert function_schema({"type": "apiRequest", "method": "GET", "url": "http://x"}) is None


async def test_a_post_sends_the_arguments_as_json_with_rendered_url_headers_and_static_fields(
    api: FakeApi,
) -> None:
    tool = order_tool(
        api,
        headers={"type": "object", "properties": {
            "X-Account": {"type": "string", "value": "{{ accountId }}"},
            "X-Product": {"type": "string", "value": "{{ product | upcase }}"},
        }},
        parameters=[{"key": "source", "value": "call {{ call.id }}"},
                    {"key": "quantity", "value": 3}],
    )  # fmt: skip
    api.reply = {"orderId": 47, "total": "$36.00"}
    outcome = await run(tool, {"product": "beans", "quantity": 2}, values=VALUES, assistant={})
    (seen,) = api.seen
    assert (seen.method, seen.path) == ("POST", "/orders/acct_9")
    assert seen.headers["x-account"] == "acct_9" and seen.headers["x-product"] == "BEANS"
    assert seen.headers["content-type"] == "application/json"
    # A static field wins over the LLM's argument of the same name.
    assert json.loads(seen.body) == {
        "product": "beans", "quantity": 3, "channel": "voice webSocketCall", "source": "call call-1"
    }  # fmt: skip
    assert outcome.result == '{"orderId": 47, "total": "$36.00"}' and outcome.error is None
    assert outcome.text == outcome.result


async def test_a_get_sends_the_arguments_as_the_query(api: FakeApi) -> None:
    tool = {"type": "apiRequest", "name": "lookUp", "method": "GET",
            "url": api.url + "/customers/{{ customerId }}",
            "body": {"type": "object", "properties": {"customerId": {"type": "string"},
                                                      "fields": {"type": "array"}}}}  # fmt: skip
    await run(tool, {"customerId": "c7", "fields": ["a", "b"]}, values=VALUES, assistant={})
    (seen,) = api.seen
    assert (seen.method, seen.path, seen.body) == ("GET", "/customers/c7", b"")
    assert seen.query == {"customerId": "c7", "fields": '["a", "b"]'}
    assert "content-type" not in seen.headers


async def test_the_call_variables_win_over_an_argument_of_the_same_name(api: FakeApi) -> None:
    await run(order_tool(api), {"accountId": "forged", "product": "mug"}, values=VALUES,
              assistant={})  # fmt: skip
    assert api.seen[0].path == "/orders/acct_9"


async def test_a_failure_is_fed_back_with_its_status_and_body(api: FakeApi) -> None:
    api.status, api.reply = 422, {"error": {"code": "VALIDATION_ERROR"}}
    outcome = await run(order_tool(api), {"product": "tea"}, values=VALUES, assistant={})
    assert outcome.result is None
    assert outcome.error == (
        'The request failed with HTTP 422: {"error": {"code": "VALIDATION_ERROR"}}'
    )
    assert outcome.text == outcome.error


async def test_a_timeout_is_an_error(api: FakeApi) -> None:
    api.delay = 3
    outcome = await run(order_tool(api, timeoutSeconds=1), {}, values=VALUES, assistant={})
    assert outcome.error == "The request timed out after 1 seconds."


async def test_a_url_that_is_not_http_is_an_error_without_a_request(api: FakeApi) -> None:
    tool = {"type": "apiRequest", "name": "x", "method": "GET", "url": "{{ nothing }}/path"}
    outcome = await run(tool, {}, values=VALUES, assistant={})
    assert outcome.error is not None and "not an http(s) URL" in outcome.error
    assert api.seen == []


async def test_the_backoff_plan_retries_until_a_success(api: FakeApi) -> None:
    api.failures = 2
    plan = {"type": "fixed", "maxRetries": 2, "baseDelaySeconds": 0}
    outcome = await run(order_tool(api, backoffPlan=plan), {}, values=VALUES, assistant={})
    assert len(api.seen) == 3 and outcome.result == '{"ok": true}'


async def test_without_a_backoff_plan_a_failure_is_not_retried(api: FakeApi) -> None:
    api.failures = 1
    outcome = await run(order_tool(api), {}, values=VALUES, assistant={})
    assert len(api.seen) == 1 and outcome.error == "The request failed with HTTP 503: busy"


async def test_an_excluded_status_is_not_retried(api: FakeApi) -> None:
    api.status = 404
    plan = {"type": "fixed", "maxRetries": 3, "baseDelaySeconds": 0, "excludedStatusCodes": [404]}
    await run(order_tool(api, backoffPlan=plan), {}, values=VALUES, assistant={})
    assert len(api.seen) == 1


def _assistant(plan: dict[str, Any]) -> dict[str, Any]:
    return {"credentials": [{"provider": "webhook", "id": "cred-1", "authenticationPlan": plan}]}


async def test_a_bearer_credential_is_sent(api: FakeApi) -> None:
    assistant = _assistant({"type": "bearer", "token": "tok"})
    await run(order_tool(api, credentialId="cred-1"), {}, values=VALUES, assistant=assistant)
    assert api.seen[0].headers["authorization"] == "Bearer tok"


async def test_an_hmac_credential_signs_the_body_sent(api: FakeApi) -> None:
    plan = {"type": "hmac", "secretKey": "s3cret", "algorithm": "sha256",
            "payloadFormat": "{method} {timestamp}.{body}"}  # fmt: skip
    await run(order_tool(api, credentialId="cred-1"), {"product": "mug"}, values=VALUES,
              assistant=_assistant(plan))  # fmt: skip
    seen = api.seen[0]
    signed = f"POST {seen.headers['x-timestamp']}.".encode() + seen.body
    assert seen.headers["x-signature"] == hmac.new(b"s3cret", signed, hashlib.sha256).hexdigest()


async def test_variables_are_extracted_from_the_response(api: FakeApi) -> None:
    api.reply = {"data": {"id": "usr_1", "email": "JANE@EXAMPLE.COM"}, "name": "Jane",
                 "tier": "gold", "zips": ["75001"]}  # fmt: skip
    api.reply_headers = {"x-request-id": "req-5"}
    plan = {
        "schema": {"type": "object", "properties": {"tier": {"type": "string"},
                                                    "missing": {"type": "string"}}},
        "aliases": [
            {"key": "userId", "value": "{{ $.data.id }}"},
            {"key": "email", "value": "{{ $.data.email | downcase }}"},
            {"key": "greeting", "value": "Hello {{ name }} of {{ accountId }}"},
            {"key": "zip", "value": "{{ $.zips[0] }}"},
            {"key": "requestId", "value": "{{ tool.response.headers.x-request-id }}"},
            {"key": "again", "value": "{{ userId }}!"},
        ],
    }  # fmt: skip
    outcome = await run(order_tool(api, variableExtractionPlan=plan), {}, values=VALUES,
                        assistant={})  # fmt: skip
    assert outcome.variables == {
        "tier": "gold", "userId": "usr_1", "email": "jane@example.com",
        "greeting": "Hello Jane of acct_9", "zip": "75001", "requestId": "req-5", "again": "usr_1!",
    }  # fmt: skip


async def test_an_array_response_is_dollar_and_a_titled_array_schema(api: FakeApi) -> None:
    api.reply = [{"name": "first"}, {"name": "second"}]
    plan = {"schema": {"type": "array", "title": "people", "items": {"type": "object"}},
            "aliases": [{"key": "firstName", "value": "{{ $[0].name }}"}]}  # fmt: skip
    outcome = await run(order_tool(api, variableExtractionPlan=plan), {}, values=VALUES,
                        assistant={})  # fmt: skip
    assert outcome.variables == {"people": api.reply, "firstName": "first"}


async def test_a_failed_request_extracts_nothing(api: FakeApi) -> None:
    api.status = 500
    plan = {"aliases": [{"key": "x", "value": "{{ $.ok }}"}]}
    outcome = await run(order_tool(api, variableExtractionPlan=plan), {}, values=VALUES,
                        assistant={})  # fmt: skip
    assert outcome.variables == {}
