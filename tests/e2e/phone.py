"""Phone calls on loopback: a number of the Twilio fake's account imported into voxgate, and
calls through it (the `twilio` fixture, conftest.py, points voxgate at the fake)."""

from typing import Any

import httpx

from tests.support.fake_twilio import ACCOUNT_SID, AUTH_TOKEN

NUMBER = "+15550001111"  # the account's number, voxgate's side of every call
CUSTOMER = "+15550002222"


async def import_number(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    """`NUMBER`, imported with the fake account's SID and auth token."""
    body = {
        "provider": "twilio",
        "number": NUMBER,
        "twilioAccountSid": ACCOUNT_SID,
        "twilioAuthToken": AUTH_TOKEN,
        **fields,
    }
    response = await client.post("/phone-number", json=body)
    assert response.status_code == 201, response.text
    number: dict[str, Any] = response.json()
    return number
