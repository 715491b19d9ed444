"""Phone numbers over HTTP: the five providers, the paginated list, legacy fields, 400/404s."""

import asyncio
from typing import Any

import httpx
import pytest

from tests.e2e.phone import telnyx_account
from tests.support.fake_telnyx import FakeTelnyx
from tests.support.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from tests.support.fake_vonage import API_KEY, API_SECRET, FakeVonage
from tests.support.reference import assert_matches
from voxgate.control.secrets import masked
from voxgate.wire.phone_number import SECRETS

pytestmark = pytest.mark.db

# Twilio numbers are checked with Twilio when imported: the fake's account holds these.
TWILIO = {
    "provider": "twilio",
    "number": "+14155550100",
    "twilioAccountSid": ACCOUNT_SID,
    "twilioAuthToken": AUTH_TOKEN,
    "name": "Front desk",
    "smsEnabled": False,
    "server": {"url": "https://example.com/hooks", "timeoutSeconds": 10},
    "fallbackDestination": {"type": "number", "number": "+14155550199"},
}
CREDENTIAL = "b7e1a3f0-6d5c-4a8e-9f21-0c3d4e5f6a7b"

# One valid create body per provider, and the reference schema its response must match.
MINIMAL: list[tuple[dict[str, Any], str]] = [
    ({"provider": "byo-phone-number", "credentialId": CREDENTIAL}, "ByoPhoneNumber"),
    (TWILIO, "TwilioPhoneNumber"),
    (
        {"provider": "vonage", "number": "+442071838750", "credentialId": CREDENTIAL},
        "VonagePhoneNumber",
    ),
    ({"provider": "vapi", "sipUri": "sip:front-desk@sip.example.com"}, "VapiPhoneNumber"),
    (
        {"provider": "telnyx", "number": "+13125550123", "credentialId": CREDENTIAL},
        "TelnyxPhoneNumber",
    ),
]
SCHEMAS = {body["provider"]: schema for body, schema in MINIMAL}
PROVIDERS = "byo-phone-number, twilio, vonage, vapi, telnyx"


@pytest.fixture(autouse=True)
def twilio_numbers(twilio: FakeTwilio) -> None:
    twilio.add_number("+14155550100")
    twilio.add_number("+442071838750")


def shown(body: dict[str, Any]) -> dict[str, Any]:
    """`body` as a response shows it: its secrets masked."""
    return masked(body, SECRETS)


def bad_request(response: httpx.Response, *messages: str) -> None:
    assert response.status_code == 400, response.text
    assert response.json() == {
        "message": list(messages),
        "error": "Bad Request",
        "statusCode": 400,
    }


def assert_phone_number(body: dict[str, Any]) -> None:
    assert_matches(body, SCHEMAS[body["provider"]])


async def test_twilio_number_create_get_list_update_delete(client: httpx.AsyncClient) -> None:
    created = await client.post("/phone-number", json=TWILIO)
    assert created.status_code == 201
    body = created.json()
    assert_matches(body, "TwilioPhoneNumber")
    assert {k: body[k] for k in TWILIO} == shown(TWILIO)
    assert body["status"] == "active"

    fetched = await client.get(f"/phone-number/{body['id']}")
    assert fetched.status_code == 200 and fetched.json() == body
    assert (await client.get("/phone-number")).json() == [body]

    patched = await client.patch(
        f"/phone-number/{body['id']}",
        json={
            "name": "Night line",
            "server": {"url": "https://example.com/night"},
            "smsEnabled": None,
        },
    )
    assert patched.status_code == 200
    updated = patched.json()
    assert_matches(updated, "TwilioPhoneNumber")
    assert updated["name"] == "Night line"
    assert updated["server"] == {"url": "https://example.com/night"}  # replaced, not merged
    assert "smsEnabled" not in updated
    assert updated["number"] == TWILIO["number"] and updated["provider"] == "twilio"
    assert updated["updatedAt"] > body["updatedAt"]

    deleted = await client.delete(f"/phone-number/{body['id']}")
    assert deleted.status_code == 200 and deleted.json() == updated
    assert (await client.get(f"/phone-number/{body['id']}")).status_code == 404


@pytest.mark.parametrize(("body", "schema"), MINIMAL, ids=[s for _, s in MINIMAL])
async def test_every_provider_round_trips(
    client: httpx.AsyncClient,
    telnyx: FakeTelnyx,
    vonage: FakeVonage,
    body: dict[str, Any],
    schema: str,
) -> None:
    if body["provider"] == "telnyx":  # checked with Telnyx: a credential of the fake's account
        telnyx.add_number(body["number"])
        body = {**body, "credentialId": (await telnyx_account(client, telnyx.public_key))["id"]}
    if body["provider"] == "vonage":  # its carrier checks the number with its credential's
        vonage.add_number(body["number"], "GB")
        credential = {"provider": "vonage", "apiKey": API_KEY, "apiSecret": API_SECRET}
        made = (await client.post("/credential", json=credential)).json()
        body = {**body, "credentialId": made["id"]}
    created = await client.post("/phone-number", json=body)
    assert created.status_code == 201, created.text
    number = created.json()
    assert_matches(number, schema)
    assert {k: number[k] for k in body} == shown(body) and number["status"] == "active"
    patched = await client.patch(
        f"/phone-number/{number['id']}", json={"provider": body["provider"], "name": "Renamed"}
    )
    assert patched.status_code == 200, patched.text
    assert_matches(patched.json(), schema)
    assert patched.json()["name"] == "Renamed"


