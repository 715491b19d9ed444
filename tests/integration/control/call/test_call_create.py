"""`POST /call` over HTTP: a queued websocket call, and every rule that refuses one."""

import asyncio
import re
import sqlite3
from typing import Any

import httpx
import pytest

from tests.support.assistants import MODEL, RUNNABLE
from tests.support.reference import assert_matches
from voxgate.config import get_settings

pytestmark = pytest.mark.db

WEBSOCKET = {"provider": "vapi.websocket"}
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


async def make_assistant(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"name": "Front desk", "model": MODEL, **fields}
    response = await client.post("/assistant", json=body)
    assert response.status_code == 201
    body: dict[str, Any] = response.json()
    return body


async def refused(client: httpx.AsyncClient, body: dict[str, Any]) -> Any:
    response = await client.post("/call", json=body)
    assert response.status_code == 400, response.text
    error = response.json()
    assert error["error"] == "Bad Request" and error["statusCode"] == 400
    assert (await client.get("/call")).json() == []  # nothing half-written
    return error["message"]


async def test_websocket_call_with_a_saved_assistant(client: httpx.AsyncClient) -> None:
    assistant = await make_assistant(client)
    request = {
        "assistantId": assistant["id"],
        "assistantOverrides": {"variableValues": {"name": "Ada"}},
        "customer": {"name": "Ada", "number": "+14155550100"},
        "name": "Demo",
        "metadata": {"ticket": 42},
        "assistantVersion": "3",
        "transport": {
            "provider": "vapi.websocket",
            "audioFormat": {"format": "mulaw", "container": "raw", "sampleRate": 8000},
        },
    }
    response = await client.post("/call", json=request)
    assert response.status_code == 201, response.text
    call = response.json()
    assert_matches(call, "Call")
    call_id = call["id"]
    assert re.fullmatch(UUID, call_id)
    assert {k: call[k] for k in request if k != "transport"} == {
        k: v for k, v in request.items() if k != "transport"
    }
    assert call["type"] == "vapi.websocketCall"
    assert call["status"] == "queued"
    assert call["cost"] == 0
    assert call["transport"] == {
        **request["transport"],
        "websocketCallUrl": f"wss://voxgate.test/call/{call_id}/transport",
    }
    assert call["monitor"] == {
        "listenUrl": f"wss://voxgate.test/call/{call_id}/listen",
        "controlUrl": f"https://voxgate.test/call/{call_id}/control",
    }
    assert '"sampleRate":8000}' in response.text  # an integer stays an integer on the wire
    assert call["createdAt"] == call["updatedAt"] and call["createdAt"].endswith("Z")
    assert "assistant" not in call  # resolved by the engine at connect time, not now
    assert (await client.get(f"/call/{call_id}")).json() == call


async def test_inline_assistant_gets_the_default_audio_format(client: httpx.AsyncClient) -> None:
    assistant = {
        "firstMessage": "Hi",
        "model": {"provider": "openai", "model": "gpt-4o"},
        "credentials": [{"provider": "openai", "apiKey": "sk-test"}],
    }
    response = await client.post("/call", json={"assistant": assistant, "transport": WEBSOCKET})
    assert response.status_code == 201, response.text
    call = response.json()
    assert_matches(call, "Call")
    assert call["assistant"] == assistant
    assert call["transport"]["audioFormat"] == {
        "format": "pcm_s16le",
        "container": "raw",
        "sampleRate": 16000,
    }


async def test_nulls_mean_unset(client: httpx.AsyncClient) -> None:
    body = {
        "assistant": {"firstMessage": None, "model": MODEL},
        "assistantId": None,
        "transport": {**WEBSOCKET, "conversationType": None},
        "metadata": {"kept": None},
    }
    response = await client.post("/call", json=body)
    assert response.status_code == 201, response.text
    call = response.json()
    assert_matches(call, "Call")
    assert call["assistant"] == {"model": MODEL} and "assistantId" not in call
    assert "conversationType" not in call["transport"]
    assert call["metadata"] == {"kept": None}  # free-form: the client's own data


