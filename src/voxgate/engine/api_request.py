"""`apiRequest` tools (VAPI-BEHAVIOUR §7.1, §7.2.5): voxgate makes the HTTP request itself.

- The LLM sees a function named `name` whose parameters are the `body` JsonSchema; its arguments
  become the JSON body. A GET has no body, so there they become the query string (voxgate's
  choice: Vapi documents none).
- `url`, the `value` of each `headers` property and the static body fields (`parameters`, and
  `body` properties that carry a `value`, which the LLM does not see) are Liquid, rendered when
  the tool runs over the call's variables and the arguments; the call's variables win a clash,
  so the LLM cannot override a trusted value. Static fields override the LLM's of the same name.
- `credentialId` names one of the assistant's inline `webhook` credentials: its bearer token or
  HMAC signature is added (`kit/authentication.py`); static headers come after and win.
- `timeoutSeconds` (default 20) bounds each attempt; `backoffPlan` retries a failure
  (`kit/backoff.py`, as webhook deliveries do).
- A 2xx feeds the response body back to the LLM and runs `variableExtractionPlan`
  (`extraction.py`); anything else feeds back an error with the status and the body's start.

`run` makes the request; `run_in_call` is the tool dispatcher's handler (`tool_calls.py`): the
call's variables in scope, and the extracted ones added to them (so later templates and
`artifact.variableValues` see them).
"""

import asyncio
import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from loguru import logger
from pipecat.adapters.llm.schemas.function_schema import FunctionSchema

from voxgate.engine.extraction import Response, extract
from voxgate.engine.tool_types import Outcome, ToolContext
from voxgate.engine.variables import render_text
from voxgate.kit.authentication import plan_headers, webhook_credential
from voxgate.kit.backoff import retry_delay
from voxgate.kit.urls import UrlRefused, guarded_client

API_REQUEST = "apiRequest"
DEFAULT_TIMEOUT_SECONDS = 20.0
_ERROR_BODY_CHARS = 300  # enough of an error body for the LLM to explain it


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def function_name(tool: dict[str, Any]) -> str | None:
    name = tool.get("name") or _object(tool.get("function")).get("name")
    return str(name) if name else None


def function_schema(tool: dict[str, Any]) -> FunctionSchema | None:
    """The function the LLM may call, or None for a tool without a name."""
    name = function_name(tool)
    if name is None:
        logger.warning("an apiRequest tool without a name is not offered to the LLM")
        return None
    body = _object(tool.get("body"))
    properties = {
        key: schema
        for key, schema in _object(body.get("properties")).items()
        if not (isinstance(schema, dict) and "value" in schema)  # static: not the LLM's
    }
    required = [r for r in body.get("required") or [] if r in properties]
    description = tool.get("description") or f"Sends an HTTP {tool.get('method', 'GET')} request."
    return FunctionSchema(name, str(description), properties, required)


def _rendered(value: Any, scope: dict[str, Any]) -> Any:
    """A static value with the Liquid in its strings rendered."""
    if isinstance(value, str):
        return render_text(value, scope)
    if isinstance(value, dict):
        return {k: _rendered(v, scope) for k, v in value.items()}
    if isinstance(value, list):
        return [_rendered(v, scope) for v in value]
    return value


def _static_fields(tool: dict[str, Any], scope: dict[str, Any]) -> dict[str, Any]:
    fields = {
        key: _rendered(schema["value"], scope)
        for key, schema in _object(_object(tool.get("body")).get("properties")).items()
        if isinstance(schema, dict) and "value" in schema
    }
    for parameter in tool.get("parameters") or []:
        if isinstance(parameter, dict) and isinstance(parameter.get("key"), str):
            fields[parameter["key"]] = _rendered(parameter.get("value"), scope)
    return fields


def _static_headers(tool: dict[str, Any], scope: dict[str, Any]) -> dict[str, str]:
    return {
        str(name): render_text(str(schema["value"]), scope)
        for name, schema in _object(_object(tool.get("headers")).get("properties")).items()
        if isinstance(schema, dict) and schema.get("value") is not None
    }


def _query(payload: dict[str, Any]) -> dict[str, str]:
    return {
        k: v if isinstance(v, str) else json.dumps(v) for k, v in payload.items() if v is not None
    }


