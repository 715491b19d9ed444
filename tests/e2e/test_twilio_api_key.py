"""A Twilio number imported with an API key (`twilioApiKey` + `twilioApiSecret`) rather than
its auth token, on loopback: Twilio still signs its requests with the auth token, which voxgate
then does not have, so every URL voxgate hands Twilio for the number carries a token only
voxgate can make (telephony/twilio/signature.py). Its calls, inbound and outbound, run as an
auth-token number's do; a request without the right token is refused and changes nothing; a
number with its auth token still needs Twilio's signature, whatever its URL carries."""

import json
import re
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from websockets.exceptions import InvalidStatus

from tests.e2e.fake_llm import FakeLLM
from tests.e2e.phone import CUSTOMER, NUMBER
from tests.e2e.test_inbound_call import (
    INBOUND_URL,
    front_desk,
    greeting_heard,
    inbound_form,
    only_call,
    sounds_like,
)
from tests.e2e.test_outbound_call import PUBLIC, assistant_id, dialed, quiet, stored, until_ended
from tests.e2e.test_outbound_call import place as outbound_place
from tests.e2e.test_websocket_call import GREETING, ended
from tests.support.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeCall, FakeTwilio, sid
from tests.support.logs import captured_log
from voxgate.config import get_settings
from voxgate.db.sealed import secret_keys

pytestmark = pytest.mark.db

API_KEY = "SK" + "0123456789abcdef" * 2
API_SECRET = "twilio-api-secret-for-tests"
TOKEN = r"[A-Za-z0-9_-]{43}"  # an HMAC-SHA256, url-safe base64 without padding
# The voice webhook finds a number in any org (the session's tests share one database): no other
# test imports this one.
OTHER_NUMBER = "+15550006666"
FORGED = {"message": "Invalid Twilio signature.", "error": "Forbidden", "statusCode": 403}


async def import_with_key(
    client: httpx.AsyncClient, twilio: FakeTwilio, number: str = NUMBER, **fields: Any
) -> dict[str, Any]:
    """`number` of the fake's account, imported with an API key of the account, no auth token."""
    twilio.api_keys[API_KEY] = API_SECRET
    body = {
        "provider": "twilio",
        "number": number,
        "twilioAccountSid": ACCOUNT_SID,
        "twilioApiKey": API_KEY,
        "twilioApiSecret": API_SECRET,
        **fields,
    }
    response = await client.post("/phone-number", json=body)
    assert response.status_code == 201, response.text
    imported: dict[str, Any] = response.json()
    return imported


def token_of(url: str) -> str:
    """A callback URL's `token` parameter, or the media stream URL's last segment."""
    return re.split("[/=]", url)[-1]


def without_token(url: str) -> str:
    return re.sub(r"(\?token=|/)[^/]*$", "", url)


def altered(url: str) -> str:
    """The URL with its token's last character changed."""
    return url[:-1] + ("A" if url[-1] != "A" else "B")


def refused(response: httpx.Response) -> bool:
    return response.status_code == 403 and response.json() == FORGED


# Inbound calls.


async def test_a_call_to_an_api_key_number_is_answered_and_heard(
    client: httpx.AsyncClient, twilio: FakeTwilio, llm: FakeLLM
) -> None:
    number = await import_with_key(client, twilio, assistantId=await front_desk(client, llm))
    voice_url = twilio.numbers[NUMBER]["voice_url"]
    assert re.fullmatch(re.escape(INBOUND_URL) + r"\?token=" + TOKEN, voice_url), voice_url
    assert {r.auth for r in twilio.requests} == {(API_KEY, API_SECRET)}

    call, answer = await twilio.ring(NUMBER, CUSTOMER)  # to the voice URL voxgate set
    assert answer.status_code == 200, answer.text
    stored_call = await only_call(client)
    assert stored_call["phoneNumberId"] == number["id"]
    stream = call.stream_url()
    assert re.fullmatch(f"wss://voxgate.test/twilio/stream/{stored_call['id']}/{TOKEN}", stream)
    assert token_of(stream) != token_of(voice_url)  # the call's own token, not the number's

    assert sounds_like(await greeting_heard(call), GREETING)
    await call.hang_up()
    done = await ended(client, stored_call["id"])
    assert done["endedReason"] == "customer-ended-call"


