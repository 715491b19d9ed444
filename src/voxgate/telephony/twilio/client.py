"""Twilio's REST API through its own client library, for one account's credentials.

A number's credentials are its account SID with either the auth token or an API key and secret
(VAPI-BEHAVIOUR §4.1). The API root is `VOXGATE_TWILIO_API_URL` (Twilio's own by default, a
fake on loopback in the tests). Every failure, Twilio's refusal or an unreachable API, is a
`CarrierError` with Twilio's own message.
"""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from voxgate.config import get_settings
from voxgate.control.call.carriers import CarrierError

# Call status callbacks asked for: each moves the stored call (status.py).
STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]


def credentials(number: dict[str, Any]) -> tuple[str, str, str]:
    """(account SID, username, password) of a Twilio number: the API key pair when set, else
    the account SID and auth token."""
    account = str(number.get("twilioAccountSid") or "")
    if number.get("twilioApiKey") and number.get("twilioApiSecret"):
        return account, str(number["twilioApiKey"]), str(number["twilioApiSecret"])
    return account, account, str(number.get("twilioAuthToken") or "")


def _refused_page(error: TwilioException) -> tuple[int, str] | None:
    """(status, Twilio's message) of a list request Twilio refused: the library raises a bare
    `TwilioException("Unable to fetch page", response)` for those, not a `TwilioRestException`."""
    response = error.args[1] if len(error.args) > 1 else None
    status = getattr(response, "status_code", None)
    if not isinstance(status, int):
        return None
    try:
        said = json.loads(getattr(response, "text", "")).get("message")
    except (ValueError, AttributeError):
        said = None
    return status, str(said or f"HTTP {status}")


@asynccontextmanager
async def _client(number: dict[str, Any]) -> AsyncIterator[Client]:
    account, username, password = credentials(number)
    http = AsyncTwilioHttpClient(timeout=10)
    client = Client(username, password, account_sid=account, http_client=http)
    client.api.base_url = get_settings().twilio_api_url.rstrip("/")
    try:
        yield client
    except TwilioRestException as error:
        raise CarrierError(f"Twilio Error: {error.msg}", error.status) from error
    except TwilioException as error:
        refused = _refused_page(error)
        if refused is None:
            raise CarrierError(f"Twilio could not be reached: {error}") from error
        raise CarrierError(f"Twilio Error: {refused[1]}", refused[0]) from error
    except (aiohttp.ClientError, TimeoutError) as error:
        raise CarrierError(f"Twilio could not be reached: {error}") from error
    finally:
        await http.close()


class TwilioRest:
    """The requests voxgate makes of Twilio for one number's account."""

    def __init__(self, number: dict[str, Any]) -> None:
        self._number = number

    async def find_number(self, phone_number: str) -> str | None:
        """The SID of this account's incoming number, or None when the account has no such
        number."""
        async with _client(self._number) as client:
            found = await client.incoming_phone_numbers.list_async(
                phone_number=phone_number, limit=1
            )
        return str(found[0].sid) if found else None

    async def point_voice_url(self, number_sid: str, url: str) -> None:
        """Twilio calls `url` when the number rings (the inbound call webhook)."""
        async with _client(self._number) as client:
            await client.incoming_phone_numbers(number_sid).update_async(
                voice_url=url, voice_method="POST"
            )

    async def dial(self, to: str, from_: str, twiml: str, status_url: str, **extra: Any) -> str:
        """Places a call that runs `twiml` once answered; returns its call SID. `extra` are
        the library's keyword arguments (answering-machine detection…)."""
        async with _client(self._number) as client:
            call = await client.calls.create_async(
                to=to,
                from_=from_,
                twiml=twiml,
                status_callback=status_url,
                status_callback_event=STATUS_EVENTS,
                status_callback_method="POST",
                **extra,
            )
        return str(call.sid)

    async def redirect(self, call_sid: str, twiml: str) -> None:
        """Replaces what a live call is doing (a transfer: `<Dial>`)."""
        async with _client(self._number) as client:
            await client.calls(call_sid).update_async(twiml=twiml)

    async def hang_up(self, call_sid: str) -> None:
        """Ends a live call; a call that has ended already is not an error."""
        try:
            async with _client(self._number) as client:
                await client.calls(call_sid).update_async(status="completed")
        except CarrierError as error:
            if error.status != 404:
                raise