async def test_a_url_sent_by_the_client_is_replaced(client: httpx.AsyncClient) -> None:
    transport = {**WEBSOCKET, "websocketCallUrl": "wss://evil.example/steal"}
    body = {"assistant": RUNNABLE, "transport": transport}
    call = (await client.post("/call", json=body)).json()
    assert call["transport"]["websocketCallUrl"].startswith("wss://voxgate.test/call/")


@pytest.mark.parametrize(
    ("plan", "expected"),
    [
        ({"listenEnabled": False}, {"controlUrl"}),
        ({"controlEnabled": False}, {"listenUrl"}),
        ({"listenEnabled": True, "controlEnabled": True}, {"listenUrl", "controlUrl"}),
    ],
)
async def test_monitor_plan_of_a_saved_assistant_decides_the_urls(
    client: httpx.AsyncClient, plan: dict[str, bool], expected: set[str]
) -> None:
    assistant = await make_assistant(client, monitorPlan=plan)
    body = {"assistantId": assistant["id"], "transport": WEBSOCKET}
    call = (await client.post("/call", json=body)).json()
    assert set(call["monitor"]) == expected


async def test_overrides_monitor_plan_wins_and_no_urls_means_no_monitor(
    client: httpx.AsyncClient,
) -> None:
    assistant = {"monitorPlan": {"listenEnabled": False}, **RUNNABLE}
    overrides = {"monitorPlan": {"controlEnabled": False}}
    body = {"assistant": assistant, "assistantOverrides": overrides, "transport": WEBSOCKET}
    response = await client.post("/call", json=body)
    assert response.status_code == 201
    assert "monitor" not in response.json()
    assert_matches(response.json(), "Call")


async def test_squad_by_id_and_inline(client: httpx.AsyncClient) -> None:
    assistant = await make_assistant(client)
    sales = {"name": "Sales", "model": MODEL}
    squad = {"members": [{"assistantId": assistant["id"]}, {"assistant": sales}]}
    saved = (await client.post("/squad", json=squad)).json()
    by_id = await client.post("/call", json={"squadId": saved["id"], "transport": WEBSOCKET})
    assert by_id.status_code == 201, by_id.text
    assert_matches(by_id.json(), "Call")
    inline = await client.post("/call", json={"squad": squad, "transport": WEBSOCKET})
    assert inline.status_code == 201, inline.text
    assert inline.json()["squad"] == squad
    assert_matches(inline.json(), "Call")


async def test_no_assistant_is_vapis_400(client: httpx.AsyncClient) -> None:
    for body in ({"transport": WEBSOCKET}, {}, {"assistant": None, "transport": WEBSOCKET}):
        assert await refused(client, body) == (
            "Couldn't Get Assistant. Need Either `assistant`, `assistantId`, `squad`, Or `squadId`."
        )


async def test_two_sources_are_refused(client: httpx.AsyncClient) -> None:
    assistant = await make_assistant(client)
    body = {"assistantId": assistant["id"], "assistant": {}, "transport": WEBSOCKET}
    message = await refused(client, body)
    assert message == "Only one of `assistant`, `assistantId`, `squad` and `squadId` may be set."


@pytest.mark.parametrize("key", ["workflowId", "workflow"])
async def test_workflows_are_not_supported(client: httpx.AsyncClient, key: str) -> None:
    value: Any = {"nodes": []} if key == "workflow" else "5b0a4a08-0000-4000-8000-000000000000"
    message = await refused(client, {key: value, "transport": WEBSOCKET})
    assert message.startswith("Workflows are not supported by voxgate.")