@dataclass
class _Request:
    method: str
    url: str
    headers: dict[str, str]
    query: dict[str, str] | None
    body: str  # the JSON sent ("" for a GET)
    plan: dict[str, Any] | None  # the credential's authenticationPlan

    def headers_now(self) -> dict[str, str]:
        """The headers of one attempt: an HMAC signs its own timestamp."""
        found = {"Content-Type": "application/json"} if self.body else {}
        if self.plan:
            signing = {"url": self.url, "method": self.method, "message_id": str(uuid.uuid4())}
            found.update(plan_headers(self.plan, self.body, **signing))
        return {**found, **self.headers}


def _request(
    tool: dict[str, Any], arguments: dict[str, Any], values: dict[str, Any],
    assistant: dict[str, Any],
) -> _Request:  # fmt: skip
    scope = {**arguments, **values}
    method = str(tool.get("method") or "GET").upper()
    payload = {**arguments, **_static_fields(tool, scope)}
    credential = webhook_credential(assistant, str(tool.get("credentialId") or "")) or {}
    plan = _object(credential.get("authenticationPlan")) or None
    return _Request(
        method=method,
        url=render_text(str(tool.get("url") or ""), scope).strip(),
        headers=_static_headers(tool, scope),
        query=_query(payload) if method == "GET" else None,
        body="" if method == "GET" else json.dumps(payload),
        plan=plan,
    )


def _parsed(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _failure(error: httpx.HTTPError, timeout: float) -> str:
    if isinstance(error, httpx.TimeoutException):
        return f"The request timed out after {timeout:g} seconds."
    if isinstance(error, UrlRefused):
        return f"The request was refused: {error}."
    return f"The request failed: {type(error).__name__}."


async def _send(
    client: httpx.AsyncClient, request: _Request, tool: dict[str, Any], timeout: float
) -> httpx.Response | str:
    """The final response (2xx, or the last failure), or the last transport error's text."""
    attempts = 0
    while True:
        attempts += 1
        code: int | None = None
        outcome: httpx.Response | str
        try:
            response = await client.request(
                request.method, request.url, params=request.query,
                content=request.body.encode() or None, headers=request.headers_now(),
                timeout=timeout,
            )  # fmt: skip
            if response.is_success:
                return response
            code, outcome = response.status_code, response
        except httpx.HTTPError as error:
            outcome = _failure(error, timeout)
        delay = retry_delay(_object(tool.get("backoffPlan")) or None, attempts, code)
        if delay is None:
            return outcome
        await asyncio.sleep(delay)


async def run(
    tool: dict[str, Any], arguments: dict[str, Any], *, values: dict[str, Any],
    assistant: dict[str, Any],
) -> Outcome:  # fmt: skip
    """Makes the tool's request with these arguments; `values` are the call's variables (the
    extracted ones are returned, for the caller to add), `assistant` holds the credentials."""
    request = _request(tool, arguments, values, assistant)
    if not request.url.startswith(("http://", "https://")):
        return Outcome(error=f"The tool's URL is not an http(s) URL: {request.url!r}.")
    timeout = float(tool.get("timeoutSeconds") or DEFAULT_TIMEOUT_SECONDS)
    async with guarded_client() as client:
        sent = await _send(client, request, tool, timeout)
    if isinstance(sent, str):
        return Outcome(error=sent)
    text = sent.text
    if not sent.is_success:
        excerpt = text[:_ERROR_BODY_CHARS].strip()
        return Outcome(error=f"The request failed with HTTP {sent.status_code}: {excerpt}".strip())
    response = Response(sent.status_code, _parsed(text), dict(sent.headers))
    variables = extract(_object(tool.get("variableExtractionPlan")), response, values)
    result = text or f"The request succeeded (HTTP {sent.status_code}) with no body."
    return Outcome(result=result, variables=variables)


async def run_in_call(
    tool: dict[str, Any], arguments: dict[str, Any], context: ToolContext
) -> Outcome:
    values = context.conversation.variable_values
    outcome = await run(tool, arguments, values=values, assistant=context.assistant)
    values.update(outcome.variables)
    return outcome
