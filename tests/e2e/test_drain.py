"""SIGTERM drains a real `voxgate serve`: new calls are refused while live ones go on for the
grace period, then end with `worker-shutdown`, their artifacts and end-of-call report written
before the process exits 0.

The server is a child process (SQLite in a temporary directory, a free port, the offline
voice); the fake LLM and the webhook server run in this process, on loopback.
"""

import asyncio
import os
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.e2e.fake_llm import FakeLLM
from tests.e2e.test_websocket_call import dial, new_call
from tests.integration.control.limits.test_limits import assert_vapi_error
from tests.support.fake_webhook import fake_webhook
from tests.support.server import free_port
from voxgate.db.models import Call as CallRow

pytestmark = pytest.mark.db

GRACE_SECONDS = 6  # long enough for the checks below on a loaded machine


@asynccontextmanager
async def voxgate_serve(data_dir: Path, port: int, key: str) -> AsyncIterator[Any]:
    env = {
        **os.environ,
        "VOXGATE_DATA_DIR": str(data_dir),
        "VOXGATE_DATABASE_URL": f"sqlite+aiosqlite:///{data_dir / 'voxgate.db'}",
        "VOXGATE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "VOXGATE_API_KEY": key,
        "VOXGATE_DRAIN_SECONDS": str(GRACE_SECONDS),
    }
    with open(data_dir / "serve.log", "wb") as log:
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "voxgate.cli", "serve", "--port", str(port),
            env=env, stdout=log, stderr=log,
        )  # fmt: skip
        try:
            yield child
        except BaseException:
            print((data_dir / "serve.log").read_text()[-5000:])
            raise
        finally:
            if child.returncode is None:
                child.kill()
                await child.wait()


async def until_answered(client: httpx.AsyncClient, status: int, limit: float) -> httpx.Response:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            response = await client.get("/health")
            if response.status_code == status:
                return response
        except httpx.TransportError:
            pass  # not listening yet
        await asyncio.sleep(0.2)
    raise AssertionError(f"/health never answered {status}")


async def stored_call(data_dir: Path, call_id: str) -> dict[str, Any]:
    engine = create_async_engine(f"sqlite+aiosqlite:///{data_dir / 'voxgate.db'}")
    async with AsyncSession(engine) as session:
        row = await session.scalar(select(CallRow).where(CallRow.id == call_id))
    await engine.dispose()
    assert row is not None
    data: dict[str, Any] = row.data
    return data


async def test_sigterm_refuses_new_calls_and_ends_live_ones_after_the_grace_period(
    llm: FakeLLM, tmp_path: Path
) -> None:
    port, key = free_port(), str(uuid.uuid4())
    base, sockets = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {key}"}
    async with (
        voxgate_serve(tmp_path, port, key) as child,
        httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client,
    ):
        await until_answered(client, 200, limit=90)
        with fake_webhook() as webhook:
            call = await new_call(client, llm, server={"url": webhook.url})
            waiting = await new_call(client, llm)  # queued: its client comes while draining
            async with dial(call["transport"]["websocketCallUrl"].replace(base, sockets)) as caller:
                await caller.quiet(limit=60)  # the greeting was spoken: the call is live
                child.send_signal(signal.SIGTERM)

                health = await until_answered(client, 503, limit=10)
                assert health.json() == {"status": "draining", "activeCalls": 1, "draining": True}
                body = {"assistantId": call["assistantId"], "transport": call["transport"]}
                refused = await client.post("/call", json=body)
                assert refused.status_code == 503
                assert_vapi_error(refused.json(), 503)
                assert "shutting down" in refused.json()["message"]
                late = waiting["transport"]["websocketCallUrl"].replace(base, sockets)
                with pytest.raises(InvalidStatus) as denied:
                    async with connect(late):
                        pass
                assert denied.value.response.status_code == 503

                await caller.silence_until_closed(limit=GRACE_SECONDS + 30)
            assert await asyncio.wait_for(child.wait(), 60) == 0
            # Sent before the process exited: nothing was left for the next start.
            reports = webhook.of_type("end-of-call-report")

    assert caller.of_type("status-update")[-1]["endedReason"] == "worker-shutdown"
    stored = await stored_call(tmp_path, call["id"])
    assert stored["status"] == "ended"
    assert stored["endedReason"] == "worker-shutdown"
    assert stored["artifact"]["recordingUrl"]
    assert any((tmp_path / "recordings" / call["id"]).iterdir())
    assert [r.message["endedReason"] for r in reports] == ["worker-shutdown"]
    assert (await stored_call(tmp_path, waiting["id"]))["status"] == "queued"
