"""The official Python SDK (vapi-server-sdk 3.0.0), pointed at voxgate, manages phone numbers."""

from collections.abc import Iterator

import pytest
from vapi import Vapi
from vapi.core.api_error import ApiError
from vapi.phone_numbers import (
    CreatePhoneNumbersRequest_Twilio,
    CreatePhoneNumbersRequest_Vapi,
    UpdatePhoneNumbersRequestBody_Twilio,
)

from tests.support.fake_twilio import ACCOUNT_SID, FakeTwilio
from tests.support.server import LiveServer
from voxgate.config import get_settings

pytestmark = pytest.mark.db

AUTH_TOKEN = "tw-auth-token-0123456789abcdef-TOK1"


@pytest.fixture
def twilio_account(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Importing a Twilio number checks it with Twilio: the fake, holding the number, served
    in a thread of its own (the SDK is synchronous and blocks this test's event loop)."""
    fake = FakeTwilio(live_server.url, get_settings().public_url)
    fake.add_number("+14155550100")
    fake.auth_token = AUTH_TOKEN
    with LiveServer(fake.app) as served:
        monkeypatch.setenv("VOXGATE_TWILIO_API_URL", served.url)
        get_settings.cache_clear()
        try:
            yield
        finally:
            monkeypatch.undo()
            get_settings.cache_clear()


@pytest.mark.usefixtures("twilio_account")
def test_sdk_phone_number_lifecycle(live_server: LiveServer, api_key: str) -> None:
    vapi = Vapi(token=api_key, base_url=live_server.url)
    twilio = vapi.phone_numbers.create(
        request=CreatePhoneNumbersRequest_Twilio(
            number="+14155550100",
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN,
            name="Front desk",
        )
    )
    assert twilio.provider == "twilio" and twilio.id and twilio.status == "active"
    assert twilio.twilio_auth_token == "*" * (len(AUTH_TOKEN) - 4) + "TOK1"

    sip = vapi.phone_numbers.create(
        request=CreatePhoneNumbersRequest_Vapi(sip_uri="sip:lobby@sip.example.com", name="Lobby")
    )
    assert sip.provider == "vapi" and sip.number is None

    fetched = vapi.phone_numbers.get(twilio.id)
    assert fetched.provider == "twilio" and fetched.number == "+14155550100"
    assert [n.id for n in vapi.phone_numbers.list(limit=10)] == [sip.id, twilio.id]

    page = vapi.phone_numbers.phone_number_controller_find_all_paginated(
        search="front", limit=10, page=1, sort_order="ASC"
    )
    assert [n.id for n in page.results] == [twilio.id]
    assert page.metadata.total_items == 1 and page.metadata.current_page == 1

    updated = vapi.phone_numbers.update(
        twilio.id, request=UpdatePhoneNumbersRequestBody_Twilio(name="Night line")
    )
    assert updated.name == "Night line" and updated.provider == "twilio"
    assert updated.number == "+14155550100"

    with pytest.raises(ApiError) as changed:
        vapi.phone_numbers.update(sip.id, request=UpdatePhoneNumbersRequestBody_Twilio(name="x"))
    assert changed.value.status_code == 400

    assert vapi.phone_numbers.delete(twilio.id).id == twilio.id
    with pytest.raises(ApiError) as missing:
        vapi.phone_numbers.get(twilio.id)
    assert missing.value.status_code == 404
    assert [n.id for n in vapi.phone_numbers.list()] == [sip.id]
