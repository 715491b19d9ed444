"""The fault matrix's backend cases (docs/faults.md): PostgreSQL restarted under a live call, and
Redis unavailable. A real `voxgate serve` process reaches the server through a loopback proxy
(tests/support/tcp_proxy.py) that the test cuts and restores, as a restart looks from the client;
the machine's PostgreSQL and Redis, shared with others, are never touched. Each case checks the
stored end (Vapi's reason, the artifacts, nothing left `in-progress`) and that the process keeps
serving."""

import asyncio
import json
import os
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from redis.asyncio import Redis

from tests.conftest import new_key
from tests.e2e.caller import loudness
from tests.e2e.conftest import REPLY
from tests.e2e.fake_llm import FakeLLM
from tests.e2e.serve import serve_env, serving
from tests.e2e.test_call_monitor import channels
from tests.e2e.test_two_processes import ws
from tests.e2e.test_websocket_call import GREETING, dial, new_call, socket_url
from tests.support.redis import redis_url
from tests.support.reference import assert_matches
from tests.support.server import LiveServer
from tests.support.tcp_proxy import TcpProxy
from voxgate.control.call.bus import UNREACHABLE
from voxgate.control.call.socket import TRY_AGAIN_LATER

QUESTION = {"type": "add-message", "message": {"role": "user", "content": "How is the weather?"}}


async def client_of(url: str) -> httpx.AsyncClient:
    key = await new_key(f"fault-backends-{os.urandom(4).hex()}")
    headers = {"Authorization": f"Bearer {key}"}
    return httpx.AsyncClient(base_url=url, headers=headers, timeout=30)


async def ended(client: httpx.AsyncClient, call_id: str, limit: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        response = await client.get(f"/call/{call_id}")
        if response.status_code == 200 and response.json()["status"] == "ended":
            return dict(response.json())
        await asyncio.sleep(0.2)
    raise AssertionError("the call never ended")


async def assert_nothing_in_progress(client: httpx.AsyncClient) -> None:
    calls = (await client.get("/call")).json()
    assert calls and all(call["status"] == "ended" for call in calls)


async def talk(caller: Any) -> None:
    """Asks the question and waits for the answer to be heard."""
    asked = time.monotonic()
    await caller.ws.send(json.dumps(QUESTION))
    await caller.quiet(after=asked)


@pytest.mark.db
async def test_postgresql_restarted_under_a_live_call(
    database_url: str, fake_llm: FakeLLM, tmp_path: Path
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL restarted: set VOXGATE_TEST_DATABASE_URL to PostgreSQL")
    fake_llm.requests.clear()
    with TcpProxy(database_url) as pg, serving(pg.url, serve_env(), tmp_path) as url:
        client = await client_of(url)
        async with client:
            call = await new_call(client, fake_llm)
            async with dial(ws(url, call["transport"]["websocketCallUrl"])) as caller:
                await caller.quiet()  # the greeting
                pg.cut()
                down = await client.get(f"/call/{call['id']}")
                assert down.status_code == 503, down.text
                assert down.json()["statusCode"] == 503
                health = await client.get("/health")
                assert (health.status_code, health.json()["status"]) == (
                    503, "database-unreachable",
                )  # fmt: skip
                await talk(caller)  # the call goes on without its database
                threading.Timer(3, pg.restore).start()
            # The caller has hung up while the database is still down: the end is written once
            # it is back.
            stored = await ended(client, call["id"])
            assert_matches(stored, "Call")
            assert stored["endedReason"] == "customer-ended-call"
            transcript = stored["artifact"]["transcript"]
            assert transcript.startswith(f"AI: {GREETING}") and transcript.endswith(REPLY)
            assert stored["artifact"]["messages"][-1]["message"] == REPLY
            recording = await client.get(f"/call/{call['id']}/mono-recording")
            assert recording.status_code == 200 and len(recording.content) > 16000
            await assert_nothing_in_progress(client)
            # The process keeps serving: a new call talks and ends as a hang-up.
            again = await new_call(client, fake_llm)
            async with dial(ws(url, again["transport"]["websocketCallUrl"])) as caller:
                await caller.quiet()
                await talk(caller)
            assert (await ended(client, again["id"]))["endedReason"] == "customer-ended-call"


async def subscribed(channel: str, limit: float = 10) -> bool:
    """Whether some process subscribes to `channel` (polled: it reconnects once a second)."""
    redis = Redis.from_url(redis_url())
    deadline = time.monotonic() + limit
    try:
        while (await redis.pubsub_numsub(channel))[0][1] == 0:
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.2)
        return True
    finally:
        await redis.aclose()


async def health(client: httpx.AsyncClient, redis: str) -> dict[str, Any]:
    """`/health` once it says `redis` is `redis` (it is 200 either way)."""
    deadline = time.monotonic() + 20
    while True:
        response = await client.get("/health")
        assert response.status_code == 200, response.text
        if response.json()["redis"] == redis or time.monotonic() > deadline:
            return dict(response.json())
        await asyncio.sleep(0.2)


async def control(client: httpx.AsyncClient, call: dict[str, Any], message: Any) -> httpx.Response:
    return await client.post(urlparse(call["monitor"]["controlUrl"]).path, json=message)


async def say_and_hear(client: httpx.AsyncClient, call: dict[str, Any], caller: Any) -> None:
    """A `say` through the call's control URL, heard by the caller."""
    said = time.monotonic()
    response = await control(client, call, {"type": "say", "content": "Room ready."})
    assert (response.status_code, response.json()) == (200, {})
    await caller.quiet(after=said)
    assert loudness(caller.audio_since(said)) > 300


async def assert_stored_end(client: httpx.AsyncClient, call_id: str, reason: str) -> None:
    """Ended with `reason`, the greeting and the answer in its transcript, its recording kept."""
    stored = await ended(client, call_id)
    assert_matches(stored, "Call")
    assert stored["endedReason"] == reason
    transcript = stored["artifact"]["transcript"]
    assert transcript.startswith(f"AI: {GREETING}") and REPLY in transcript
    recording = await client.get(f"/call/{call_id}/mono-recording")
    assert recording.status_code == 200 and len(recording.content) > 16000


async def assert_unreachable_elsewhere(
    client: httpx.AsyncClient, live_server: LiveServer, fake_llm: FakeLLM
) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, headers=client.headers) as there:
        call = await new_call(there, fake_llm)
        async with dial(socket_url(live_server, call)) as caller:
            await caller.quiet()
            response = await control(client, call, {"type": "say", "content": "Hello?"})
            assert response.status_code == 503
            assert response.json()["message"] == UNREACHABLE
            async with dial(ws(client_url(client), call["monitor"]["listenUrl"])) as listener:
                await asyncio.wait_for(listener.closed.wait(), 20)
            assert listener.close_code == TRY_AGAIN_LATER
        assert (await ended(there, call["id"]))["endedReason"] == "customer-ended-call"