async def test_a_vapi_number_is_not_provisioned(client: httpx.AsyncClient) -> None:
    created = await client.post(
        "/phone-number", json={"provider": "vapi", "numberDesiredAreaCode": "415"}
    )
    assert created.status_code == 201
    body = created.json()
    assert_matches(body, "VapiPhoneNumber")
    assert "number" not in body and body["numberDesiredAreaCode"] == "415"
    # The area code only matters when buying a number: an update cannot carry it.
    bad_request(
        await client.patch(f"/phone-number/{body['id']}", json={"numberDesiredAreaCode": "212"}),
        "property numberDesiredAreaCode should not exist",
    )


@pytest.mark.parametrize(
    ("body", "messages"),
    [
        (
            {"number": "+14155550100"},
            [f"provider must be one of the following values: {PROVIDERS}"],
        ),
        ({"provider": "plivo"}, [f"provider must be one of the following values: {PROVIDERS}"]),
        (
            {"provider": "twilio", "number": "+14155550100"},
            ["twilioAccountSid should not be empty"],
        ),
        ({"provider": "vonage", "credentialId": CREDENTIAL}, ["number should not be empty"]),
        ({"provider": "vapi", "number": "+14155550100"}, ["property number should not exist"]),
        ({**TWILIO, "twilioAuthTokn": "x"}, ["property twilioAuthTokn should not exist"]),
        ({**TWILIO, "status": "blocked"}, ["property status should not exist"]),
        ({**TWILIO, "name": "n" * 41}, ["name must be shorter than or equal to 40 characters"]),
        (
            {"provider": "vapi", "numberDesiredAreaCode": "4155"},
            ["numberDesiredAreaCode must be shorter than or equal to 3 characters"],
        ),
        (
            {"provider": "vapi", "authentication": {"username": "u" * 20, "password": "short"}},
            ["authentication.password must be longer than or equal to 20 characters"],
        ),
        # PostgreSQL cannot store U+0000; SQLite could, but both answer alike.
        ({**TWILIO, "name": "a\x00b"}, ["name must not contain the null character"]),
        (
            {**TWILIO, "hooks": [{"on": "call.ending", "do": {"x\x00": 1}}]},
            ["hooks.0.do.x\x00 must not contain the null character"],
        ),
        (
            {**TWILIO, "fallbackDestination": {"type": "assistant"}},
            ["fallbackDestination.type must be one of the following values: number, sip"],
        ),
    ],
)
async def test_invalid_creates_are_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, body: dict[str, Any], messages: list[str]
) -> None:
    bad_request(await client.post("/phone-number", json=body), *messages)
    assert (await client.get("/phone-number")).json() == []


async def test_update_keeps_the_provider_and_what_it_needs(client: httpx.AsyncClient) -> None:
    number = (await client.post("/phone-number", json=TWILIO)).json()
    path = f"/phone-number/{number['id']}"
    bad_request(
        await client.patch(path, json={"provider": "vonage"}), "provider must be equal to twilio"
    )
    bad_request(await client.patch(path, json={"number": None}), "number should not be empty")
    bad_request(
        await client.patch(path, json={"credentialId": CREDENTIAL}),
        "property credentialId should not exist",
    )
    bad_request(
        await client.patch(path, json={"status": "blocked"}), "property status should not exist"
    )
    assert (await client.get(path)).json() == number


async def test_legacy_server_fields_are_kept_and_set_the_server(client: httpx.AsyncClient) -> None:
    secret = "legacy-secret-0123456789-LAST"
    body = {**TWILIO, "server": None, "serverUrl": "https://example.com/legacy"}
    body["serverUrlSecret"] = secret
    created = await client.post("/phone-number", json=body)
    assert created.status_code == 201
    number = created.json()
    assert_matches(number, "TwilioPhoneNumber")
    masked = "*" * (len(secret) - 4) + "LAST"
    assert number["serverUrl"] == "https://example.com/legacy"
    assert number["serverUrlSecret"] == masked
    assert number["server"] == {"url": "https://example.com/legacy", "secret": masked}

    path = f"/phone-number/{number['id']}"
    moved = (await client.patch(path, json={"serverUrl": "https://example.com/moved"})).json()
    assert moved["server"] == {"url": "https://example.com/moved", "secret": masked}
    # An explicit server.url in the same body wins over the legacy alias.
    both = {"serverUrl": "https://example.com/legacy2", "server": {"url": "https://new.example"}}
    explicit = (await client.patch(path, json=both)).json()
    assert explicit["server"] == {"url": "https://new.example"}
    assert explicit["serverUrl"] == "https://example.com/legacy2"
    cleared = (await client.patch(path, json={"serverUrl": None})).json()
    assert "serverUrl" not in cleared and "server" not in cleared
    assert_matches(cleared, "TwilioPhoneNumber")


