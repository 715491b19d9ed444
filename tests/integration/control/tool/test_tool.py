"""The five tool operations over HTTP, every variant checked against Vapi's published schemas."""

import re
from typing import Any

import httpx
import pytest

from tests.support.reference import assert_matches

pytestmark = pytest.mark.db

FUNCTION = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
    "server": {"url": "https://example.com/tools", "timeoutSeconds": 20},
    "messages": [{"type": "request-start", "content": "One moment…"}],
    "async": False,
}

# One valid create body per variant, and the reference schema its response must match.
MINIMAL: list[tuple[dict[str, Any], str]] = [
    ({"type": "apiRequest", "method": "POST", "url": "https://example.com/x"}, "ApiRequestTool"),
    ({"type": "code", "code": "return 1"}, "CodeTool"),
    ({"type": "dtmf", "sipInfoDtmfEnabled": True}, "DtmfTool"),
    ({"type": "endCall"}, "EndCallTool"),
    (FUNCTION, "FunctionTool"),
    (
        {"type": "transferCall", "destinations": [{"type": "number", "number": "+14155550100"}]},
        "TransferCallTool",
    ),
    (
        {"type": "handoff", "destinations": [{"type": "assistant", "assistantName": "Billing"}]},
        "HandoffTool",
    ),
    ({"type": "bash", "name": "bash", "subType": "bash_20241022"}, "BashTool"),
    (
        {
            "type": "computer",
            "name": "computer",
            "subType": "computer_20241022",
            "displayWidthPx": 1024,
            "displayHeightPx": 768,
        },
        "ComputerTool",
    ),
    (
        {"type": "textEditor", "name": "str_replace_editor", "subType": "text_editor_20241022"},
        "TextEditorTool",
    ),
    (
        {
            "type": "query",
            "knowledgeBases": [
                {"name": "faq", "provider": "google", "description": "FAQ", "fileIds": ["f1"]}
            ],
        },
        "QueryTool",
    ),
    ({"type": "google.calendar.event.create"}, "GoogleCalendarCreateEventTool"),
    ({"type": "google.sheets.row.append"}, "GoogleSheetsRowAppendTool"),
    ({"type": "google.calendar.availability.check"}, "GoogleCalendarCheckAvailabilityTool"),
    ({"type": "slack.message.send"}, "SlackSendMessageTool"),
    ({"type": "sms"}, "SmsTool"),
    ({"type": "mcp", "server": {"url": "https://mcp.example.com"}}, "McpTool"),
    (
        {"type": "gohighlevel.calendar.availability.check"},
        "GoHighLevelCalendarAvailabilityTool",
    ),
    ({"type": "gohighlevel.calendar.event.create"}, "GoHighLevelCalendarEventCreateTool"),
    ({"type": "gohighlevel.contact.create"}, "GoHighLevelContactCreateTool"),
    ({"type": "gohighlevel.contact.get"}, "GoHighLevelContactGetTool"),
    ({"type": "sipRequest", "verb": "INFO", "body": "hello"}, "SipRequestTool"),
    (
        {
            "type": "voicemail",
            "beepDetectionEnabled": True,
            "function": {"name": "leave_voicemail"},
        },
        "VoicemailTool",
    ),
]
TYPES = (
    "apiRequest, code, dtmf, endCall, function, transferCall, handoff, bash, computer, "
    "textEditor, query, google.calendar.event.create, google.sheets.row.append, "
    "google.calendar.availability.check, slack.message.send, sms, mcp, "
    "gohighlevel.calendar.availability.check, gohighlevel.calendar.event.create, "
    "gohighlevel.contact.create, gohighlevel.contact.get, sipRequest, voicemail"
)


def bad_request(response: httpx.Response, *messages: str) -> None:
    assert response.status_code == 400, response.text
    assert response.json() == {
        "message": list(messages),
        "error": "Bad Request",
        "statusCode": 400,
    }


async def test_function_tool_create_get_list_update_delete(client: httpx.AsyncClient) -> None:
    created = await client.post("/tool", json=FUNCTION)
    assert created.status_code == 201
    body = created.json()
    assert_matches(body, "FunctionTool")
    assert {k: body[k] for k in FUNCTION} == FUNCTION
    assert body["createdAt"] == body["updatedAt"]

    fetched = await client.get(f"/tool/{body['id']}")
    assert fetched.status_code == 200 and fetched.json() == body

    listed = (await client.get("/tool")).json()
    assert listed == [body]

    patched = await client.patch(
        f"/tool/{body['id']}",
        json={
            "function": {"name": "get_forecast"},
            "messages": None,
            "async": True,
        },
    )
    assert patched.status_code == 200
    updated = patched.json()
    assert_matches(updated, "FunctionTool")
    assert updated["function"] == {"name": "get_forecast"}  # replaced, not merged
    assert "messages" not in updated  # null unsets
    assert updated["async"] is True and updated["server"] == FUNCTION["server"]
    assert updated["type"] == "function" and updated["updatedAt"] > body["updatedAt"]

    deleted = await client.delete(f"/tool/{body['id']}")
    assert deleted.status_code == 200 and deleted.json() == updated
    assert (await client.get(f"/tool/{body['id']}")).status_code == 404
    assert (await client.get("/tool")).json() == []


