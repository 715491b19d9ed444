"""A function tool whose server fails (VAPI-BEHAVIOUR §7.2, §5.3): garbage for an answer, or no
server listening at all. The call keeps running: the LLM gets the tool's error and replies, the
`tool-calls` exchange is recorded as failed with its reason, and the caller hangs up as usual.
(A server too slow to answer, with `request-failed` spoken: test_call_tools.py.)"""

import json
import socket
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import REPLY
from tests.e2e.fake_llm import FakeLLM
from tests.e2e.test_call_tools import WEATHER, ask, function_tool, said, tool_messages, turns, until
from tests.e2e.test_server_messages import deliveries
from tests.e2e.test_websocket_call import dial, ended, fake_model, new_call, socket_url
from tests.support.fake_webhook import FakeWebhook, fake_webhook
from tests.support.server import LiveServer
from voxgate.engine.function_tool import NO_REPLY

pytestmark = pytest.mark.db


@pytest.fixture
def webhook() -> Any:
    with fake_webhook() as fake:
        yield fake


def closed_port_url() -> str:
    """A loopback URL nothing listens on: the port was free a moment ago and is closed again."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/tools"


@pytest.mark.parametrize("fault", ["garbage", "down"])
async def test_a_tool_server_that_fails_gives_the_llm_an_error_and_the_call_goes_on(
    client: httpx.AsyncClient,
    live_server: LiveServer,
    llm: FakeLLM,
    webhook: FakeWebhook,
    fault: str,
) -> None:
    llm.tool_calls = [("get_weather", WEATHER)]
    if fault == "garbage":
        webhook.answers["tool-calls"] = "<html>502 Bad Gateway</html>"
        url = f"{webhook.url}/tools"
    else:
        url = closed_port_url()
    tools = [function_tool("get_weather", {"url": url, "timeoutSeconds": 2})]
    call = await new_call(client, llm, model=fake_model(llm, tools=tools))
    async with dial(socket_url(live_server, call)) as caller:
        asked = await ask(caller, "What is the weather in Paris?")
        await until(lambda: REPLY in said(caller))  # the assistant's reply after the tool
        await caller.quiet(after=asked)
    # Leaving the block hangs up, as a caller does.

    _, second = turns(llm)
    assert json.loads(tool_messages(second)["call_fake_1"]) == NO_REPLY  # JSON-encoded by pipecat
    assert len(webhook.of_type("tool-calls")) == (1 if fault == "garbage" else 0)

    stored = await ended(client, call["id"])
    assert stored["endedReason"] == "customer-ended-call"
    [result] = [m for m in stored["artifact"]["messages"] if m["role"] == "tool_call_result"]
    assert result["error"] == NO_REPLY
    rows = await deliveries(call["id"])
    assert all(row.status != "pending" for row in rows)  # nothing left in-progress
    [exchange] = [row for row in rows if row.type == "tool-calls"]
    assert exchange.status == "failed" and exchange.url == url
    if fault == "garbage":
        assert (exchange.last_status_code, exchange.last_error) == (
            200,
            "the reply is not a JSON object",
        )
    else:
        assert exchange.last_status_code is None
        assert exchange.last_error is not None and "ConnectError" in exchange.last_error