async def test_paginated_list_pages_sorts_and_searches(client: httpx.AsyncClient) -> None:
    bodies = [
        {**TWILIO, "name": "Sales EU", "number": "+442071838750"},
        {**TWILIO, "name": "Support", "number": "+14155550100"},
        {"provider": "vapi", "name": "Lobby", "sipUri": "sip:Reception@sip.example.com"},
    ]
    made = []
    for body in bodies:
        made.append((await client.post("/phone-number", json=body)).json())
        await asyncio.sleep(0.005)

    first = await client.get("/v2/phone-number", params={"limit": "2.0"})
    assert first.status_code == 200
    page = first.json()
    assert_matches(page, "PhoneNumberPaginatedResponse")
    assert [n["id"] for n in page["results"]] == [made[2]["id"], made[1]["id"]]
    assert page["metadata"] == {
        "itemsPerPage": 2,
        "totalItems": 3,
        "currentPage": 1,
        "totalPages": 2,
        "hasNextPage": True,
        "sortOrder": "DESC",
    }
    second = (await client.get("/v2/phone-number", params={"limit": 2, "page": 2})).json()
    assert [n["id"] for n in second["results"]] == [made[0]["id"]]
    assert second["metadata"]["hasNextPage"] is False and second["metadata"]["currentPage"] == 2

    ascending = (await client.get("/v2/phone-number", params={"sortOrder": "ASC"})).json()
    assert [n["id"] for n in ascending["results"]] == [m["id"] for m in made]
    for number in ascending["results"]:
        assert_phone_number(number)

    async def found(search: str) -> list[str]:
        response = await client.get("/v2/phone-number", params={"search": search})
        assert response.status_code == 200
        return [n["name"] for n in response.json()["results"]]

    assert await found("sales") == ["Sales EU"]  # name, any case
    assert await found("555") == ["Support"]  # number
    assert await found("RECEPTION@") == ["Lobby"]  # SIP URI
    assert await found("%") == [] and await found("_") == []  # wildcards match themselves
    assert sorted(await found("s")) == ["Lobby", "Sales EU", "Support"]

    created_after = {"createdAtGt": made[0]["createdAt"]}
    filtered = (await client.get("/v2/phone-number", params=created_after)).json()
    assert filtered["metadata"]["totalItems"] == 2

    too_long = await client.get("/v2/phone-number", params={"search": "x" * 101})
    bad_request(too_long, "search must be shorter than or equal to 100 characters")
    nul = await client.get("/v2/phone-number", params={"search": "a\x00"})
    bad_request(nul, "search is invalid")
    bad = await client.get("/v2/phone-number", params={"sortOrder": "UP"})
    assert bad.status_code == 400
    for far in ("9", "1e300"):
        empty = (await client.get("/v2/phone-number", params={"page": far})).json()
        assert empty["results"] == [] and empty["metadata"]["totalItems"] == 3
        assert empty["metadata"]["hasNextPage"] is False
    assert (await client.get("/v2/phone-number", params={"page": "inf"})).status_code == 400


async def test_unknown_ids_are_404s(client: httpx.AsyncClient) -> None:
    missing = "6f0b5a8e-3c0e-4d4b-9a57-1f2f5a0e1e11"
    for method in ("GET", "PATCH", "DELETE"):
        kwargs: dict[str, Any] = {"json": {"name": "x"}} if method == "PATCH" else {}
        response = await client.request(method, f"/phone-number/{missing}", **kwargs)
        assert response.status_code == 404, method
        assert response.json() == {
            "message": "Phone number not found",
            "error": "Not Found",
            "statusCode": 404,
        }


async def test_another_orgs_number_is_a_404_and_unchanged(
    client: httpx.AsyncClient, other_key: str
) -> None:
    mine = (await client.post("/phone-number", json=TWILIO)).json()
    other = {"Authorization": f"Bearer {other_key}"}
    for method in ("GET", "PATCH", "DELETE"):
        kwargs: dict[str, Any] = {"json": {"name": "theirs"}} if method == "PATCH" else {}
        response = await client.request(
            method, f"/phone-number/{mine['id']}", headers=other, **kwargs
        )
        assert response.status_code == 404, method
    assert (await client.get("/phone-number", headers=other)).json() == []
    paged = (await client.get("/v2/phone-number", headers=other)).json()
    assert paged["results"] == [] and paged["metadata"]["totalItems"] == 0
    assert (await client.get(f"/phone-number/{mine['id']}")).json() == mine


async def test_missing_key_is_a_401(anonymous: httpx.AsyncClient) -> None:
    for path in ("/phone-number", "/v2/phone-number"):
        response = await anonymous.get(path)
        assert response.status_code == 401
