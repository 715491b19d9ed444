"""Phone calls on loopback: a number of the Twilio (or Telnyx) fake's account imported into
voxgate, calls through it (the `twilio` and `telnyx` fixtures, conftest.py, point voxgate at
the fakes), and the caller's keys reaching the LLM on any carrier's call."""

import time
from typing import Any, Protocol

import httpx

from tests.e2e.fake_llm import FakeLLM
from tests.support.fake_telnyx import API_KEY as TELNYX_KEY
from tests.support.fake_twilio import ACCOUNT_SID, AUTH_TOKEN

NUMBER = "+15550001111"  # the account's number, voxgate's side of every call
CUSTOMER = "+15550002222"
TELNYX_NUMBER = "+15550004444"  # the Telnyx fake's account's number


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


async def telnyx_account(client: httpx.AsyncClient, public_key: str) -> dict[str, Any]:
    """The Telnyx fake's account as a `/credential` (voxgate makes its application)."""
    body = {"provider": "telnyx", "apiKey": TELNYX_KEY, "publicKey": public_key, "name": "Main"}
    response = await client.post("/credential", json=body)
    assert response.status_code == 201, response.text
    credential: dict[str, Any] = response.json()
    return credential


async def import_telnyx_number(
    client: httpx.AsyncClient, public_key: str, **fields: Any
) -> dict[str, Any]:
    """`TELNYX_NUMBER`, imported with a new credential of the fake's account."""
    credential = await telnyx_account(client, public_key)
    body = {"provider": "telnyx", "number": TELNYX_NUMBER, "credentialId": credential["id"]}
    response = await client.post("/phone-number", json={**body, **fields})
    assert response.status_code == 201, response.text
    number: dict[str, Any] = response.json()
    return number


# An assistant's keypadInputPlan: keys ending with `#` reach the LLM as the caller's words.
KEYPAD_PLAN = {"enabled": True, "delimiters": "#", "timeoutSeconds": 5}


class Keypad(Protocol):
    """The phone side of any carrier's fake call: it presses keys and carries audio."""

    async def press(self, keys: str, /) -> None: ...

    async def say(self, pcm: bytes, /) -> None: ...


def user_said(llm: FakeLLM, text: str) -> bool:
    return any(
        m.get("role") == "user" and m.get("content") == text
        for request in llm.requests
        for m in request["messages"]
    )


async def press_until_heard(phone: Keypad, llm: FakeLLM, keys: str, silence: bytes) -> None:
    """The phone presses `keys` (ending with the keypadInputPlan's delimiter, which ends the
    entry at once), then carries `silence` (20 ms of it, as a line does) until the LLM has been
    sent the keys as the caller's words, within 4 s: well before the plan's timeout."""
    await phone.press(keys)
    deadline = time.monotonic() + 4
    while not user_said(llm, keys) and time.monotonic() < deadline:
        await phone.say(silence)
    assert user_said(llm, keys), [r["messages"] for r in llm.requests]


# A stored phone call, until voxgate dials through Twilio itself (appended: imports here).
from tests.support.fake_twilio import FakeCall, FakeTwilio, sid  # noqa: E402
from tests.support.server import LiveServer  # noqa: E402
from voxgate.control.call.service import kind as calls  # noqa: E402
from voxgate.control.crud import Repository  # noqa: E402
from voxgate.db.session import get_sessionmaker  # noqa: E402
from voxgate.telephony.twilio.twiml import connect_stream  # noqa: E402


async def _store_call(org_id: str, data: dict[str, Any]) -> str:
    """Inserts the call's row as `POST /call` would (runs on the server's loop)."""
    async with get_sessionmaker()() as session:
        row = await Repository(session, calls, org_id).create(data)
        await session.commit()
        return str(row.id)


async def stored_call(
    live_server: LiveServer,
    twilio: FakeTwilio,
    number: dict[str, Any],
    assistant: dict[str, Any],
    **fields: Any,
) -> tuple[str, FakeCall]:
    """An outbound call from `number` to `CUSTOMER`, answered: its row stored directly (until
    voxgate dials through Twilio itself) and its media stream opened by the fake. `fields` go
    on the call's document. Returns the call's id and the customer's phone."""
    call_sid = sid("CA")
    data = {
        "type": "outboundPhoneCall",
        "status": "queued",
        "phoneNumberId": number["id"],
        "phoneCallProvider": "twilio",
        "phoneCallProviderId": call_sid,
        "assistant": assistant,
        "customer": {"number": CUSTOMER},
        **fields,
    }
    call_id = await live_server.run(_store_call(number["orgId"], data))
    call = FakeCall(twilio, call_sid, CUSTOMER, NUMBER, connect_stream(call_id, number))
    call.status = "in-progress"
    twilio.calls[call.sid] = call
    await call.open_stream()
    return call_id, call
