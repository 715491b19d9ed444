"""A lone assistant hands the caller to a saved squad (a `handoff` tool's `squad` destination,
VAPI-BEHAVIOUR §8): the squad's `entryAssistantName` member takes the call with its own prompt
(and the destination's `squadOverrides`), the webhook hears a schema-valid `transfer-update`,
and the stored call says who had it. The LLM is the OpenAI-compatible fake."""

from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.e2e.fake_llm import Body, FakeLLM, asking
from tests.e2e.test_speech_vendors import speak_until_answered
from tests.e2e.test_websocket_call import GREETING, dial, ended, fake_model, new_call, socket_url
from tests.support.fake_webhook import FakeWebhook, fake_webhook
from tests.support.reference import assert_matches
from tests.support.server import LiveServer

pytestmark = pytest.mark.db

FRONT_PROMPT = "You are the front desk of a small hotel. Hand billing questions to billing."
SQUAD_DESK = "Desk of {{hotel}}."


def answering(prompt: str) -> Callable[[Body], bool]:
    """A request with `prompt` in its messages that answers the caller (not a greeting)."""
    asks = asking(prompt)
    return lambda body: asks(body) and any(m.get("role") == "user" for m in body["messages"])


@pytest.fixture
def webhook() -> Iterator[FakeWebhook]:
    with fake_webhook() as fake:
        yield fake


async def test_a_lone_assistant_hands_off_to_a_saved_squad_s_entry_member(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, webhook: FakeWebhook
) -> None:
    # The squad has a "Front desk" too: the call's keeps its name, the squad's is renamed
    # "Front desk (Hotel)", and Billing's handoff to its "Front desk" reaches the squad's.
    back = {
        "type": "handoff",
        "destinations": [
            {
                "type": "assistant",
                "assistantName": "Front desk",
                "contextEngineeringPlan": {"type": "none"},
            }
        ],
    }
    members = [
        {"assistant": {
            "name": "Front desk",
            "firstMessageMode": "assistant-speaks-first-with-model-generated-message",
            "model": fake_model(llm, messages=[{"role": "system", "content": SQUAD_DESK}]),
        }},
        {"assistant": {
            "name": "Billing",
            "firstMessageMode": "assistant-speaks-first-with-model-generated-message",
            "model": fake_model(llm, messages=[
                {"role": "system", "content": "Billing for {{hotel}}."}], tools=[back]),
        }},
    ]  # fmt: skip
    squad = (await client.post("/squad", json={"name": "Hotel", "members": members})).json()
    destination = {
        "type": "squad",
        "squadId": squad["id"],
        "entryAssistantName": "Billing",
        "description": "billing questions",
        "contextEngineeringPlan": {"type": "none"},
        "squadOverrides": {"variableValues": {"hotel": "the Grand"}},
    }
    call = await new_call(
        client,
        llm,
        model=fake_model(
            llm,
            messages=[{"role": "system", "content": FRONT_PROMPT}],
            tools=[{"type": "handoff", "destinations": [destination]}],
        ),
        server={"url": webhook.url},
        serverMessages=["transfer-update", "end-of-call-report"],
    )
    llm.script(asking(FRONT_PROMPT), tool_call=f"handoff_to_{squad['id']}")
    llm.script(answering("Billing for"), tool_call="handoff_to_Front_desk__Hotel_")

    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
        spoke = await speak_until_answered(caller)  # the front desk hands off; billing greets
        await caller.quiet(after=spoke)
        billing = list(llm.requests)
        spoke = await speak_until_answered(caller)  # billing hands back within its squad
        await caller.quiet(after=spoke)

    offered = llm.requests[0]["tools"][0]["function"]
    assert offered["parameters"]["properties"]["destination"]["enum"] == [squad["id"]]
    # The entry member's model is asked next, with its prompt and the destination's values.
    assert billing[-1]["messages"] == [{"role": "system", "content": "Billing for the Grand."}]
    # Then its squad's own front desk, with the destination's values too.
    assert llm.requests[-1]["messages"] == [{"role": "system", "content": "Desk of the Grand."}]
    update = (await webhook.wait_for("transfer-update"))[0].message
    assert_matches(update, "ServerMessageTransferUpdate")
    assert update["destination"] == {
        "type": "assistant",
        "assistantName": "Billing",
        "description": "billing questions",
        "contextEngineeringPlan": {"type": "none"},
    }
    assert update["fromAssistant"]["name"] == "Front desk"
    assert update["toAssistant"]["name"] == "Billing"

    artifact = (await ended(client, call["id"]))["artifact"]
    assert [a["assistantName"] for a in artifact["assistantActivations"]] == [
        "Front desk",
        "Billing",
        "Front desk (Hotel)",
    ]
    said = [m["message"] for m in artifact["messages"] if m["role"] == "bot"]
    assert said[0] == GREETING and len(said) == 3
