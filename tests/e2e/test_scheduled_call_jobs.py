"""A scheduled call dialed at `earliestAt` by its job on the Redis queue (worker/jobs.py): one
real `voxgate serve` with `VOXGATE_REDIS_URL`, on a database of its own, so no polling sweep
(the session's live server runs one) can dial it; with a queue the sweep only runs every 30 s.
Skipped without `VOXGATE_TEST_REDIS_URL`."""

import asyncio
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from tests.e2e.fake_llm import FakeLLM
from tests.e2e.phone import CUSTOMER, NUMBER, import_number
from tests.e2e.test_outbound_call import PUBLIC, assistant_id, dialed, stored, until_ended
from tests.e2e.test_two_processes import SRC, start, wait_until_serving
from tests.support.databases import own_database
from tests.support.fake_twilio import fake_twilio
from tests.support.redis import fresh_prefix, redis_url

pytestmark = pytest.mark.db


async def test_a_scheduled_call_is_dialed_at_earliest_at_by_its_job(
    database_url: str, tmp_path: Path, llm: FakeLLM
) -> None:
    queue, prefix = redis_url(), fresh_prefix()
    key = f"jobs-{os.urandom(8).hex()}"
    async with own_database(database_url, tmp_path) as own, fake_twilio("", PUBLIC) as twilio:
        twilio.add_number(NUMBER)
        env = {k: v for k, v in os.environ.items() if not k.startswith("VOXGATE_")}
        pythonpath = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH")) if p)
        env |= {
            "PYTHONPATH": pythonpath, "HF_HUB_OFFLINE": "1", "VOXGATE_PUBLIC_URL": PUBLIC,
            "VOXGATE_REDIS_URL": queue, "VOXGATE_REDIS_PREFIX": prefix,
            "VOXGATE_API_KEY": key, "VOXGATE_TWILIO_API_URL": twilio.url,
            "VOXGATE_URL_ALLOWLIST": os.environ["VOXGATE_URL_ALLOWLIST"],
            "VOXGATE_LOG_LEVEL": "warning",
        }  # fmt: skip
        server, url = start(own, env, tmp_path / "serve")
        twilio.live_url = url  # its callbacks go to this process
        try:
            await asyncio.to_thread(wait_until_serving, server, url)
            headers = {"Authorization": f"Bearer {key}"}
            async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
                number = await import_number(client)
                body = {"assistantId": await assistant_id(client, llm),
                        "phoneNumberId": number["id"], "customer": {"number": CUSTOMER}}  # fmt: skip
                # Time enough for the create (its first check loads the offline transcriber).
                earliest = datetime.now(UTC) + timedelta(seconds=10)
                plan = {"earliestAt": earliest.isoformat().replace("+00:00", "Z")}
                response = await client.post("/call", json={**body, "schedulePlan": plan})
                assert response.status_code == 201, response.text
                call = response.json()
                assert call["status"] == "scheduled"
                phone = await asyncio.wait_for(dialed(twilio), 30)
                # At its moment (SAQ schedules in whole seconds), not at the 30 s safety sweep.
                assert earliest <= datetime.now(UTC) < earliest + timedelta(seconds=4)
                assert phone.to == CUSTOMER
                redis = Redis.from_url(queue)
                job_key = f"scheduled-call:{call['id']}:{earliest.timestamp()}"
                stored_job = await redis.get(f"saq:job:{prefix}jobs:{job_key}")
                await redis.aclose()
                assert stored_job is not None and json.loads(stored_job)["status"] == "complete"
                now = await stored(client, call["id"])
                while "phoneCallProviderId" not in now:  # stored once Twilio's answer is back
                    await asyncio.sleep(0.05)
                    now = await stored(client, call["id"])
                assert now["status"] == "queued" and now["phoneCallProviderId"] == phone.sid
                await phone.busy()
                assert (await until_ended(client, call["id"]))["endedReason"] == "customer-busy"
                assert twilio.dialed.empty()  # dialed once
        finally:
            server.terminate()
            await asyncio.to_thread(server.wait, 30)