async def test_unknown_and_foreign_ids_are_unusable(
    client: httpx.AsyncClient, other_key: str
) -> None:
    other = {"Authorization": f"Bearer {other_key}"}
    theirs = (await client.post("/assistant", json={"name": "theirs"}, headers=other)).json()
    for assistant_id in (theirs["id"], "5b0a4a08-0000-4000-8000-000000000000", "nope"):
        body = {"assistantId": assistant_id, "transport": WEBSOCKET}
        message = await refused(client, body)
        assert message == f"Couldn't Get Assistant. `assistantId` {assistant_id} Does Not Exist."
    their_squad = await client.post(
        "/squad", json={"members": [{"assistantId": theirs["id"]}]}, headers=other
    )
    squad_id = their_squad.json()["id"]
    message = await refused(client, {"squadId": squad_id, "transport": WEBSOCKET})
    assert message == f"Couldn't Get Squad. `squadId` {squad_id} Does Not Exist."
    # A transient squad may not name another org's assistant either.
    squad = {"members": [{"assistantId": theirs["id"]}]}
    message = await refused(client, {"squad": squad, "transport": WEBSOCKET})
    assert message == [f"squad.members.0.assistantId: assistant {theirs['id']} does not exist"]


async def test_phone_numbers_on_a_websocket_call_are_refused(client: httpx.AsyncClient) -> None:
    number = {"twilioPhoneNumber": "+14155550100", "twilioAccountSid": "AC1"}
    number_id = "42b4b25d-0000-4000-8000-000000000000"
    for extra in ({"phoneNumberId": number_id}, {"phoneNumber": number}):
        message = await refused(client, {"assistant": {}, "transport": WEBSOCKET, **extra})
        assert message == (
            "`phoneNumberId` and `phoneNumber` cannot be used with the `vapi.websocket` transport."
        )


async def test_phone_calls_need_a_number_then_a_carrier(client: httpx.AsyncClient) -> None:
    customer = {"number": "+14155550100"}
    no_number = await refused(client, {"assistant": {}, "customer": customer})
    assert no_number == "Couldn't Get Phone Number. Need Either `phoneNumberId` Or `phoneNumber`."
    twilio = {"provider": "twilio"}
    also = await refused(client, {"assistant": {}, "customer": customer, "transport": twilio})
    assert also == no_number
    unknown = "42b4b25d-0000-4000-8000-000000000000"
    body = {"assistant": RUNNABLE, "customer": customer, "phoneNumberId": unknown}
    assert await refused(client, body) == (
        f"Couldn't Get Phone Number. `phoneNumberId` {unknown} Does Not Exist."
    )
    trunk = await client.post(
        "/phone-number",
        json={"provider": "byo-phone-number", "number": "+14155550199", "credentialId": "cred-1"},
    )
    assert trunk.status_code == 201, trunk.text
    body["phoneNumberId"] = trunk.json()["id"]
    message = await refused(client, body)
    assert message.startswith("voxgate does not place calls through byo-phone-number numbers")


async def test_a_phone_call_needs_an_e164_customer_number(client: httpx.AsyncClient) -> None:
    number = {
        "twilioPhoneNumber": "+14155550100",
        "twilioAccountSid": "AC1",
        "twilioAuthToken": "t",
    }
    body: dict[str, Any] = {"assistant": RUNNABLE, "phoneNumber": number}
    assert (await refused(client, body)).startswith("Couldn't Get Customer.")
    body["customer"] = {"number": "415-555-0100"}
    assert (await refused(client, body)).startswith("customer.number must be a valid phone number")
    # A transient number needs its account's credentials.
    body = {**body, "phoneNumber": {"twilioPhoneNumber": "+14155550100"}}
    assert await refused(client, body) == ["phoneNumber.twilioAccountSid should not be empty"]


async def test_batch_calls_are_phone_calls(client: httpx.AsyncClient) -> None:
    customers = [{"number": "+14155550100"}, {"number": "+14155550101"}]
    no_number = await refused(client, {"assistant": {}, "customers": customers})
    assert no_number.startswith("Couldn't Get Phone Number.")
    body = {"assistant": {}, "customers": customers, "transport": WEBSOCKET}
    assert (await refused(client, body)).startswith("`customers` (a batch of phone calls)")