def client_url(client: httpx.AsyncClient) -> str:
    return str(client.base_url).rstrip("/")


async def test_a_process_whose_redis_is_down_serves_rest_and_its_own_calls(
    database_url: str, fake_llm: FakeLLM, tmp_path: Path, live_server: LiveServer
) -> None:
    fake_llm.requests.clear()
    with TcpProxy(redis_url()) as redis:
        redis.cut()  # down before the process starts
        with serving(database_url, serve_env(redis.url), tmp_path) as url:
            async with await client_of(url) as client:
                assert (await health(client, "unreachable"))["status"] == "ok"
                call = await new_call(client, fake_llm)  # REST as usual
                queued = await control(client, call, {"type": "say", "content": "Hello?"})
                assert queued.status_code == 400  # not connected yet: refused as always
                async with dial(ws(url, call["transport"]["websocketCallUrl"])) as caller:
                    await caller.quiet()
                    await say_and_hear(client, call, caller)
                    await talk(caller)
                    assert (await control(client, call, {"type": "end-call"})).status_code == 200
                    await asyncio.wait_for(caller.closed.wait(), 10)
                await assert_stored_end(client, call["id"], "manually-canceled")
                # A call live in another process (the test's own server, on the same database)
                # cannot be reached from this one: a 503, not a 500 nor a wrong "not live".
                await assert_unreachable_elsewhere(client, live_server, fake_llm)
                await assert_nothing_in_progress(client)
                redis.restore()
                assert (await health(client, "ok"))["redis"] == "ok"


async def test_redis_lost_mid_call_leaves_the_call_running_and_controllable_here(
    database_url: str, fake_llm: FakeLLM, tmp_path: Path
) -> None:
    fake_llm.requests.clear()
    env = serve_env(redis_url())
    with TcpProxy(env["VOXGATE_REDIS_URL"]) as redis:
        env["VOXGATE_REDIS_URL"] = redis.url
        with serving(database_url, env, tmp_path) as url:
            async with await client_of(url) as client:
                assert (await health(client, "ok"))["redis"] == "ok"
                call = await new_call(client, fake_llm)
                async with dial(ws(url, call["transport"]["websocketCallUrl"])) as caller:
                    await caller.quiet()
                    redis.cut()
                    assert (await health(client, "unreachable"))["redis"] == "unreachable"
                    async with dial(ws(url, call["monitor"]["listenUrl"])) as listener:
                        await say_and_hear(client, call, caller)  # control, in this process
                        assert not listener.closed.is_set()
                    right = b"".join(channels(chunk)[1] for _, chunk in listener.audio)
                    assert loudness(right) > 100  # heard through this process's listen URL
                    await talk(caller)
                    redis.restore()
                    assert (await health(client, "ok"))["redis"] == "ok"
                    # Reachable from other processes again: subscribed to its control channel.
                    channel = f"{env['VOXGATE_REDIS_PREFIX']}call:{call['id']}:control"
                    assert await subscribed(channel)
                    assert (await control(client, call, {"type": "end-call"})).status_code == 200
                    await asyncio.wait_for(caller.closed.wait(), 10)
                await assert_stored_end(client, call["id"], "manually-canceled")
                await assert_nothing_in_progress(client)