@pytest.mark.parametrize(("body", "schema"), MINIMAL, ids=[s for _, s in MINIMAL])
async def test_every_variant_round_trips(
    client: httpx.AsyncClient, body: dict[str, Any], schema: str
) -> None:
    created = await client.post("/tool", json=body)
    assert created.status_code == 201, created.text
    tool = created.json()
    assert_matches(tool, schema)
    assert {k: tool[k] for k in body} == body
    # Byte for byte: numbers come back as sent (1024, not 1024.0).
    for key, value in body.items():
        if type(value) is int:
            assert re.search(f'"{key}":{value}[,}}]', created.text), key
    fetched = (await client.get(f"/tool/{tool['id']}")).json()
    assert_matches(fetched, schema)
    # The SDKs send the discriminator on update: the stored one is accepted and ignored.
    patched = await client.patch(f"/tool/{tool['id']}", json={"type": body["type"]})
    assert patched.status_code == 200, patched.text
    assert_matches(patched.json(), schema)


def test_the_variant_table_covers_the_reference() -> None:
    from tests.support.reference import _document

    schema = _document()["paths"]["/tool"]["post"]["requestBody"]["content"]["application/json"]
    mapping = schema["schema"]["discriminator"]["mapping"]
    assert sorted(mapping) == sorted(body["type"] for body, _ in MINIMAL)
    assert TYPES.split(", ") == [body["type"] for body, _ in MINIMAL]


@pytest.mark.parametrize(
    ("body", "messages"),
    [
        ({"name": "x"}, [f"type must be one of the following values: {TYPES}"]),
        ({"type": "webhook"}, [f"type must be one of the following values: {TYPES}"]),
        ({"type": 3}, [f"type must be one of the following values: {TYPES}"]),
        ({"type": "endCall", "colour": "blue"}, ["property colour should not exist"]),
        (
            {"type": "apiRequest", "method": "FETCH"},
            [
                "method must be one of the following values: DELETE, GET, PATCH, POST, PUT",
                "url should not be empty",
            ],
        ),
        ({"type": "code"}, ["code should not be empty"]),
        (
            {"type": "code", "code": "x", "timeoutSeconds": "10"},
            ["timeoutSeconds must be a number conforming to the specified constraints"],
        ),
        (
            {"type": "code", "code": "x", "timeoutSeconds": 31},
            ["timeoutSeconds must not be greater than 30"],
        ),
        (
            {"type": "sipRequest", "verb": "BYE"},
            ["verb must be one of the following values: INFO, MESSAGE, NOTIFY"],
        ),
        (
            {"type": "sipRequest", "verb": "INFO", "body": ["a"]},
            ["body must be a string or an object"],
        ),
        (
            {"type": "function", "function": {"name": "get weather"}},
            ["function.name must match /^[a-zA-Z0-9_-]{1,64}$/ regular expression"],
        ),
        (
            {"type": "function", "function": {"name": "f" * 65}},
            ["function.name must be shorter than or equal to 64 characters"],
        ),
        (
            {"type": "function", "function": {"description": "no name"}},
            ["function.name should not be empty"],
        ),
        (
            {"type": "function", "function": {"name": "f", "arguments": {}}},
            ["function.property arguments should not exist"],
        ),
        (
            {"type": "function", "messages": [{"type": "request-begin"}]},
            [
                "messages.0.type must be one of the following values: request-start, "
                "request-complete, request-failed, request-response-delayed"
            ],
        ),
        ({"type": "endCall", "url": "https://example.com"}, ["property url should not exist"]),
        (
            {"type": "endCall", "id": "6f0b5a8e-3c0e-4d4b-9a57-1f2f5a0e1e11"},
            ["property id should not exist"],
        ),
    ],
)
async def test_invalid_creates_are_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, body: dict[str, Any], messages: list[str]
) -> None:
    bad_request(await client.post("/tool", json=body), *messages)
    assert (await client.get("/tool")).json() == []


async def test_a_body_that_is_not_an_object_is_refused(client: httpx.AsyncClient) -> None:
    bad_request(await client.post("/tool", json=["endCall"]), "request body must be a JSON object")
    missing = await client.post("/tool")
    assert missing.status_code == 400


