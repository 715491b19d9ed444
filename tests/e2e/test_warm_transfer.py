"""Warm transfers on a live Twilio call (the fake, on loopback): the `<Dial>` carries the
whisper URL, and once the destination answers Twilio fetches from it what the destination
hears before the caller is bridged (the plan's message, rendered, or its own TwiML), signed
like every Twilio callback of the call."""

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest

from tests.e2e.fake_llm import FakeLLM, asking
from tests.e2e.phone import CUSTOMER, import_number, stored_call
from tests.e2e.test_phone_call import ask, assistant, quiet, result_heard, tool_result
from tests.e2e.test_twilio_api_key import TOKEN, import_with_key, refused
from tests.e2e.test_websocket_call import GREETING, ended
from tests.support.fake_twilio import FakeCall, FakeTwilio
from tests.support.server import LiveServer

pytestmark = pytest.mark.db

DESK = {"type": "number", "number": "+14155550100", "message": "One moment."}
WAIT = "warm-transfer-wait-for-operator-to-speak-first-and-then-say-message"


async def transferred(
    client: httpx.AsyncClient,
    live_server: LiveServer,
    llm: FakeLLM,
    twilio: FakeTwilio,
    plan: dict[str, Any],
    number: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], FakeCall]:
    """A call from `number` (else one imported with the auth token) the LLM transfers to the
    desk with `plan`, once it has ended forwarded."""
    llm.tool_calls = [("transferCall", {"destination": DESK["number"]})]
    tools = [{"type": "transferCall", "destinations": [{**DESK, "transferPlan": plan}]}]
    number = number or await import_number(client)
    call_id, call = await stored_call(live_server, twilio, number, assistant(llm, tools))
    await quiet(call)
    await ask(live_server, call_id, "Can I talk to a person?")
    return await ended(client, call_id), call


def said(response: httpx.Response) -> list[tuple[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    return [(verb.tag, verb.text or "") for verb in ET.fromstring(response.text)]


async def test_say_message_whispers_the_rendered_message_to_the_destination(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, twilio: FakeTwilio
) -> None:
    message = {"type": "custom-message", "content": "A caller from {{customer.number}}."}
    plan = {"mode": "warm-transfer-say-message", "message": message}
    stored, call = await transferred(client, live_server, llm, twilio, plan)
    assert stored["endedReason"] == "assistant-forwarded-call"
    number = ET.fromstring(call.updates[-1]["Twiml"]).find("./Dial/Number")
    assert number is not None and number.text == DESK["number"]
    assert number.attrib["url"].endswith(f"/twilio/whisper/{stored['id']}")

    whisper = await call.destination_answers()
    assert said(whisper) == [("Say", f"A caller from {CUSTOMER}.")]
    forged = await call.destination_answers(signature="forged")
    assert forged.status_code == 403
    other = await call.destination_answers(ParentCallSid="CAsomeoneelse")
    assert other.status_code == 403


async def test_an_api_key_numbers_whisper_url_carries_the_calls_token(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, twilio: FakeTwilio
) -> None:
    number = await import_with_key(client, twilio)
    plan = {"mode": "warm-transfer-say-message", "message": "A caller."}
    stored, call = await transferred(client, live_server, llm, twilio, plan, number)
    url = ET.fromstring(call.updates[-1]["Twiml"]).find("./Dial/Number").attrib["url"]  # type: ignore[union-attr]
    assert re.fullmatch(rf".*/twilio/whisper/{stored['id']}\?token={TOKEN}", url), url
    assert said(await call.destination_answers()) == [("Say", "A caller.")]
    call.updates[-1]["Twiml"] = call.updates[-1]["Twiml"].replace(url, url.split("?")[0])
    assert refused(await call.destination_answers())


async def test_waiting_for_the_operator_gathers_their_words_before_the_message(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, twilio: FakeTwilio
) -> None:
    plan = {"mode": WAIT, "message": "A caller about billing.", "timeout": 20}
    _, call = await transferred(client, live_server, llm, twilio, plan)
    assert said(await call.destination_answers()) == [
        ("Gather", ""),
        ("Say", "A caller about billing."),
    ]
    spoke = await call.destination_answers(SpeechResult="Hello, front desk.")
    assert said(spoke) == [("Say", "A caller about billing.")]


async def test_say_summary_whispers_a_summary_of_the_call_so_far(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, twilio: FakeTwilio
) -> None:
    llm.script(asking("summarize it"), "The caller wants a person about billing.")
    plan = {"mode": "warm-transfer-say-summary", "message": "Unused unless no summary."}
    stored, call = await transferred(client, live_server, llm, twilio, plan)
    asked = next(r for r in llm.requests if asking("summarize it")(r))  # then post-call's
    assert f"AI: {GREETING}" in json.dumps(asked["messages"])  # the transcript so far
    assert said(await call.destination_answers()) == [
        ("Say", "The caller wants a person about billing.")
    ]
    assert stored["endedReason"] == "assistant-forwarded-call"


async def test_warm_transfer_twiml_runs_the_plans_twiml_on_the_destination(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, twilio: FakeTwilio
) -> None:
    twiml = '<Say voice="alice">Billing caller.</Say><Pause length="1"/>'
    plan = {"mode": "warm-transfer-twiml", "twiml": twiml}
    _, call = await transferred(client, live_server, llm, twilio, plan)
    assert said(await call.destination_answers()) == [("Say", "Billing caller."), ("Pause", "")]


async def test_twiml_with_a_verb_vapi_does_not_allow_is_the_llms_error(
    client: httpx.AsyncClient, live_server: LiveServer, llm: FakeLLM, twilio: FakeTwilio
) -> None:
    llm.tool_calls = [("transferCall", {"destination": DESK["number"]})]
    plan = {"mode": "warm-transfer-twiml", "twiml": "<Dial>+14155550199</Dial>"}
    tools = [{"type": "transferCall", "destinations": [{**DESK, "transferPlan": plan}]}]
    number = await import_number(client)
    call_id, call = await stored_call(live_server, twilio, number, assistant(llm, tools))
    await quiet(call)
    await ask(live_server, call_id, "Can I talk to a person?")
    await result_heard(llm)
    assert "may only use" in str(tool_result(llm)) and "Dial" in str(tool_result(llm))
    assert [u for u in call.updates if u.get("Twiml")] == []  # Twilio was never asked
    await call.hang_up()
    assert (await ended(client, call_id))["endedReason"] == "customer-ended-call"
