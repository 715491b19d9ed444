"""Secrets are encrypted in the database (db/sealed.py): the raw row holds no plaintext,
while the API and the code that reads `row.data` see them as before, and a key that cannot
open them is a clear error."""

import asyncio
import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from tests.integration.control.phone_number import test_secrets as numbers
from tests.support.fake_twilio import FakeTwilio
from tests.support.fake_vonage import API_KEY, API_SECRET, FakeVonage
from tests.support.fake_webhook import fake_webhook
from tests.support.server import LiveServer
from voxgate.config import get_settings
from voxgate.db.models import Org, ServerMessage, Tool
from voxgate.kit.sealing import PREFIX, SealError
from voxgate.webhooks.outbox import enqueue

pytestmark = pytest.mark.db
TOOL_SECRET = "tool-server-secret-0123456789-TL7"
ASSISTANT_SECRET = "assistant-secret-0123456789-AS8"
OPENAI_KEY = "sk-assistant-credential-0123456789"


@pytest.fixture
async def engine(live_server: LiveServer) -> AsyncIterator[AsyncEngine]:
    made = create_async_engine(get_settings().resolved_database_url)
    yield made
    await made.dispose()


async def raw(engine: AsyncEngine, table: str, id: str, column: str = "data") -> str:
    """The column as the database holds it: text, nothing opened."""
    async with engine.connect() as connection:
        query = text(f"SELECT CAST({column} AS TEXT) FROM {table} WHERE id = :id")
        found = (await connection.execute(query, {"id": id})).scalar_one()
    assert isinstance(found, str)
    return found


async def test_phone_number_secrets_are_encrypted_in_the_row(
    client: httpx.AsyncClient, engine: AsyncEngine, twilio: FakeTwilio
) -> None:
    # Importing a Twilio number checks it with Twilio: the fake holds it and knows the key.
    twilio.add_number(numbers.TWILIO["number"])  # type: ignore[arg-type]
    twilio.api_keys[numbers.API_KEY] = numbers.API_SECRET
    for body in (numbers.TWILIO, numbers.VAPI):
        created = (await client.post("/phone-number", json=body)).json()
        row = await raw(engine, "phone_number", created["id"])
        assert PREFIX in row and not [secret for secret in numbers.SECRETS if secret in row]
        assert "https://example.com/" in row  # what is not secret stays readable
    shown = (await client.get(f"/phone-number/{created['id']}")).json()
    assert shown["authentication"]["password"] == numbers.masked(numbers.SIP_PASSWORD)
    twilio = (await client.post("/phone-number", json=numbers.TWILIO)).json()
    assert twilio["twilioAuthToken"] == numbers.masked(numbers.AUTH_TOKEN)
    data = await numbers.stored(twilio["id"])  # `row.data`, as the rest of the code reads it
    assert data["twilioAuthToken"] == numbers.AUTH_TOKEN
    assert data["server"]["secret"] == numbers.SERVER_SECRET


async def test_a_vonage_credentials_secrets_are_encrypted_in_the_row(
    client: httpx.AsyncClient, engine: AsyncEngine, vonage: FakeVonage
) -> None:
    body = {"provider": "vonage", "apiKey": API_KEY, "apiSecret": API_SECRET}
    created = (await client.post("/credential", json=body)).json()
    row = await raw(engine, "credential", created["id"])
    assert API_SECRET not in row and "PRIVATE KEY" not in row  # the application's key too
    assert created["vonageApplicationId"] in row  # an id is not secret


async def test_tool_and_assistant_secrets_are_encrypted_in_the_row(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    tool = {"type": "function", "function": {"name": "lookup"},
            "server": {"url": "https://example.com/tools", "secret": TOOL_SECRET}}  # fmt: skip
    created = (await client.post("/tool", json=tool)).json()
    assert TOOL_SECRET not in await raw(engine, "tool", created["id"])
    assert created["server"]["secret"] == numbers.masked(TOOL_SECRET)
    assistant = {
        "name": "Sealed",
        "server": {"url": "https://example.com/hooks", "secret": ASSISTANT_SECRET},
        "credentials": [{"provider": "openai", "apiKey": OPENAI_KEY}],
    }
    made = (await client.post("/assistant", json=assistant)).json()
    row = await raw(engine, "assistant", made["id"])
    assert ASSISTANT_SECRET not in row and OPENAI_KEY not in row
    shown = (await client.get(f"/assistant/{made['id']}")).json()  # assistants are not masked
    assert shown["server"]["secret"] == ASSISTANT_SECRET
    assert shown["credentials"][0]["apiKey"] == OPENAI_KEY


async def test_a_webhook_gets_its_secret_while_the_delivery_row_keeps_it_sealed(
    engine: AsyncEngine,
) -> None:
    async with AsyncSession(engine, expire_on_commit=False) as session:
        org = Org(name=f"sealed-{id(engine)}", server={"url": "https://x.test", "secret": "o-s"})
        session.add(org)
        await session.commit()
    assert "o-s" not in await raw(engine, "org", org.id, "server")
    with fake_webhook() as webhook:
        target = {"url": webhook.url, "timeoutSeconds": 5, "headers": {}, "secret": "wh-secret"}
        message = {"type": "status-update", "status": "ended", "timestamp": 1}
        delivery = await enqueue(
            org.id, None, target, message, async_sessionmaker(engine, expire_on_commit=False)
        )
        assert "wh-secret" not in await raw(engine, "server_message", delivery, "target")
        await _delivered(engine, delivery)
        [received] = webhook.received
    assert received.headers["x-vapi-secret"] == "wh-secret"


async def _delivered(engine: AsyncEngine, delivery: str) -> None:
    for _ in range(150):
        async with AsyncSession(engine) as session:
            row = await session.get(ServerMessage, delivery)
            assert row is not None
            if row.status != "pending":
                assert row.status == "delivered", row.last_error
                return
        await asyncio.sleep(0.1)
    raise AssertionError("still pending")


async def test_a_plaintext_row_written_before_encryption_still_reads(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    created = await client.post("/tool", json={"type": "function", "function": {"name": "f"}})
    tool_id = created.json()["id"]
    document = {**created.json(), "server": {"url": "https://example.com", "secret": TOOL_SECRET}}
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE tool SET data = :data WHERE id = :id"),
            {"data": json.dumps(document), "id": tool_id},
        )
    shown = (await client.get(f"/tool/{tool_id}")).json()
    assert shown["server"]["secret"] == numbers.masked(TOOL_SECRET)


@pytest.fixture
def another_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("VOXGATE_SECRET_KEY", Fernet.generate_key().decode())
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


async def test_another_key_cannot_read_the_secrets_and_says_so(
    client: httpx.AsyncClient, engine: AsyncEngine, request: pytest.FixtureRequest
) -> None:
    tool = {"type": "function", "function": {"name": "lookup"},
            "server": {"url": "https://example.com/tools", "secret": TOOL_SECRET}}  # fmt: skip
    tool_id = (await client.post("/tool", json=tool)).json()["id"]
    request.getfixturevalue("another_key")
    async with AsyncSession(engine) as session:
        with pytest.raises(SealError, match=r"written with another one.*VOXGATE_SECRET_KEY"):
            await session.get(Tool, tool_id)