async def test_web_call_transport_is_refused(client: httpx.AsyncClient) -> None:
    message = await refused(client, {"assistant": {}, "transport": {"provider": "daily"}})
    assert "not supported" in message


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"assistant": {"tools": []}}, "assistant.property tools should not exist"),
        ({"assistant": {}, "assistantOverides": {}}, "property assistantOverides should not exist"),
        (
            {"assistant": {}, "name": "x" * 41},
            "name must be shorter than or equal to 40 characters",
        ),
        (
            {"assistant": {}, "transport": {"provider": "carrier-pigeon"}},
            "transport.provider must be one of the following values: "
            "vapi.websocket, vonage, twilio, vapi.sip, telnyx, daily",
        ),
        (
            {"assistant": {}, "transport": {}},
            "transport.provider must be one of the following values: "
            "vapi.websocket, vonage, twilio, vapi.sip, telnyx, daily",
        ),
        ({"assistant": {}, "transport": "ws"}, "transport must be an object"),
        (
            {"assistant": {}, "transport": {**WEBSOCKET, "audioFormat": {"format": "mp3"}}},
            "transport.audioFormat.format must be one of the following values: pcm_s16le, mulaw",
        ),
        (
            {"assistant": {}, "transport": {**WEBSOCKET, "audioFormat": {"format": "mulaw"}}},
            "transport.audioFormat.sampleRate should not be empty",
        ),
        (
            {"assistant": {}, "transport": {**WEBSOCKET, "bitrate": 1}},
            "transport.property bitrate should not exist",
        ),
        (
            {"assistant": {}, "schedulePlan": {"earliestAt": "tomorrow"}},
            "schedulePlan.earliestAt must be a valid ISO 8601 date string",
        ),
        (
            {"assistant": {}, "customer": {"extension": "12345678901"}},
            "customer.extension must be shorter than or equal to 10 characters",
        ),
        ({"assistant": {}, "id": "mine"}, "property id should not exist"),
    ],
)
async def test_shape_errors_use_class_validator_wording(
    client: httpx.AsyncClient, body: dict[str, Any], message: str
) -> None:
    assert message in await refused(client, body)


async def test_legacy_and_scheduling_fields_are_echoed(client: httpx.AsyncClient) -> None:
    body = {
        "assistant": RUNNABLE,
        "transport": WEBSOCKET,
        "schedulePlan": {"earliestAt": "2030-01-01T09:00:00Z"},
        "squadVersion": "2",
        "customerId": "c-1",
    }
    call = (await client.post("/call", json=body)).json()
    assert {k: call[k] for k in ("schedulePlan", "squadVersion", "customerId")} == {
        "schedulePlan": {"earliestAt": "2030-01-01T09:00:00Z"},
        "squadVersion": "2",
        "customerId": "c-1",
    }
    assert_matches(call, "Call")


async def test_create_needs_a_key(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.post("/call", json={"assistant": {}, "transport": WEBSOCKET})
    assert response.status_code == 401


async def test_a_create_waits_for_sqlites_writer_instead_of_failing(
    client: httpx.AsyncClient,
) -> None:
    """Another writer holding SQLite's lock for longer than the driver's default 5 s wait (a
    loaded server with many live calls) must delay a create, not turn it into a 500."""
    url = get_settings().resolved_database_url
    if not url.startswith("sqlite"):
        pytest.skip("SQLite's single-writer lock")
    body = {"assistantId": (await make_assistant(client))["id"], "transport": WEBSOCKET}
    writer = sqlite3.connect(url.split(":///", 1)[1], isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        creating = asyncio.create_task(client.post("/call", json=body, timeout=30))
        await asyncio.sleep(6)
        assert not creating.done()  # waiting for the lock
    finally:
        writer.execute("COMMIT")
        writer.close()
    response = await creating
    assert response.status_code == 201, response.text
