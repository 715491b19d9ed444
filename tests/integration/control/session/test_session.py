"""`/session` over HTTP, and chats that continue a session, checked against Vapi's schemas."""

import datetime as dt
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import REPLY
from tests.e2e.fake_llm import FakeLLM
from tests.integration.control.chat.test_chat import chat, model, saved_assistant
from tests.support.reference import assert_matches

pytestmark = pytest.mark.db

CUSTOMER = {"number": "+14155550100", "name": "Ada", "email": "ada@example.com"}


async def new_session(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/session", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    assert_matches(created, "Session")
    return created


async def ids(client: httpx.AsyncClient, **params: Any) -> list[str]:
    response = await client.get("/session", params=params)
    assert response.status_code == 200, response.text
    assert_matches(response.json(), "SessionPaginatedResponse")
    return [session["id"] for session in response.json()["results"]]


async def test_create_list_get_update_delete(
    client: httpx.AsyncClient, llm: FakeLLM, other_key: str
) -> None:
    assistant_id = await saved_assistant(client, llm)
    ada = await new_session(
        client, {"name": "Ada", "assistantId": assistant_id, "customer": CUSTOMER}
    )
    bob = await new_session(client, {"name": "Bob", "assistant": {"model": model(llm)}})
    assert (ada["status"], ada["customer"], ada["assistantId"]) == (
        "active",
        CUSTOMER,
        assistant_id,
    )

    assert await ids(client) == [bob["id"], ada["id"]]
    assert await ids(client, name="Ada") == [ada["id"]]
    assert await ids(client, assistantId=assistant_id) == [ada["id"]]
    assert await ids(client, assistantIdAny=f"{assistant_id},x") == [ada["id"]]
    assert await ids(client, number=CUSTOMER["number"]) == [ada["id"]]
    assert await ids(client, customerName="Ada", email=CUSTOMER["email"]) == [ada["id"]]
    assert await ids(client, customerNumberAny=f"+1,{CUSTOMER['number']}") == [ada["id"]]
    assert await ids(client, workflowId=assistant_id) == []
    assert await ids(client, limit=1, page=2) == [ada["id"]]

    assert (await client.get(f"/session/{ada['id']}")).json() == ada
    patched = await client.patch(f"/session/{ada['id']}", json={"status": "completed"})
    assert patched.status_code == 200, patched.text
    assert_matches(patched.json(), "Session")
    assert patched.json()["status"] == "completed" and patched.json()["name"] == "Ada"

    outsider = {"Authorization": f"Bearer {other_key}"}
    assert (await client.get(f"/session/{ada['id']}", headers=outsider)).status_code == 404
    assert (await client.delete(f"/session/{ada['id']}", headers=outsider)).status_code == 404
    deleted = await client.delete(f"/session/{ada['id']}")
    assert deleted.status_code == 200 and deleted.json() == patched.json()
    assert (await client.get(f"/session/{ada['id']}")).status_code == 404


async def test_bad_sessions_are_400s(client: httpx.AsyncClient) -> None:
    missing = "6a1f0e0e-0000-4000-8000-000000000000"
    cases: list[tuple[dict[str, Any], str]] = [
        ({"assistantId": missing}, "Couldn't Get Assistant"),
        ({"phoneNumberId": missing}, "Couldn't Get Phone Number"),
        ({"squadId": missing}, "squad"),
        ({"expirationSeconds": 30}, "expirationSeconds"),
        ({"status": "paused"}, "status"),
        ({"colour": "red"}, "property colour should not exist"),
    ]
    for body, expected in cases:
        response = await client.post("/session", json=body)
        assert response.status_code == 400, (body, response.text)
        assert expected in str(response.json()["message"]), (body, response.json())


async def test_chats_in_a_session_share_its_conversation(
    client: httpx.AsyncClient, llm: FakeLLM
) -> None:
    assistant_id = await saved_assistant(client, llm)
    overrides = {"variableValues": {"name": "Ada"}}
    kept = await new_session(client, {"assistantId": assistant_id, "assistantOverrides": overrides})

    first = await chat(client, {"sessionId": kept["id"], "input": "Hi, I'm Ada."})
    second = await chat(client, {"sessionId": kept["id"], "input": "Who am I?"})

    sent = llm.requests[-1]["messages"]
    assert sent[0]["content"].startswith("You help Ada with the weather.")
    assert [(m["role"], m["content"]) for m in sent[1:]] == [
        ("user", "Hi, I'm Ada."), ("assistant", REPLY), ("user", "Who am I?")
    ]  # fmt: skip
    assert (first["sessionId"], second["assistantId"]) == (kept["id"], assistant_id)
    session = (await client.get(f"/session/{kept['id']}")).json()
    assert_matches(session, "Session")
    assert [m["content"] for m in session["messages"]] == [
        "Hi, I'm Ada.",
        REPLY,
        "Who am I?",
        REPLY,
    ]
    found = (await client.get("/chat", params={"sessionId": kept["id"]})).json()["results"]
    assert [c["id"] for c in found] == [second["id"], first["id"]]


async def test_a_session_takes_no_chat_once_completed_or_expired(
    client: httpx.AsyncClient, llm: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    assistant_id = await saved_assistant(client, llm)
    kept = await new_session(client, {"assistantId": assistant_id, "expirationSeconds": 60})
    body = {"sessionId": kept["id"], "input": "Hi"}
    for extra, expected in (
        ({"assistantId": assistant_id}, "own assistant"),
        ({"previousChatId": kept["id"]}, "mutually exclusive"),
    ):
        response = await client.post("/chat", json={**body, **extra})
        assert response.status_code == 400 and expected in response.json()["message"]

    alone = await new_session(client, {"name": "No one"})
    response = await client.post("/chat", json={"sessionId": alone["id"], "input": "Hi"})
    assert response.status_code == 400 and "has no assistant" in response.json()["message"]

    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=61)
    monkeypatch.setattr("voxgate.control.session.service.utcnow", lambda: later)
    response = await client.post("/chat", json=body)
    assert response.status_code == 400 and "expired" in response.json()["message"]
    monkeypatch.undo()

    await client.patch(f"/session/{kept['id']}", json={"status": "completed"})
    response = await client.post("/chat", json=body)
    assert response.status_code == 400 and "completed" in response.json()["message"]
    assert llm.requests == []
