"""A call drives its assistant's webhook server as Vapi does: the subscribed messages, the
headers that authenticate them, retries of a failing server, the org's server as the fallback,
and an `end-of-call-report` that Vapi's schema accepts and that carries the legacy mirrors.
"""

import asyncio
import hashlib
import hmac
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from tests.e2e.fake_llm import FakeLLM
from tests.e2e.test_websocket_call import GREETING, dial, ended, new_call, socket_url
from tests.support.fake_webhook import FakeWebhook, fake_webhook
from tests.support.reference import assert_matches
from tests.support.server import LiveServer
from voxgate.config import get_settings
from voxgate.db.models import ServerMessage

pytestmark = pytest.mark.db
VOXGATE = str(Path(sys.executable).parent / "voxgate")
FINAL = 'transcript[transcriptType="final"]'
SCHEMAS = {  # Vapi's schema of each message type
    "status-update": "ServerMessageStatusUpdate",
    "conversation-update": "ServerMessageConversationUpdate",
    "speech-update": "ServerMessageSpeechUpdate",
    "user-interrupted": "ServerMessageUserInterrupted",
    "transcript": "ServerMessageTranscript",
    FINAL: "ServerMessageTranscript",
    "end-of-call-report": "ServerMessageEndOfCallReport",
}


def assert_all_match(webhook: FakeWebhook) -> None:
    for received in webhook.received:
        assert_matches(received.message, SCHEMAS[received.message["type"]])


@pytest.fixture
def webhook() -> Iterator[FakeWebhook]:
    with fake_webhook() as fake:
        yield fake


async def talk_and_hang_up(
    client: httpx.AsyncClient, live_server: LiveServer, call: dict[str, Any]
) -> dict[str, Any]:
    """Hears the greeting, hangs up; the call as stored once it has ended."""
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()
    return await ended(client, call["id"])


async def deliveries(call_id: str) -> list[ServerMessage]:
    """The call's rows in `server_message`, once none is pending."""
    engine = create_async_engine(get_settings().resolved_database_url)
    deadline = time.monotonic() + 10
    try:
        while True:
            async with AsyncSession(engine) as session:
                query = select(ServerMessage).where(ServerMessage.call_id == call_id)
                found = list(await session.scalars(query))
            if all(row.status != "pending" for row in found) or time.monotonic() > deadline:
                return found
            await asyncio.sleep(0.1)
    finally:
        await engine.dispose()


async def test_the_assistant_server_gets_the_default_messages_and_the_report(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, webhook: FakeWebhook
) -> None:
    server = {"url": webhook.url, "headers": {"X-Team": "voice"}, "secret": "legacy-secret"}
    extra = {"metadata": {"crm": "42"}, "customer": {"name": "Ann"}}
    call = await new_call(client, llm, call_fields=extra, server=server)
    stored = await talk_and_hang_up(client, live_server, call)
    [report] = [r.message for r in await webhook.wait_for("end-of-call-report")]

    types = webhook.types()
    assert types[0] == "status-update" and types[-1] == "end-of-call-report"
    assert {"conversation-update", "speech-update"} <= set(types)
    assert "transcript" not in types and "model-output" not in types  # not subscribed
    started, finished = [r.message for r in webhook.of_type("status-update")]
    assert started["status"] == "in-progress" and started["call"]["status"] == "in-progress"
    assert (finished["status"], finished["endedReason"]) == ("ended", "customer-ended-call")
    assert_all_match(webhook)
    update = webhook.of_type("conversation-update")[-1].message
    assert update["messages"][-1]["message"] == GREETING

    assert report["endedReason"] == "customer-ended-call"
    assert report["artifact"] == stored["artifact"]
    assert (report["startedAt"], report["endedAt"]) == (stored["startedAt"], stored["endedAt"])
    assert report["transcript"] == stored["artifact"]["transcript"] == f"AI: {GREETING}"
    assert report["messages"] == stored["artifact"]["messages"]
    assert report["recordingUrl"] == stored["artifact"]["recordingUrl"]
    assert report["stereoRecordingUrl"] == stored["artifact"]["stereoRecordingUrl"]
    assert report["durationSeconds"] > 1 and report["durationMs"] > 1000
    assert report["durationMinutes"] == report["durationMs"] / 60000
    assert (report["call"]["id"], report["call"]["status"]) == (call["id"], "ended")
    assert report["call"]["metadata"] == {"crm": "42"}
    assert report["call"]["monitor"]["controlUrl"] == call["monitor"]["controlUrl"]
    assert report["customer"] == {"name": "Ann"}
    assert report["assistant"]["name"] == "Front desk"

    for received in webhook.received:
        assert received.headers["x-vapi-secret"] == "legacy-secret"
        assert received.headers["x-team"] == "voice"
    rows = await deliveries(call["id"])
    assert len(rows) == len(webhook.received)
    assert all((r.status, r.attempts, r.last_status_code) == ("delivered", 1, 200) for r in rows)


async def test_hmac_signed_subscribed_messages_are_retried_when_the_server_fails(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, webhook: FakeWebhook
) -> None:
    webhook.failures = 1  # the first message is answered 500 once
    plan = {"type": "hmac", "secretKey": "whsec-1", "algorithm": "sha256"}
    call = await new_call(
        client, llm,
        serverMessages=[FINAL, "end-of-call-report"],
        server={"url": webhook.url, "credentialId": "hooks",
                "backoffPlan": {"type": "fixed", "maxRetries": 2, "baseDelaySeconds": 0.2}},
        credentials=[{"provider": "webhook", "name": "hooks", "authenticationPlan": plan}],
    )  # fmt: skip
    await talk_and_hang_up(client, live_server, call)
    await webhook.wait_for("end-of-call-report")

    assert set(webhook.types()) == {FINAL, "end-of-call-report"}
    assert all("credentials" not in r.message["assistant"] for r in webhook.received)
    assert_all_match(webhook)
    transcript = webhook.of_type(FINAL)[-1].message
    assert (transcript["role"], transcript["transcript"]) == ("assistant", GREETING)
    for received in webhook.received:
        signed = received.headers["x-timestamp"].encode() + b"." + received.body
        assert (
            received.headers["x-signature"]
            == hmac.new(b"whsec-1", signed, hashlib.sha256).hexdigest()
        )
    rows = await deliveries(call["id"])
    assert all(r.status == "delivered" for r in rows)
    # The first one was answered 500, then 200 after its retry; the others went through at once.
    assert sorted(r.attempts for r in rows) == [1] * (len(rows) - 1) + [2]
    assert len(webhook.received) == len(rows) + 1


def set_org_server(org: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`voxgate org server`, run as a user runs it, on the test database."""
    return subprocess.run(
        [VOXGATE, "org", "server", "--org", org, *args],
        env=os.environ, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


async def test_without_an_assistant_server_the_org_server_set_by_the_cli_is_used(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, webhook: FakeWebhook
) -> None:
    call = await new_call(client, llm)
    unknown = set_org_server("no-such-org", "--url", webhook.url)
    assert unknown.returncode == 1 and "no organization" in unknown.stderr
    done = set_org_server(call["orgId"], "--url", webhook.url, "--secret", "org-secret")
    assert done.returncode == 0, done.stderr

    await talk_and_hang_up(client, live_server, call)
    [report] = await webhook.wait_for("end-of-call-report")
    assert report.headers["x-vapi-secret"] == "org-secret"
    assert report.message["call"]["id"] == call["id"]
