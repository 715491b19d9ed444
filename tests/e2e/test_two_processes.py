"""Two real `voxgate serve` processes on one PostgreSQL and one Redis (issue 6): a call whose
socket is on process B is controlled and heard through process A's monitor URLs, as clients
reach whichever process the load balancer picks."""

import asyncio
import os
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from tests.conftest import new_key
from tests.e2e.caller import loudness, seconds
from tests.e2e.conftest import REPLY
from tests.e2e.fake_llm import FakeLLM
from tests.e2e.serve import serve_env, start, stop, wait_until_serving
from tests.e2e.test_call_monitor import channels
from tests.e2e.test_websocket_call import POLICY_VIOLATION, dial, new_call
from tests.support.redis import redis_url

pytestmark = pytest.mark.db


@pytest.fixture
def processes(database_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    if database_url.startswith("sqlite"):
        pytest.skip("two processes share one database: set VOXGATE_TEST_DATABASE_URL to PostgreSQL")
    env = serve_env(redis_url())
    started = [start(database_url, env, tmp_path / name) for name in ("a", "b")]
    try:
        for server, url in started:
            wait_until_serving(server, url)
        yield started[0][1], started[1][1]
    finally:
        stop([server for server, _ in started])


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