async def test_update_keeps_the_variant_and_refuses_what_it_cannot_take(
    client: httpx.AsyncClient,
) -> None:
    api = {"type": "apiRequest", "method": "GET", "url": "https://example.com/a"}
    tool = (await client.post("/tool", json=api)).json()
    path = f"/tool/{tool['id']}"

    bad_request(
        await client.patch(path, json={"type": "function"}), "type must be equal to apiRequest"
    )
    bad_request(await client.patch(path, json={"type": None}), "type must be equal to apiRequest")
    bad_request(await client.patch(path, json={"async": True}), "property async should not exist")
    bad_request(await client.patch(path, json={"url": None}), "url should not be empty")
    bad_request(
        await client.patch(path, json={"method": "HEAD"}),
        "method must be one of the following values: DELETE, GET, PATCH, POST, PUT",
    )
    bad_request(await client.patch(path, json=[1]), "request body must be a JSON object")
    assert (await client.get(path)).json() == tool  # nothing changed

    patched = await client.patch(path, json={"type": "apiRequest", "method": "DELETE"})
    assert patched.status_code == 200
    assert_matches(patched.json(), "ApiRequestTool")
    assert patched.json()["method"] == "DELETE" and patched.json()["url"] == api["url"]


async def test_legacy_function_on_api_request_is_kept(client: httpx.AsyncClient) -> None:
    body = {
        "type": "apiRequest",
        "method": "POST",
        "url": "https://example.com/book",
        "function": {"name": "book", "description": "Book a table"},
    }
    created = await client.post("/tool", json=body)
    assert created.status_code == 201
    assert created.json()["function"] == body["function"]


async def test_a_transfer_tool_takes_the_function_vapi_s_guide_names(
    client: httpx.AsyncClient,
) -> None:
    body = {"type": "transferCall", "destinations": [],
            "function": {"name": "dynamicDestinationTransferCall"}}  # fmt: skip
    created = await client.post("/tool", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["function"] == body["function"]
    assert_matches(created.json(), "TransferCallTool")


async def test_server_secret_is_stored_but_returned_masked(client: httpx.AsyncClient) -> None:
    secret = "whsec-0123456789-abcdef-WXYZ"
    body = {**FUNCTION, "server": {"url": "https://example.com/t", "secret": secret}}
    created = await client.post("/tool", json=body)
    assert created.status_code == 201
    shown = created.json()["server"]["secret"]
    assert shown == "*" * (len(secret) - 4) + "WXYZ"
    path = f"/tool/{created.json()['id']}"
    # Sending the masked value back (read-modify-write) keeps the secret.
    patched = await client.patch(path, json={"server": created.json()["server"]})
    assert patched.json()["server"]["secret"] == shown
    for response in (await client.get(path), await client.get("/tool"), await client.delete(path)):
        assert secret not in response.text


async def test_list_limit_and_filters(client: httpx.AsyncClient) -> None:
    made = [(await client.post("/tool", json={"type": "endCall"})).json() for _ in range(3)]
    listed = (await client.get("/tool", params={"limit": "2.0"})).json()
    assert [t["id"] for t in listed] == [made[2]["id"], made[1]["id"]]
    after = (await client.get("/tool", params={"createdAtGt": made[0]["createdAt"]})).json()
    assert {t["id"] for t in after} == {made[1]["id"], made[2]["id"]}
    for tool in listed:
        assert_matches(tool, "EndCallTool")


async def test_unknown_and_malformed_ids(client: httpx.AsyncClient) -> None:
    missing = "6f0b5a8e-3c0e-4d4b-9a57-1f2f5a0e1e11"
    for method in ("GET", "PATCH", "DELETE"):
        kwargs: dict[str, Any] = {"json": {"type": "endCall"}} if method == "PATCH" else {}
        response = await client.request(method, f"/tool/{missing}", **kwargs)
        assert response.status_code == 404, method
        assert response.json() == {
            "message": "Tool not found",
            "error": "Not Found",
            "statusCode": 404,
        }
    malformed = await client.get("/tool/not-a-uuid")
    assert malformed.status_code == 400


async def test_another_orgs_tool_is_a_404_and_unchanged(
    client: httpx.AsyncClient, other_key: str
) -> None:
    mine = (await client.post("/tool", json=FUNCTION)).json()
    other = {"Authorization": f"Bearer {other_key}"}
    for method in ("GET", "PATCH", "DELETE"):
        kwargs: dict[str, Any] = {"json": {"async": True}} if method == "PATCH" else {}
        response = await client.request(method, f"/tool/{mine['id']}", headers=other, **kwargs)
        assert response.status_code == 404, method
    assert (await client.get("/tool", headers=other)).json() == []
    assert (await client.get(f"/tool/{mine['id']}")).json() == mine


async def test_missing_key_is_a_401(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.post("/tool", json={"type": "endCall"})
    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"
