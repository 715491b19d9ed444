"""Two real `voxgate serve` processes on one PostgreSQL and one Redis (issue 6): a call whose
socket is on process B is controlled and heard through process A's monitor URLs, as clients
reach whichever process the load balancer picks."""

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from cryptography.fernet import Fernet

from tests.conftest import new_key
from tests.e2e.caller import loudness, seconds
from tests.e2e.conftest import REPLY
from tests.e2e.fake_llm import FakeLLM
from tests.e2e.test_call_monitor import channels
from tests.e2e.test_websocket_call import POLICY_VIOLATION, dial, new_call
from tests.support.redis import fresh_prefix, redis_url
from tests.support.server import free_port

pytestmark = pytest.mark.db
SRC = Path(__file__).resolve().parents[2] / "src"


def start(
    database_url: str, env: dict[str, str], data_dir: Path
) -> tuple[subprocess.Popen[bytes], str]:
    """One `voxgate serve` process on a free port, and its URL."""
    port = free_port()
    env = {**env, "VOXGATE_DATA_DIR": str(data_dir), "VOXGATE_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "voxgate.cli", "serve", "--port", str(port)]
    return subprocess.Popen(command, env=env), f"http://127.0.0.1:{port}"


def wait_until_serving(server: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            httpx.get(f"{url}/openapi.json")
            return
        except httpx.TransportError:
            assert time.monotonic() < deadline and server.poll() is None, "serve did not start"
            time.sleep(0.2)


@pytest.fixture
def processes(database_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    if database_url.startswith("sqlite"):
        pytest.skip("two processes share one database: set VOXGATE_TEST_DATABASE_URL to PostgreSQL")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOXGATE_")}
    pythonpath = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH")) if p)
    env |= {
        "PYTHONPATH": pythonpath,
        "HF_HUB_OFFLINE": "1",  # the offline transcriber's model is already here
        "VOXGATE_PUBLIC_URL": "https://voxgate.test",  # one public URL for both, as behind an LB
        "VOXGATE_REDIS_URL": redis_url(),
        "VOXGATE_REDIS_PREFIX": fresh_prefix(),
        "VOXGATE_LOG_LEVEL": "warning",
        "VOXGATE_URL_ALLOWLIST": os.environ["VOXGATE_URL_ALLOWLIST"],  # the fakes are on loopback
        "VOXGATE_SECRET_KEY": Fernet.generate_key().decode(),  # processes share one key
    }
    started = [start(database_url, env, tmp_path / name) for name in ("a", "b")]
    try:
        for server, url in started:
            wait_until_serving(server, url)
        yield started[0][1], started[1][1]
    finally:
        for server, _ in started:
            server.terminate()
        for server, _ in started:
            server.wait(timeout=20)


def ws(url: str, public: str) -> str:
    """A URL the call's record hands out (the public one), on this process."""
    return url.replace("http://", "ws://") + urlparse(public).path


async def test_a_call_on_one_process_is_controlled_and_heard_through_the_other(
    processes: tuple[str, str], fake_llm: FakeLLM
) -> None:
    a, b = processes
    fake_llm.requests.clear()
    key = await new_key(f"two-processes-{os.urandom(4).hex()}")
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=a, headers=headers, timeout=20) as on_a:
        call = await new_call(on_a, fake_llm)
        control = urlparse(call["monitor"]["controlUrl"]).path
        async with dial(ws(b, call["transport"]["websocketCallUrl"])) as caller:
            await caller.quiet()  # the greeting
            async with dial(ws(a, call["transport"]["websocketCallUrl"])) as second:
                await asyncio.wait_for(second.closed.wait(), 10)
            assert second.close_code == POLICY_VIOLATION  # connected already, on B

            said = time.monotonic()
            response = await on_a.post(control, json={"type": "say", "content": "Room ready."})
            assert (response.status_code, response.json()) == (200, {})
            await caller.quiet(after=said)
            heard = caller.audio_since(said)
            assert 0.5 < seconds(heard) < 4 and loudness(heard) > 300

            refused = await on_a.post(control, json={"type": "no-such-message"})
            assert refused.status_code == 400 and refused.json()["statusCode"] == 400

            async with dial(ws(a, call["monitor"]["listenUrl"])) as listener:
                asked = time.monotonic()
                question = {"role": "user", "content": "How is the weather?"}
                message = {"type": "add-message", "message": question}
                assert (await on_a.post(control, json=message)).status_code == 200
                await caller.quiet(after=asked)
                assert "".join(m["output"] for m in caller.of_type("model-output")) == REPLY
                assert (await on_a.post(control, json={"type": "end-call"})).status_code == 200
                await asyncio.wait_for(caller.closed.wait(), 10)
                await asyncio.wait_for(listener.closed.wait(), 10)
        assert listener.close_code == 1000
        right = b"".join(channels(chunk)[1] for _, chunk in listener.audio)
        assert seconds(right) > 1 and loudness(right) > 100  # the assistant's reply, heard on A

        stored = (await on_a.get(f"/call/{call['id']}")).json()
        deadline = time.monotonic() + 10
        while stored["status"] != "ended" and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            stored = (await on_a.get(f"/call/{call['id']}")).json()
        assert stored["endedReason"] == "manually-canceled"
        late = await on_a.post(control, json={"type": "say", "content": "Hello?"})
        assert late.status_code == 400
        assert late.json()["message"] == "Call is ended: only a call in progress can be controlled."
        unknown = await on_a.post(control.replace(call["id"], "not-a-call"), json={})
        assert unknown.status_code == 404
