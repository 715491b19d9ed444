"""Carrier credentials over HTTP: stored per provider, secrets masked, org-scoped, 400s."""

from typing import Any

import httpx
import pytest

from tests.support.fake_telnyx import FakeTelnyx
from tests.support.fake_vonage import FakeVonage
from tests.support.reference import assert_matches

pytestmark = pytest.mark.db

VONAGE = {"provider": "vonage", "apiKey": "a1b2c3d4", "apiSecret": "Vonage-Secret-0123456789"}
TELNYX = {
    "provider": "telnyx",
    "apiKey": "KEY0123456789ABCDEF_abcdefghijkl",
    "publicKey": "b64-ed25519-public-key",
    "name": "Main account",
}


@pytest.fixture
def telnyx_body(telnyx: FakeTelnyx) -> dict[str, Any]:
    """`TELNYX` as an account of the Telnyx fake, which checks it."""
    telnyx.api_key = TELNYX["apiKey"]
    return {**TELNYX, "publicKey": telnyx.public_key}


async def test_a_telnyx_credential_is_stored_and_shown_masked(
    client: httpx.AsyncClient, telnyx_body: dict[str, Any]
) -> None:
    created = await client.post("/credential", json=telnyx_body)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["apiKey"] == "*" * 28 + "ijkl"
    assert body["publicKey"] == telnyx_body["publicKey"]  # public: shown whole
    assert body["provider"] == "telnyx" and body["name"] == "Main account"
    assert (await client.get(f"/credential/{body['id']}")).json() == body
    assert [c["id"] for c in (await client.get("/credential")).json()] == [body["id"]]


async def test_a_vonage_credential_matches_the_reference_once_its_carrier_set_it_up(
    client: httpx.AsyncClient, vonage: FakeVonage
) -> None:
    body = (await client.post("/credential", json=VONAGE)).json()
    assert body["apiKey"] == "a1b2c3d4"  # names the account
    assert body["apiSecret"] == "*" * 20 + "6789"
    assert body["vonageApplicationId"] in vonage.applications  # made by the Vonage carrier
    assert_matches(body, "VonageCredential")


async def test_a_patch_echoing_the_masked_secret_keeps_it(
    client: httpx.AsyncClient, telnyx_body: dict[str, Any]
) -> None:
    body = (await client.post("/credential", json=telnyx_body)).json()
    patched = await client.patch(
        f"/credential/{body['id']}", json={"apiKey": body["apiKey"], "name": "Renamed"}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["name"] == "Renamed"
    assert patched.json()["apiKey"] == body["apiKey"]


@pytest.mark.parametrize(
    ("sent", "said"),
    [
        ({"provider": "plivo", "apiKey": "x"}, "provider must be one of the following values: "
         "telnyx, vonage"),
        ({"provider": "vonage", "apiKey": "x"}, "apiSecret should not be empty"),
        ({**TELNYX, "name": ""}, "name must be longer than or equal to 1 characters"),
    ],
)  # fmt: skip
async def test_a_bad_credential_is_a_400_and_nothing_is_stored(
    client: httpx.AsyncClient, sent: dict[str, Any], said: str
) -> None:
    response = await client.post("/credential", json=sent)
    assert response.status_code == 400, response.text
    assert said in response.json()["message"]
    assert (await client.get("/credential")).json() == []


async def test_another_orgs_credential_is_a_404_and_unchanged(
    client: httpx.AsyncClient, other_key: str, telnyx_body: dict[str, Any]
) -> None:
    mine = (await client.post("/credential", json=telnyx_body)).json()
    other = {"Authorization": f"Bearer {other_key}"}
    for method in ("GET", "PATCH", "DELETE"):
        kwargs: dict[str, Any] = {"json": {"name": "theirs"}} if method == "PATCH" else {}
        response = await client.request(
            method, f"/credential/{mine['id']}", headers=other, **kwargs
        )
        assert response.status_code == 404, method
        assert response.json()["message"] == "Credential not found"
    assert (await client.get("/credential", headers=other)).json() == []
    assert (await client.get(f"/credential/{mine['id']}")).json() == mine


async def test_a_deleted_credential_is_gone(client: httpx.AsyncClient, vonage: FakeVonage) -> None:
    body = (await client.post("/credential", json=VONAGE)).json()
    assert (await client.delete(f"/credential/{body['id']}")).json() == body
    assert (await client.get(f"/credential/{body['id']}")).status_code == 404
