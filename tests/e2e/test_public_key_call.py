"""A browser's call: created with a public key from an allowed page, then joined and talked to.

The refusals are in tests/integration/control/test_public_keys.py.
"""

import os
import time

import httpx
import pytest

from tests.conftest import new_key
from tests.e2e.caller import loudness, seconds
from tests.e2e.fake_llm import FakeLLM
from tests.e2e.test_websocket_call import GREETING, dial, ended, fake_model, socket_url
from tests.support.server import LiveServer
from voxgate.auth.restrictions import Restrictions

pytestmark = pytest.mark.db

PAGE = "https://app.test"


async def test_a_public_keys_call_is_joined_and_greets(
    live_server: LiveServer, llm: FakeLLM
) -> None:
    org = f"browser-{os.urandom(6).hex()}"
    private = {"Authorization": f"Bearer {await new_key(org)}"}
    async with httpx.AsyncClient(base_url=live_server.url, headers=private) as client:
        assistant = {"firstMessage": GREETING, "model": fake_model(llm)}
        assistant_id = (await client.post("/assistant", json=assistant)).json()["id"]
        restrictions = Restrictions(allowed_origins=(PAGE,), allowed_assistant_ids=(assistant_id,))
        public = await new_key(org, "public", restrictions)
        body = {"assistantId": assistant_id, "transport": {"provider": "vapi.websocket"}}
        headers = {"Authorization": f"Bearer {public}", "Origin": PAGE}
        made = await client.post("/call", json=body, headers=headers)
        assert made.status_code == 201, made.text
        call = made.json()

        # The socket is the call's capability URL, as for any call: the page needs no key on it.
        connected = time.monotonic()
        async with dial(socket_url(live_server, call), origin=PAGE) as caller:
            await caller.quiet()
            greeting = caller.audio_since(connected)
            statuses = caller.of_type("status-update")
        assert statuses[0]["status"] == "in-progress"
        assert 1.5 < seconds(greeting) < 8 and loudness(greeting) > 300
        stored = await ended(client, call["id"])
    assert stored["endedReason"] == "customer-ended-call"
    assert stored["assistantId"] == assistant_id
