"""Telnyx accounts and numbers, on loopback (the Telnyx fake, tests/support/fake_telnyx.py):
connecting an account makes voxgate's Call Control Application, importing a number checks the
account holds it and assigns it to that application."""

import httpx
import pytest

from tests.e2e.phone import TELNYX_NUMBER, import_telnyx_number, telnyx_account
from tests.support.fake_telnyx import API_KEY, FakeTelnyx
from tests.support.reference import assert_matches
from voxgate.config import get_settings

pytestmark = pytest.mark.db
INBOUND_URL = "https://voxgate.test/telnyx/inbound"


async def test_connecting_an_account_makes_its_call_control_application(
    client: httpx.AsyncClient, telnyx: FakeTelnyx
) -> None:
    credential = await telnyx_account(client, telnyx.public_key)
    [application] = telnyx.applications.values()
    assert application["webhook_event_url"] == INBOUND_URL
    assert application["webhook_api_version"] == "2"
    assert credential["telnyxApplicationId"] == application["id"]
    assert credential["apiKey"] != API_KEY and API_KEY not in str(credential)
    assert credential["publicKey"] == telnyx.public_key
    assert {r.api_key for r in telnyx.requests} == {API_KEY}

    # A rename asks Telnyx nothing; the server-set application id cannot be sent.
    path = f"/credential/{credential['id']}"
    renamed = await client.patch(path, json={"name": "Night"})
    assert renamed.status_code == 200 and len(telnyx.requests) == 1
    assert renamed.json()["telnyxApplicationId"] == application["id"]
    sent = await client.patch(path, json={"telnyxApplicationId": "mine"})
    assert sent.status_code == 400


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"apiKey": "KEY-not-the-account's"}, "Telnyx did not accept the API key"),
        ({"publicKey": "bm90IGEga2V5"}, "publicKey must be the account's Ed25519 public key"),
    ],
)
async def test_a_credential_telnyx_refuses_is_not_stored(
    client: httpx.AsyncClient, telnyx: FakeTelnyx, fields: dict[str, str], message: str
) -> None:
    body = {"provider": "telnyx", "apiKey": API_KEY, "publicKey": telnyx.public_key, **fields}
    response = await client.post("/credential", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["message"].startswith(message)
    assert "not-the-account" not in response.text
    assert (await client.get("/credential")).json() == []
    assert telnyx.applications == {}


async def test_importing_a_number_assigns_it_to_voxgates_application(
    client: httpx.AsyncClient, telnyx: FakeTelnyx
) -> None:
    number = await import_telnyx_number(client, telnyx.public_key, name="Front line")
    assert_matches(number, "TelnyxPhoneNumber")
    assert telnyx.numbers[TELNYX_NUMBER]["connection_id"] == telnyx.application_id
    _, listed, assigned = telnyx.requests
    assert (listed.method, listed.params) == ("GET", {"filter[phone_number]": TELNYX_NUMBER})
    assert (assigned.method, assigned.path) == (
        "PATCH", f"/v2/phone_numbers/{telnyx.numbers[TELNYX_NUMBER]['id']}"
    )  # fmt: skip
    assert assigned.body == {"connection_id": telnyx.application_id}

    moved = await client.patch(f"/phone-number/{number['id']}", json={"number": "+15550009999"})
    assert moved.status_code == 400
    assert moved.json()["message"] == "Number Not Found on Telnyx."


async def test_a_number_the_account_does_not_hold_is_not_stored(
    client: httpx.AsyncClient, telnyx: FakeTelnyx
) -> None:
    credential = await telnyx_account(client, telnyx.public_key)
    body = {"provider": "telnyx", "number": "+15550009999", "credentialId": credential["id"]}
    response = await client.post("/phone-number", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["message"] == "Number Not Found on Telnyx."
    assert (await client.get("/phone-number")).json() == []


async def test_a_key_revoked_since_is_a_400_naming_the_fix(
    client: httpx.AsyncClient, telnyx: FakeTelnyx
) -> None:
    credential = await telnyx_account(client, telnyx.public_key)
    telnyx.api_key = "KEY-rotated"  # the account's key changed after it was connected
    body = {"provider": "telnyx", "number": TELNYX_NUMBER, "credentialId": credential["id"]}
    response = await client.post("/phone-number", json=body)
    assert response.status_code == 400, response.text
    assert "check the credential's `apiKey`" in response.json()["message"]
    assert (await client.get("/phone-number")).json() == []


async def test_telnyx_unreachable_is_a_502_and_nothing_is_stored(
    client: httpx.AsyncClient, telnyx: FakeTelnyx, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOXGATE_TELNYX_API_URL", "http://127.0.0.1:9")  # nothing listens
    get_settings.cache_clear()
    body = {"provider": "telnyx", "apiKey": API_KEY, "publicKey": telnyx.public_key}
    response = await client.post("/credential", json=body)
    assert response.status_code == 502, response.text
    assert response.json()["message"].startswith("Telnyx could not be reached")
    assert (await client.get("/credential")).json() == []


async def test_a_rotated_key_keeps_the_application_and_its_numbers(
    client: httpx.AsyncClient, telnyx: FakeTelnyx
) -> None:
    number = await import_telnyx_number(client, telnyx.public_key)
    [credential] = (await client.get("/credential")).json()
    application = credential["telnyxApplicationId"]
    telnyx.api_key = "KEY-rotated"
    path = f"/credential/{credential['id']}"
    rotated = await client.patch(path, json={"apiKey": "KEY-rotated"})
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["telnyxApplicationId"] == application
    assert list(telnyx.applications) == [application]  # none made
    pointed = telnyx.requests[-1]
    assert (pointed.method, pointed.path) == (
        "PATCH",
        f"/v2/call_control_applications/{application}",
    )
    assert pointed.body["webhook_event_url"] == INBOUND_URL and pointed.api_key == "KEY-rotated"
    assert telnyx.numbers[TELNYX_NUMBER]["connection_id"] == application
    assert (await client.get(f"/phone-number/{number['id']}")).status_code == 200

    refused = await client.patch(path, json={"apiKey": "KEY-wrong"})
    assert refused.status_code == 400
    assert (await client.get(path)).json()["apiKey"] == rotated.json()["apiKey"]