async def test_an_inbound_webhook_without_the_numbers_token_is_refused(
    client: httpx.AsyncClient, twilio: FakeTwilio, llm: FakeLLM
) -> None:
    await import_with_key(client, twilio, assistantId=await front_desk(client, llm))
    twilio.add_number(OTHER_NUMBER)
    await import_with_key(client, twilio, OTHER_NUMBER)
    voice_url = twilio.numbers[NUMBER]["voice_url"]
    other_numbers = twilio.numbers[OTHER_NUMBER]["voice_url"]
    call = FakeCall(twilio, sid("CA"), NUMBER, CUSTOMER, "")
    twilio.calls[call.sid] = call
    form = inbound_form(call, twilio)
    # Each is signed as Twilio signs (the account's auth token): no help without the token.
    for url in (INBOUND_URL, altered(voice_url), other_numbers):
        assert refused(await twilio.post(url, form)), url
    assert (await client.get("/call")).json() == []

    answer = await twilio.post(voice_url, form)
    assert answer.status_code == 200, answer.text
    call.twiml = answer.text
    first = await only_call(client)
    assert (await twilio.post(voice_url, form)).status_code == 409  # a replay, refused still
    assert (await client.get("/call")).json() == [first]

    # The media stream: without the call's token, or with the number's, it is not joined.
    stream = call.stream_url()
    for url in (without_token(stream), altered(stream),
                f"{without_token(stream)}/{token_of(voice_url)}"):  # fmt: skip
        with pytest.raises(InvalidStatus):
            await call.open_stream(url)
    assert (await only_call(client))["status"] == "ringing"
    await call.open_stream()  # the URL voxgate gave: the call runs
    assert sounds_like(await greeting_heard(call), GREETING)


# Outbound calls.


async def place(
    client: httpx.AsyncClient, llm: FakeLLM, twilio: FakeTwilio, **assistant: Any
) -> dict[str, Any]:
    """A call of the front desk from the API-key number to `CUSTOMER`, created."""
    return await outbound_place(client, llm, assistant, await import_with_key(client, twilio))


async def test_an_outbound_call_from_an_api_key_number_runs_to_its_end(
    client: httpx.AsyncClient, llm: FakeLLM, twilio: FakeTwilio
) -> None:
    call = await place(client, llm, twilio)
    phone = await dialed(twilio)
    [create] = [r for r in twilio.requests if r.path.endswith("/Calls.json")]
    assert create.auth == (API_KEY, API_SECRET)
    status_url = phone.status_callback or ""
    assert re.fullmatch(f"{PUBLIC}/twilio/status/{call['id']}\\?token={TOKEN}", status_url)
    token = token_of(status_url)
    assert phone.stream_url() == f"wss://voxgate.test/twilio/stream/{call['id']}/{token}"

    before = await stored(client, call["id"])
    busy = {**twilio.call_form(phone), "CallStatus": "busy"}
    for url in (f"{PUBLIC}/twilio/status/{call['id']}", altered(status_url)):
        assert refused(await twilio.post(url, busy)), url
    assert await stored(client, call["id"]) == before

    with captured_log("info") as log:
        await phone.answer()  # `ringing` and `in-progress` to the status URL, then the stream
        await quiet(phone, 0)
        assert (await stored(client, call["id"]))["status"] == "in-progress"
        await phone.hang_up()
        done = await ended(client, call["id"])
    assert done["endedReason"] == "customer-ended-call"
    # voxgate's lines (httpx's are the fake's own requests: Twilio's side) never show the
    # token: the request log has paths, not queries.
    ours = [line for line in log.lines() if line.get("logger") != "httpx"]
    assert any(line.get("path") == f"/twilio/status/{call['id']}" for line in ours)
    assert not [line for line in ours if token in json.dumps(line)]


async def test_an_api_key_numbers_call_nobody_answers_ends_by_its_callbacks(
    client: httpx.AsyncClient, llm: FakeLLM, twilio: FakeTwilio
) -> None:
    call = await place(client, llm, twilio)
    phone = await dialed(twilio)
    await phone.busy()
    done = await until_ended(client, call["id"])
    assert done["endedReason"] == "customer-busy"


async def test_another_calls_token_does_not_open_a_call(
    client: httpx.AsyncClient, llm: FakeLLM, twilio: FakeTwilio
) -> None:
    first = await place(client, llm, twilio)
    first_phone = await dialed(twilio)
    body = {"assistantId": first["assistantId"], "phoneNumberId": first["phoneNumberId"],
            "customer": {"number": CUSTOMER}}  # fmt: skip
    second = (await client.post("/call", json=body)).json()
    phone = await dialed(twilio)
    borrowed = (
        f"{PUBLIC}/twilio/status/{second['id']}?token={token_of(first_phone.status_callback or '')}"
    )
    assert refused(await twilio.post(borrowed, {**twilio.call_form(phone), "CallStatus": "busy"}))
    assert (await stored(client, second["id"]))["status"] == "queued"
    await phone.no_answer()
    assert (await until_ended(client, second["id"]))["endedReason"] == "customer-did-not-answer"
    await first_phone.no_answer()
    await until_ended(client, first["id"])


