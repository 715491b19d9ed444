"""A call's post-call work (analysis, `end-of-call-report`) outlives the process that ran it: a
row left with its work due, as a process killed after the call's end leaves it, is analysed and
reported by the sweep a fresh process runs at start (or once its lease runs out), once."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from tests.e2e.conftest import calls_settled
from tests.e2e.fake_llm import FakeLLM, asking
from tests.e2e.test_server_messages import deliveries
from tests.e2e.test_websocket_call import new_call
from tests.support.fake_webhook import FakeWebhook, fake_webhook
from tests.support.server import LiveServer
from voxgate.control.call import post_call
from voxgate.control.call.live import DbCallStore, resolve_assistant
from voxgate.db.models import Call as CallRow
from voxgate.db.session import get_sessionmaker
from voxgate.engine.analysis_prompts import SUMMARY_PROMPT
from voxgate.engine.ports import PostCall
from voxgate.kit.time import utcnow

pytestmark = pytest.mark.db

SUMMARY = "The caller asked whether breakfast is included; it is, until ten."
ARTIFACT = {
    "transcript": "AI: Hello, front desk.\nUser: Is breakfast included?\nAI: Yes, until ten.",
    "messages": [{"role": "bot"}, {"role": "user"}, {"role": "bot"}],
}
ENDED = {
    "status": "ended", "startedAt": "2026-11-26T08:00:00.000Z",
    "endedAt": "2026-11-26T08:01:30.000Z", "endedReason": "customer-ended-call",
    "artifact": ARTIFACT,
}  # fmt: skip


@pytest.fixture
def webhook() -> Iterator[FakeWebhook]:
    with fake_webhook() as fake:
        yield fake


async def left_due(
    client: httpx.AsyncClient, llm: FakeLLM, webhook: FakeWebhook, live_server: LiveServer
) -> dict[str, Any]:
    """A call whose end was written with its post-call work due, and nothing more: the process
    that ended it died before running that work."""
    plan = {"successEvaluationPlan": {"enabled": False}}  # one question: the summary
    call = await new_call(
        client, llm, server={"url": webhook.url}, serverMessages=["end-of-call-report"],
        analysisPlan=plan,
    )  # fmt: skip

    async def end() -> None:
        store = DbCallStore(call["orgId"], call["id"], call)
        assistant = await resolve_assistant(call["orgId"], call)  # as the session ran it
        await store.end(ENDED, PostCall(assistant, analyse=True))

    await live_server.run(end())
    return call


async def sweep(live_server: LiveServer, *, everything: bool) -> int:
    """One sweep on the server's loop, and the work it started, done."""
    found = await live_server.run(post_call.sweep(everything=everything))
    await calls_settled()
    return found


async def due_column(live_server: LiveServer, call_id: str) -> Any:
    async def read() -> Any:
        async with get_sessionmaker()() as session:
            return await session.scalar(select(CallRow.post_call_due).where(CallRow.id == call_id))

    return await live_server.run(read())


async def reports(call_id: str) -> list[str]:
    return [row.type for row in await deliveries(call_id) if row.type == "end-of-call-report"]


async def test_a_call_left_due_is_analysed_and_reported_once_by_a_fresh_start(
    client: httpx.AsyncClient,
    live_server: LiveServer,
    llm: FakeLLM,
    webhook: FakeWebhook,
) -> None:
    llm.script(asking(SUMMARY_PROMPT), SUMMARY)
    call = await left_due(client, llm, webhook, live_server)
    # Its lease runs yet: a running process's sweep leaves it to the process that holds it.
    assert await sweep(live_server, everything=False) == 0
    # A process starting alone (no queue) takes every call left due.
    assert await sweep(live_server, everything=True) == 1

    [report] = [r.message for r in await webhook.wait_for("end-of-call-report")]
    assert report["analysis"] == {"summary": SUMMARY} and report["summary"] == SUMMARY
    assert report["endedReason"] == "customer-ended-call" and report["artifact"] == ARTIFACT
    assert report["durationSeconds"] == 90
    assert report["call"]["id"] == call["id"] and report["assistant"]["name"] == "Front desk"
    assert "credentials" not in report["assistant"]
    stored = (await client.get(f"/call/{call['id']}")).json()
    assert stored["analysis"] == {"summary": SUMMARY}
    assert not {"postCall", "post_call", "assistant"} & set(stored)  # never on the wire
    assert await due_column(live_server, call["id"]) is None

    # Nothing is left due: a second sweep sends nothing again.
    assert await sweep(live_server, everything=True) == 0
    assert await reports(call["id"]) == ["end-of-call-report"]
    assert len(webhook.of_type("end-of-call-report")) == 1


async def test_a_lease_run_out_is_taken_by_any_process(
    client: httpx.AsyncClient,
    live_server: LiveServer,
    llm: FakeLLM,
    webhook: FakeWebhook,
) -> None:
    llm.script(asking(SUMMARY_PROMPT), SUMMARY)
    call = await left_due(client, llm, webhook, live_server)

    async def run_out() -> None:
        async with get_sessionmaker()() as session:
            moment = utcnow() - timedelta(seconds=1)
            await session.execute(
                update(CallRow).where(CallRow.id == call["id"]).values(post_call_due=moment)
            )
            await session.commit()

    await live_server.run(run_out())
    assert await sweep(live_server, everything=False) == 1
    [report] = [r.message for r in await webhook.wait_for("end-of-call-report")]
    assert report["analysis"] == {"summary": SUMMARY}
    assert await sweep(live_server, everything=False) == 0


async def test_an_llm_failing_the_analysis_still_sends_the_report_and_is_done(
    client: httpx.AsyncClient,
    live_server: LiveServer,
    llm: FakeLLM,
    webhook: FakeWebhook,
) -> None:
    llm.script(lambda body: body.get("stream") is False, status=500)
    call = await left_due(client, llm, webhook, live_server)
    assert await sweep(live_server, everything=True) == 1
    [report] = [r.message for r in await webhook.wait_for("end-of-call-report")]
    assert report["analysis"] == {} and "summary" not in report
    assert "analysis" not in (await client.get(f"/call/{call['id']}")).json()
    assert await due_column(live_server, call["id"]) is None  # not asked again
