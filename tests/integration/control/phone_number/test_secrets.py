"""Phone-number secrets are stored whole and never appear whole in any response body."""

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from tests.support.fake_twilio import ACCOUNT_SID, FakeTwilio
from tests.support.reference import assert_matches
from voxgate.config import get_settings
from voxgate.db.models import PhoneNumber

pytestmark = pytest.mark.db

AUTH_TOKEN = "tw-auth-token-0123456789abcdef-TOK1"
API_SECRET = "tw-api-secret-0123456789abcdef-SEC2"
SERVER_SECRET = "server-secret-0123456789abcdef-SRV3"
LEGACY_SECRET = "legacy-secret-0123456789abcdef-LEG4"
SIP_PASSWORD = "sip-password-0123456789-PWD5"
API_KEY = "SK0123456789abcdef0123456789abcdef"
SECRETS = (AUTH_TOKEN, API_SECRET, SERVER_SECRET, LEGACY_SECRET, SIP_PASSWORD)

TWILIO = {
    "provider": "twilio",
    "number": "+14155550100",
    "twilioAccountSid": ACCOUNT_SID,
    "twilioAuthToken": AUTH_TOKEN,
    "twilioApiKey": API_KEY,
    "twilioApiSecret": API_SECRET,
    "server": {"url": "https://example.com/hooks", "secret": SERVER_SECRET},
}
VAPI = {
    "provider": "vapi",
    "sipUri": "sip:desk@sip.example.com",
    "serverUrl": "https://example.com/legacy",
    "serverUrlSecret": LEGACY_SECRET,
    "authentication": {"username": "desk-user-0123456789", "password": SIP_PASSWORD},
}


@pytest.fixture(autouse=True)
def twilio_account(twilio: FakeTwilio) -> None:
    """The fake Twilio account holds the number and knows the API key (importing checks)."""
    twilio.add_number(TWILIO["number"])  # type: ignore[arg-type]
    twilio.api_keys[API_KEY] = API_SECRET


def masked(secret: str) -> str:
    return "*" * (len(secret) - 4) + secret[-4:]


def assert_no_secret(response: httpx.Response) -> None:
    assert response.status_code in (200, 201), response.text
    for secret in SECRETS:
        assert secret not in response.text


async def stored(id: str) -> dict[str, Any]:
    engine = create_async_engine(get_settings().resolved_database_url)
    async with AsyncSession(engine) as session:
        row = await session.scalar(select(PhoneNumber).where(PhoneNumber.id == id))
        assert row is not None
        data = dict(row.data)
    await engine.dispose()
    return data


async def test_secrets_never_leave_in_full(client: httpx.AsyncClient, twilio: FakeTwilio) -> None:
    responses: list[httpx.Response] = []
    imported = await client.post("/phone-number", json=TWILIO)
    # An API key pair, when set, is what voxgate signs in to Twilio with.
    assert {r.auth for r in twilio.requests} == {(API_KEY, API_SECRET)}
    vapi = await client.post("/phone-number", json=VAPI)
    responses += [imported, vapi]
    t, v = imported.json(), vapi.json()
    assert_matches(t, "TwilioPhoneNumber")
    assert_matches(v, "VapiPhoneNumber")
    assert t["twilioAuthToken"] == masked(AUTH_TOKEN)
    assert t["twilioApiSecret"] == masked(API_SECRET)
    assert t["server"]["secret"] == masked(SERVER_SECRET)
    assert t["twilioApiKey"] == TWILIO["twilioApiKey"]  # an identifier, not a secret
    assert v["serverUrlSecret"] == masked(LEGACY_SECRET)
    assert v["server"] == {"url": VAPI["serverUrl"], "secret": masked(LEGACY_SECRET)}
    assert v["authentication"]["password"] == masked(SIP_PASSWORD)

    responses += [
        await client.get(f"/phone-number/{t['id']}"),
        await client.get(f"/phone-number/{v['id']}"),
        await client.get("/phone-number"),
        await client.get("/v2/phone-number"),
        await client.get("/v2/phone-number", params={"search": "desk"}),
        await client.patch(f"/phone-number/{t['id']}", json={"name": "Renamed"}),
        await client.patch(f"/phone-number/{v['id']}", json={"provider": "vapi", "name": "Desk"}),
    ]
    for response in responses:
        assert_no_secret(response)

    # Stored whole, for the carrier integration to use.
    data = await stored(t["id"])
    assert data["twilioAuthToken"] == AUTH_TOKEN and data["twilioApiSecret"] == API_SECRET
    assert data["server"]["secret"] == SERVER_SECRET
    data = await stored(v["id"])
    assert data["authentication"]["password"] == SIP_PASSWORD
    assert data["serverUrlSecret"] == LEGACY_SECRET and data["server"]["secret"] == LEGACY_SECRET

    for number in (t, v):
        assert_no_secret(await client.delete(f"/phone-number/{number['id']}"))


async def test_sending_back_the_masked_value_keeps_the_secret(client: httpx.AsyncClient) -> None:
    created = (await client.post("/phone-number", json=TWILIO)).json()
    path = f"/phone-number/{created['id']}"
    echo = {key: created[key] for key in ("twilioAuthToken", "twilioApiSecret", "server")}
    assert_no_secret(await client.patch(path, json={**echo, "name": "Same secrets"}))
    data = await stored(created["id"])
    assert data["twilioAuthToken"] == AUTH_TOKEN and data["server"]["secret"] == SERVER_SECRET

    rotated = "tw-auth-token-rotated-0123456789-NEW9"
    response = await client.patch(path, json={"twilioAuthToken": rotated})
    assert response.json()["twilioAuthToken"] == masked(rotated)
    assert (await stored(created["id"]))["twilioAuthToken"] == rotated


async def test_short_secrets_are_masked_entirely(client: httpx.AsyncClient) -> None:
    response = await client.post("/phone-number", json={**TWILIO, "twilioAuthToken": "abc123"})
    assert response.json()["twilioAuthToken"] == "******"
