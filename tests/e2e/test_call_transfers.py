"""The `transferCall` tool in a websocket call: destinations this server cannot reach are
refused to the LLM (the call goes on), and a tool with no destination asks the assistant's
server (`transfer-destination-request`)."""

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.fake_llm import FakeLLM
from tests.e2e.test_websocket_call import PROMPT, dial, ended, fake_model, new_call, socket_url
from tests.support.fake_webhook import FakeWebhook, fake_webhook
from tests.support.reference import assert_matches
from tests.support.server import LiveServer
from voxgate.engine.transfers.transfer_call import NO_TELEPHONY

pytestmark = pytest.mark.db

DESK = {"type": "number", "number": "+14155550100", "description": "a person is asked for"}


@pytest.fixture
def webhook() -> Iterator[FakeWebhook]:
    with fake_webhook() as fake:
        yield fake


def transfer_model(llm: FakeLLM, tool: dict[str, Any]) -> dict[str, Any]:
    return fake_model(llm, messages=[{"role": "system", "content": PROMPT}], tools=[tool])


async def ask_to_transfer(live_server: LiveServer, call: dict[str, Any]) -> None:
    """Hears the greeting, asks for a person, hears the answer, hangs up."""
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        question = {"role": "user", "content": "Can I talk to a person?"}
        await caller.ws.send(json.dumps({"type": "add-message", "message": question}))
        await caller.quiet(after=caller.audio[-1][0])  # the answer, after the tool's result


def tool_result(llm: FakeLLM) -> str:
    """What the LLM was told the transfer came to (the request after its call)."""
    after = [r for r in llm.requests if r.get("stream") and r["messages"][-1]["role"] == "tool"]
    assert after, "the LLM never heard the transfer's result"
    return str(json.loads(after[0]["messages"][-1]["content"]))  # pipecat JSON-encodes it


async def test_a_phone_number_is_refused_to_the_llm_and_the_call_goes_on(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM
) -> None:
    llm.tool_calls = [("transferCall", {"destination": DESK["number"]})]
    tool = {"type": "transferCall", "destinations": [DESK]}
    call = await new_call(client, llm, model=transfer_model(llm, tool))
    await ask_to_transfer(live_server, call)
    offered = llm.requests[0]["tools"][0]["function"]
    assert offered["name"] == "transferCall"
    assert offered["parameters"]["properties"]["destination"]["enum"] == [DESK["number"]]
    assert NO_TELEPHONY in tool_result(llm)
    stored = await ended(client, call["id"])
    assert stored["endedReason"] == "customer-ended-call"  # not forwarded, not ended
    roles = [m["role"] for m in stored["artifact"]["messages"]]
    assert "tool_call_result" in roles and roles[-1] == "bot"  # the LLM answered afterwards


async def test_no_destination_asks_the_server_and_its_error_is_the_result(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, webhook: FakeWebhook
) -> None:
    llm.tool_calls = [("dynamicDestinationTransferCall", {})]
    webhook.answers["transfer-destination-request"] = {"error": "Everyone is at lunch."}
    tool = {"type": "transferCall", "destinations": [],
            "function": {"name": "dynamicDestinationTransferCall"}}  # fmt: skip
    call = await new_call(client, llm, model=transfer_model(llm, tool), server={"url": webhook.url})
    await ask_to_transfer(live_server, call)
    [asked] = await webhook.wait_for("transfer-destination-request")
    assert_matches(asked.message, "ServerMessageTransferDestinationRequest")
    assert asked.message["call"]["id"] == call["id"]
    assert tool_result(llm) == "Everyone is at lunch."
    assert (await ended(client, call["id"]))["endedReason"] == "customer-ended-call"


async def test_a_number_from_the_server_is_refused_too(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, webhook: FakeWebhook
) -> None:
    llm.tool_calls = [("transferCall", {})]
    reply = {"destination": {"type": "number", "number": "+14155550100"}}
    webhook.answers["transfer-destination-request"] = {"messageResponse": reply}
    tool = {"type": "transferCall"}
    call = await new_call(client, llm, model=transfer_model(llm, tool), server={"url": webhook.url})
    await ask_to_transfer(live_server, call)
    await webhook.wait_for("transfer-destination-request")
    assert NO_TELEPHONY in tool_result(llm)
