"""Transfers between a squad's assistants: `transferCall` to a member (named by the tool, by
the member's legacy `assistantDestinations`, or by the server's `transfer-destination-request`
reply) and a handoff to a `dynamic` destination, answered by its own server. Each switches the
call to billing: billing's prompt reaches the LLM, shaped by `transferMode`, and the webhook
hears `transfer-update`."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.fake_llm import Body, FakeLLM, asking
from tests.e2e.test_call_monitor import control_path
from tests.e2e.test_call_transfers import ask_to_transfer
from tests.e2e.test_websocket_call import GREETING, dial, ended, fake_model, socket_url
from tests.support.fake_webhook import FakeWebhook, fake_webhook
from tests.support.reference import assert_matches
from tests.support.server import LiveServer

pytestmark = pytest.mark.db

FRONT_PROMPT = "You are the front desk of a small hotel. Send billing questions to billing."
BILLING_PROMPT = "You are the billing desk of a small hotel. Answer in one sentence."
BILLING = {"type": "assistant", "assistantName": "Billing", "description": "billing questions"}
SUBSCRIBED = ["transfer-update", "assistant.started", "end-of-call-report",
              "transfer-destination-request"]  # fmt: skip


@pytest.fixture
def webhook() -> Iterator[FakeWebhook]:
    with fake_webhook() as fake:
        yield fake


def front_desk_turn(body: Body) -> bool:
    """A front-desk request the caller's question started (not one after a tool's result, and
    not billing's)."""
    messages = body.get("messages") or []
    last = messages[-1] if messages else {}
    return (
        asking(FRONT_PROMPT)(body)
        and not asking(BILLING_PROMPT)(body)
        and last.get("role") != "tool"
    )


def billing_requests(llm: FakeLLM) -> list[dict[str, Any]]:
    return [r for r in llm.requests if r.get("stream") and asking(BILLING_PROMPT)(r)]


def member(name: str, prompt: str, tools: list[Any], llm: FakeLLM, **fields: Any) -> Any:
    system = [{"role": "system", "content": prompt}]
    return {"name": name, "model": fake_model(llm, messages=system, tools=tools), **fields}


async def squad_call(
    client: httpx.AsyncClient,
    llm: FakeLLM,
    webhook: FakeWebhook,
    front_tools: list[Any],
    destinations: list[Any] | None = None,
) -> dict[str, Any]:
    """Front desk (greets, with `front_tools`) then billing (greets with its model)."""
    front = member("Front desk", FRONT_PROMPT, front_tools, llm, firstMessage=GREETING)
    billing = member(
        "Billing", BILLING_PROMPT, [], llm,
        firstMessageMode="assistant-speaks-first-with-model-generated-message",
    )  # fmt: skip
    first: dict[str, Any] = {"assistant": front}
    if destinations is not None:
        first["assistantDestinations"] = destinations
    squad = {
        "members": [first, {"assistant": billing}],
        "membersOverrides": {"server": {"url": webhook.url}, "serverMessages": SUBSCRIBED},
    }
    body = {"squad": squad, "transport": {"provider": "vapi.websocket"}}
    created = await client.post("/call", json=body)
    assert created.status_code == 201, created.text
    call: dict[str, Any] = created.json()
    return call


async def assert_switched_to_billing(webhook: FakeWebhook) -> dict[str, Any]:
    [update] = [r.message for r in await webhook.wait_for("transfer-update")]
    assert_matches(update, "ServerMessageTransferUpdate")
    assert update["destination"]["assistantName"] == "Billing"
    assert update["fromAssistant"]["name"] == "Front desk"
    assert update["toAssistant"]["name"] == "Billing"
    return update


async def test_transfer_call_to_a_member_swaps_the_prompt_and_drops_the_transfer(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, webhook: FakeWebhook
) -> None:
    mode = "swap-system-message-in-history-and-remove-transfer-tool-messages"
    destination = {**BILLING, "transferMode": mode, "message": "Connecting you to billing."}
    tool = {"type": "transferCall", "destinations": [destination]}
    llm.script(front_desk_turn, tool_call="transferCall", arguments={"destination": "Billing"})
    call = await squad_call(client, llm, webhook, [tool])
    await ask_to_transfer(live_server, call)
    update = await assert_switched_to_billing(webhook)
    assert update["destination"]["transferMode"] == mode

    offered = llm.requests[0]["tools"][0]["function"]
    assert offered["parameters"]["properties"]["destination"]["enum"] == ["Billing"]
    billing = billing_requests(llm)[0]["messages"]
    assert billing[0] == {"role": "system", "content": BILLING_PROMPT}
    assert not asking(FRONT_PROMPT)({"messages": billing})  # the prompt was swapped
    assert all(m["role"] != "tool" and not m.get("tool_calls") for m in billing)
    assert {"role": "user", "content": "Can I talk to a person?"} in billing
    stored = await ended(client, call["id"])
    assert "AI: Connecting you to billing." in stored["artifact"]["transcript"]
    names = [a["assistantName"] for a in stored["artifact"]["assistantActivations"]]
    assert names == ["Front desk", "Billing"]


