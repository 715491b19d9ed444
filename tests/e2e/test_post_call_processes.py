"""A call's post-call work outlives the process that ran it, for real: process A runs a call and
is SIGKILLed while its analysis waits on the LLM; process B, started afterwards on the same
PostgreSQL and Redis, takes the work once A's lease has run out (5 s here) and delivers the one
`end-of-call-report`, with the analysis. Skipped without PostgreSQL and `VOXGATE_TEST_REDIS_URL`."""

import asyncio
import os
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from tests.e2e.fake_llm import FakeLLM, asking
from tests.e2e.serve import serve_env, start, stop, wait_until_serving
from tests.e2e.test_call_analysis import analysis_requests
from tests.e2e.test_two_processes import ws
from tests.e2e.test_websocket_call import dial, new_call
from tests.integration.webhooks.test_outbox import _sessions
from tests.support.databases import own_database
from tests.support.fake_webhook import fake_webhook
from tests.support.redis import redis_url
from voxgate.db.models import Call as CallRow
from voxgate.db.models import ServerMessage
from voxgate.engine.analysis_prompts import SUMMARY_PROMPT

pytestmark = pytest.mark.db
SUMMARY = "The caller heard the greeting and hung up."
# The summary alone, of a call whose one message is the greeting.
PLAN = {"minMessagesThreshold": 1, "successEvaluationPlan": {"enabled": False}}


async def until_asked(llm: FakeLLM, limit: float = 30) -> None:
    deadline = time.monotonic() + limit
    while not analysis_requests(llm):
        assert time.monotonic() < deadline, "the call was never analysed"
        await asyncio.sleep(0.05)


async def test_a_process_killed_during_the_analysis_leaves_the_report_to_another(
    database_url: str, tmp_path: Path, llm: FakeLLM
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("two processes share one database: set VOXGATE_TEST_DATABASE_URL to PostgreSQL")
    key = f"post-call-{os.urandom(8).hex()}"
    env = serve_env(redis_url(), post_call_lease_seconds="5", api_key=key)
    async with own_database(database_url, tmp_path) as own:
        a, a_url = start(own, env, tmp_path / "a")
        servers = [a]
        try:
            with fake_webhook() as webhook:
                await asyncio.to_thread(wait_until_serving, a, a_url)
                headers = {"Authorization": f"Bearer {key}"}
                async with httpx.AsyncClient(base_url=a_url, headers=headers, timeout=30) as on_a:
                    call = await new_call(
                        on_a, llm, server={"url": webhook.url},
                        serverMessages=["end-of-call-report"],
                        analysisPlan=PLAN,
                    )  # fmt: skip
                    llm.stall = 30.0  # the analysis waits: A is killed meanwhile
                    async with dial(ws(a_url, call["transport"]["websocketCallUrl"])) as caller:
                        await caller.quiet()  # the greeting; then the caller hangs up
                    await until_asked(llm)
                a.kill()
                await asyncio.to_thread(a.wait, 10)
                llm.stall = 0.0
                llm.script(asking(SUMMARY_PROMPT), SUMMARY)

                b, b_url = start(own, env, tmp_path / "b")
                servers.append(b)
                await asyncio.to_thread(wait_until_serving, b, b_url)
                [report] = [r.message for r in await webhook.wait_for("end-of-call-report", 1, 60)]
                assert report["analysis"] == {"summary": SUMMARY}
                assert report["call"]["id"] == call["id"]
                assert report["endedReason"] == "customer-ended-call"
                async with httpx.AsyncClient(base_url=b_url, headers=headers) as on_b:
                    stored = (await on_b.get(f"/call/{call['id']}")).json()
                assert stored["analysis"] == {"summary": SUMMARY}
                assert stored["artifact"]["transcript"].startswith("AI: ")
            async for sessions in _sessions(own):
                async with sessions() as session:
                    due = await session.scalar(
                        select(CallRow.post_call_due).where(CallRow.id == call["id"])
                    )
                    sent = list(
                        await session.scalars(
                            select(ServerMessage.type).where(ServerMessage.call_id == call["id"])
                        )
                    )
            assert due is None and sent == ["end-of-call-report"]  # done, and sent once
        finally:
            await asyncio.to_thread(stop, [s for s in servers if s.poll() is None])
