"""The org's concurrent-call limit over a real call: a call that has ended frees its slot."""

import httpx
import pytest

from tests.e2e.fake_llm import FakeLLM
from tests.e2e.test_websocket_call import dial, ended, new_call, socket_url
from tests.integration.control.limits.test_limits import assert_vapi_error
from tests.support.server import LiveServer

pytestmark = pytest.mark.db


async def test_a_second_call_waits_for_the_first_to_end(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, one_call_each: None
) -> None:
    call = await new_call(client, llm)
    body = {"assistantId": call["assistantId"], "transport": {"provider": "vapi.websocket"}}
    async with dial(socket_url(live_server, call)) as caller:
        await caller.quiet()  # in progress: the greeting was spoken
        refused = await client.post("/call", json=body)
        assert refused.status_code == 429
        assert refused.json()["message"] == "Over Concurrency Limit"
        assert_vapi_error(refused.json(), 429)
    assert (await ended(client, call["id"]))["endedReason"] == "customer-ended-call"

    again = await client.post("/call", json=body)
    assert again.status_code == 201, again.text
