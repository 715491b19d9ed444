"""A call's phone number in its server messages (VAPI-BEHAVIOUR §5.1): the number's `server`
comes after the assistant's and before the org's, and every message carries the number as its
create DTO without a secret. Phone calls cannot be created yet (no carrier), so the call's
messages are driven through `DbServerMessages` directly, with the number stored through the
API or carried by the call (transient)."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from tests.support.assistants import RUNNABLE
from tests.support.fake_twilio import ACCOUNT_SID, FakeTwilio
from tests.support.fake_webhook import FakeWebhook, fake_webhook
from tests.support.reference import assert_matches
from tests.support.server import LiveServer
from voxgate.config import get_settings
from voxgate.control.call.live import DbCallStore
from voxgate.control.call.server_messages import DbServerMessages
from voxgate.db.models import Org

pytestmark = pytest.mark.db
ASK = {"type": "assistant-request", "timestamp": 1}
TOKEN = "auth-token-0123456789abcdef"


@pytest.fixture(autouse=True)
def twilio_account(twilio: FakeTwilio) -> None:
    """Importing a Twilio number checks it with Twilio: the fake's account holds it."""
    twilio.add_number("+14155550123")
    twilio.auth_token = TOKEN


@pytest.fixture
def number_server() -> Iterator[FakeWebhook]:
    with fake_webhook() as fake:
        yield fake


@pytest.fixture
def org_server() -> Iterator[FakeWebhook]:
    with fake_webhook() as fake:
        yield fake


def twilio(url: str) -> dict[str, Any]:
    return {
        "provider": "twilio", "number": "+14155550123", "name": "Front line",
        "twilioAccountSid": ACCOUNT_SID, "twilioAuthToken": TOKEN,
        "server": {"url": url, "secret": "number-secret", "headers": {"X-Key": "k-1"}},
    }  # fmt: skip


async def a_call(client: httpx.AsyncClient, org_server: FakeWebhook, **fields: Any) -> DbCallStore:
    """A stored call of the test's org (whose server is `org_server`), as a phone call's
    snapshot would read with `fields`."""
    assistant = (await client.post("/assistant", json=RUNNABLE)).json()
    body = {"assistantId": assistant["id"], "transport": {"provider": "vapi.websocket"}}
    call = (await client.post("/call", json=body)).json()
    engine = create_async_engine(get_settings().resolved_database_url)
    async with AsyncSession(engine) as session:
        values = {"server": {"url": org_server.url}}
        await session.execute(update(Org).where(Org.id == call["orgId"]).values(**values))
        await session.commit()
    await engine.dispose()
    return DbCallStore(call["orgId"], call["id"], {**call, **fields})


async def ask(live_server: LiveServer, store: DbCallStore, assistant: Any) -> None:
    """`assistant-request` from a call of this store, run where the server runs its calls."""

    async def asking() -> None:
        await DbServerMessages(store, assistant).request(ASK, timeout_seconds=5)

    await live_server.run(asking())


def assert_no_secret(number: dict[str, Any]) -> None:
    assert number["number"] == "+14155550123" and number["provider"] == "twilio"
    assert number["server"] == {"url": number["server"]["url"]}  # no secret, no headers
    assert TOKEN not in str(number) and "number-secret" not in str(number)
    assert not {"id", "orgId", "createdAt", "updatedAt", "status"} & set(number)


async def test_a_stored_number_s_server_comes_before_the_org_s_and_is_described(
    client: httpx.AsyncClient, live_server: LiveServer,
    number_server: FakeWebhook, org_server: FakeWebhook,
) -> None:  # fmt: skip
    number = (await client.post("/phone-number", json=twilio(number_server.url))).json()
    store = await a_call(client, org_server, phoneNumberId=number["id"])
    number_server.answers["assistant-request"] = {"assistantId": "a-1"}

    async def ask_then_send() -> dict[str, Any] | None:
        messages = DbServerMessages(store, {"name": "No server of its own"})
        reply = await messages.request(ASK, timeout_seconds=5)
        await messages.send({"type": "status-update", "status": "in-progress", "timestamp": 2})
        await messages.flush()
        return reply

    assert await live_server.run(ask_then_send()) == {"assistantId": "a-1"}
    await number_server.wait_for("status-update")

    assert org_server.received == []
    for received in number_server.received:
        assert received.headers["x-vapi-secret"] == "number-secret"
        assert received.headers["x-key"] == "k-1"
        assert_no_secret(received.message["phoneNumber"])
        assert received.message["phoneNumber"]["name"] == "Front line"
    assert_matches(number_server.received[0].message, "ServerMessageAssistantRequest")
    assert_matches(number_server.received[1].message, "ServerMessageStatusUpdate")


async def test_a_transient_number_s_server_is_used_and_its_secrets_stay_here(
    client: httpx.AsyncClient, live_server: LiveServer,
    number_server: FakeWebhook, org_server: FakeWebhook,
) -> None:  # fmt: skip
    # The shape `CreateCallDTO` documents (ImportTwilioPhoneNumberDTO), as a client sends it.
    sent = {k: v for k, v in twilio(number_server.url).items() if k not in ("provider", "number")}
    sent["twilioPhoneNumber"] = "+14155550123"
    store = await a_call(client, org_server, phoneNumber=sent)
    await ask(live_server, store, None)

    [received] = number_server.received
    assert received.headers["x-vapi-secret"] == "number-secret"
    assert_no_secret(received.message["phoneNumber"])
    in_call = received.message["call"]["phoneNumber"]
    assert in_call["twilioPhoneNumber"] == "+14155550123" and "twilioAuthToken" not in in_call
    assert in_call["server"] == {"url": number_server.url}
    assert TOKEN not in received.body.decode()
    assert_matches(received.message, "ServerMessageAssistantRequest")


async def test_the_assistant_s_server_still_comes_first_and_a_foreign_number_is_ignored(
    client: httpx.AsyncClient, other_key: str, live_server: LiveServer,
    number_server: FakeWebhook, org_server: FakeWebhook,
) -> None:  # fmt: skip
    number = (await client.post("/phone-number", json=twilio(number_server.url))).json()
    store = await a_call(client, org_server, phoneNumberId=number["id"])
    with fake_webhook() as assistant_server:
        await ask(live_server, store, {"server": {"url": assistant_server.url}})
        assert len(assistant_server.received) == 1
        assert_no_secret(assistant_server.received[0].message["phoneNumber"])
    assert number_server.received == []

    other = {"Authorization": f"Bearer {other_key}"}
    theirs = await client.post("/phone-number", json=twilio(number_server.url), headers=other)
    foreign = await a_call(client, org_server, phoneNumberId=theirs.json()["id"])
    await ask(live_server, foreign, None)
    assert number_server.received == [] and len(org_server.received) == 1
    assert "phoneNumber" not in org_server.received[0].message