async def test_the_answering_machine_verdict_carries_the_calls_token(
    client: httpx.AsyncClient, llm: FakeLLM, twilio: FakeTwilio
) -> None:
    call = await place(client, llm, twilio, voicemailDetection={"provider": "twilio"})
    phone = await dialed(twilio)
    amd_url = phone.form["AsyncAmdStatusCallback"]
    assert (
        amd_url == f"{PUBLIC}/twilio/amd/{call['id']}?token={token_of(phone.status_callback or '')}"
    )
    await phone.answer()
    await quiet(phone, 0)
    verdict = {**twilio.call_form(phone), "AnsweredBy": "machine_end_beep"}
    assert refused(await twilio.post(f"{PUBLIC}/twilio/amd/{call['id']}", verdict))
    assert (await phone.amd("human")).status_code == 204
    await phone.hang_up()
    # Had the machine verdict been taken, the call would have ended `voicemail`.
    assert (await ended(client, call["id"]))["endedReason"] == "customer-ended-call"


async def test_a_transient_api_key_number_gets_its_callbacks(
    client: httpx.AsyncClient, llm: FakeLLM, twilio: FakeTwilio
) -> None:
    twilio.api_keys[API_KEY] = API_SECRET
    number = {"twilioPhoneNumber": NUMBER, "twilioAccountSid": ACCOUNT_SID,
              "twilioApiKey": API_KEY, "twilioApiSecret": API_SECRET}  # fmt: skip
    body = {
        "assistantId": await assistant_id(client, llm),
        "phoneNumber": number,
        "customer": {"number": CUSTOMER},
    }
    response = await client.post("/call", json=body)
    assert response.status_code == 201, response.text
    call = response.json()
    phone = await dialed(twilio)
    assert re.fullmatch(
        f"{PUBLIC}/twilio/status/{call['id']}\\?token={TOKEN}", phone.status_callback or ""
    )
    await phone.no_answer()
    assert (await until_ended(client, call["id"]))["endedReason"] == "customer-did-not-answer"


# Switching credentials, rotating the key, and numbers with their auth token.


async def test_switching_between_auth_token_and_api_key_points_the_voice_url_again(
    client: httpx.AsyncClient, twilio: FakeTwilio
) -> None:
    number = await import_with_key(client, twilio)
    tokened = twilio.numbers[NUMBER]["voice_url"]
    path = f"/phone-number/{number['id']}"
    with_token = await client.patch(path, json={"twilioAuthToken": AUTH_TOKEN})
    assert with_token.status_code == 200, with_token.text
    assert twilio.numbers[NUMBER]["voice_url"] == INBOUND_URL  # as any auth-token number's

    # With its auth token the number needs Twilio's signature: its token is no substitute.
    call = FakeCall(twilio, sid("CA"), NUMBER, CUSTOMER, "")
    form = inbound_form(call, twilio)
    for url in (tokened, INBOUND_URL):
        assert refused(await twilio.post(url, form, signature="Zm9yZ2Vk")), url
    assert (await client.get("/call")).json() == []

    without = await client.patch(path, json={"twilioAuthToken": None})
    assert without.status_code == 200 and "twilioAuthToken" not in without.json()
    assert twilio.numbers[NUMBER]["voice_url"] == tokened  # stateless: the same token again
    assert (await twilio.post(tokened, form)).status_code == 200


async def test_urls_handed_out_before_a_key_rotation_still_work(
    client: httpx.AsyncClient, twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = await import_with_key(client, twilio)
    before = twilio.numbers[NUMBER]["voice_url"]
    old = secret_keys()[0].decode()
    monkeypatch.setenv("VOXGATE_SECRET_KEY", f"{Fernet.generate_key().decode()},{old}")
    get_settings.cache_clear()
    call = FakeCall(twilio, sid("CA"), NUMBER, CUSTOMER, "")
    assert (await twilio.post(before, inbound_form(call, twilio))).status_code == 200

    twilio.api_keys["SK" + "f" * 32] = API_SECRET
    try:
        moved = await client.patch(
            f"/phone-number/{number['id']}", json={"twilioApiKey": "SK" + "f" * 32}
        )
        assert moved.status_code == 200, moved.text
        after = twilio.numbers[NUMBER]["voice_url"]
        assert re.fullmatch(re.escape(INBOUND_URL) + r"\?token=" + TOKEN, after)
        assert after != before  # made with the new key
    finally:
        # Sealed with the new key, which the next tests do not have: the voice webhook of
        # their calls to `NUMBER` reads every import of it.
        await client.delete(f"/phone-number/{number['id']}")