async def test_a_member_s_legacy_destinations_roll_the_history(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, webhook: FakeWebhook
) -> None:
    llm.script(front_desk_turn, tool_call="transferCall", arguments={"destination": "Billing"})
    call = await squad_call(client, llm, webhook, [], destinations=[{**BILLING, "message": ""}])
    await ask_to_transfer(live_server, call)
    await assert_switched_to_billing(webhook)

    assert llm.requests[0]["tools"][0]["function"]["name"] == "transferCall"
    billing = billing_requests(llm)[0]["messages"]
    # rolling-history: the front desk's prompt first, everything said, billing's prompt last.
    assert billing[0] == {"role": "system", "content": FRONT_PROMPT}
    assert billing[-1] == {"role": "system", "content": BILLING_PROMPT}
    assert any(m["role"] == "tool" for m in billing)
    stored = await ended(client, call["id"])
    assert "Transferring the call now" not in stored["artifact"]["transcript"]  # "" is silent


async def test_no_destination_is_asked_of_the_server(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, webhook: FakeWebhook
) -> None:
    reply = {"destination": BILLING, "message": {"type": "request-start", "content": "Hold on."}}
    assert_matches(reply, "ServerMessageResponseTransferDestinationRequest")
    webhook.answers["transfer-destination-request"] = reply
    llm.script(front_desk_turn, tool_call="transferCall", arguments={})
    call = await squad_call(client, llm, webhook, [{"type": "transferCall"}])
    await ask_to_transfer(live_server, call)
    [asked] = [r.message for r in await webhook.wait_for("transfer-destination-request")]
    assert_matches(asked, "ServerMessageTransferDestinationRequest")
    assert asked["assistant"]["name"] == "Front desk"
    await assert_switched_to_billing(webhook)
    assert billing_requests(llm)
    stored = await ended(client, call["id"])
    assert "AI: Hold on." in stored["artifact"]["transcript"]


async def test_a_dynamic_handoff_goes_where_its_server_says(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, webhook: FakeWebhook
) -> None:
    with fake_webhook() as router:
        answer = {"destination": {"type": "assistant", "assistantName": "Billing",
                                  "contextEngineeringPlan": {"type": "none"}},
                  "result": "Billing has the call."}  # fmt: skip
        assert_matches(answer, "ServerMessageResponseHandoffDestinationRequest")
        router.answers["handoff-destination-request"] = {"messageResponse": answer}
        dynamic = {"type": "dynamic", "server": {"url": router.url}}
        handoff = {"type": "handoff", "destinations": [dynamic]}
        arguments = {"destination": "dynamic", "topic": "an invoice"}
        llm.script(front_desk_turn, tool_call="handoff_to_dynamic", arguments=arguments)
        call = await squad_call(client, llm, webhook, [handoff])
        await ask_to_transfer(live_server, call)
        [asked] = [r.message for r in await router.wait_for("handoff-destination-request")]
    assert_matches(asked, "ServerMessageHandoffDestinationRequest")
    assert asked["parameters"] == arguments
    assert "handoff-destination-request" not in webhook.types()  # its own server only
    await assert_switched_to_billing(webhook)
    billing = billing_requests(llm)[0]["messages"]
    assert billing == [{"role": "system", "content": BILLING_PROMPT}]  # plan "none"
    stored = await ended(client, call["id"])
    results = [m for m in stored["artifact"]["messages"] if m["role"] == "tool_call_result"]
    assert results[0]["result"] == "Billing has the call."


async def test_the_control_url_hands_the_call_to_a_member(
    client: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    live_server: LiveServer,
    llm: FakeLLM,
    webhook: FakeWebhook,
) -> None:
    call = await squad_call(client, llm, webhook, [])
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        nobody = {"type": "handoff", "destination": {"type": "assistant", "assistantName": "Bob"}}
        refused = await anonymous.post(control_path(call), json=nobody)
        assert refused.status_code == 400
        assert refused.json()["message"] == "Bob is not an assistant of this call."
        to_billing = {**BILLING, "contextEngineeringPlan": {"type": "none"}}
        handoff = {
            "type": "handoff",
            "content": "Passing you to billing.",
            "destination": to_billing,
        }
        handed = await anonymous.post(control_path(call), json=handoff)
        assert handed.status_code == 200, handed.text
        await assert_switched_to_billing(webhook)
        await caller.quiet(after=caller.audio[-1][0])  # billing's model-generated greeting
    billing = billing_requests(llm)[0]["messages"]
    assert billing[0] == {"role": "system", "content": BILLING_PROMPT}
    assert not asking(GREETING)(
        {"messages": billing}
    )  # plan "none": the front desk's turns are gone
    stored = await ended(client, call["id"])
    assert "AI: Passing you to billing." in stored["artifact"]["transcript"]
