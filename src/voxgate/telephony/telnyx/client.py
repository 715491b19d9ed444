"""Telnyx's v2 REST API (call control, numbers, applications) for one account's API key.

Plain httpx through the SSRF-guarded client (its host allowed: the operator set it): the few
JSON requests below need nothing Telnyx's own library adds. The API root is
`VOXGATE_TELNYX_API_URL` (Telnyx's own by default, a fake on loopback in the tests). Every
failure, Telnyx's refusal or an unreachable API, is a `TelnyxError` (a `CarrierError`) in
Telnyx's own words (its `errors[0].detail`, else `title`).
"""

from typing import Any

import httpx

from voxgate.config import get_settings
from voxgate.control.call.carriers import CarrierError
from voxgate.kit.urls import operator_client

TIMEOUT_SECONDS = 10.0
ALREADY_ENDED = "90018"  # Telnyx's error code for a command to a call that has ended


class TelnyxError(CarrierError):
    """Telnyx refused (`status`, its error `code`) or could not be reached (no status)."""

    def __init__(self, message: str, status: int | None = None, code: str = "") -> None:
        super().__init__(message, status)
        self.code = code


def _refusal(response: httpx.Response) -> TelnyxError:
    try:
        errors = response.json().get("errors") or [{}]
        first = errors[0] if isinstance(errors[0], dict) else {}
    except (ValueError, AttributeError, IndexError):
        first = {}
    words = first.get("detail") or first.get("title") or f"HTTP {response.status_code}"
    return TelnyxError(f"Telnyx Error: {words}", response.status_code, str(first.get("code", "")))


def _field(data: Any, key: str) -> str:
    """`data[key]` of a success, or a `TelnyxError` (no status: Telnyx's fault, a 502)."""
    if not isinstance(data, dict) or not data.get(key):
        raise TelnyxError(f"Telnyx answered without `{key}`.")
    return str(data[key])


class TelnyxRest:
    """The requests voxgate makes of Telnyx with one account's API key."""

    def __init__(self, api_key: str) -> None:
        self._api_key = api_key

    async def _send(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        """The response's `data`."""
        root = get_settings().telnyx_api_url.rstrip("/")
        headers = {"Authorization": f"Bearer {self._api_key}", "Accept": "application/json"}
        url = root + path
        try:
            async with operator_client(root, timeout=TIMEOUT_SECONDS) as client:
                response = await client.request(
                    method, url, json=body, params=params, headers=headers
                )
        except httpx.HTTPError as error:
            raise TelnyxError(f"Telnyx could not be reached: {error}") from error
        if response.status_code >= 400:
            raise _refusal(response)
        try:
            return response.json().get("data")
        except (ValueError, AttributeError):
            return None

    async def create_application(self, name: str, webhook_url: str) -> str:
        """A Call Control Application whose events go to `webhook_url`; returns its id (the
        `connection_id` of the numbers and calls it handles)."""
        body = {
            "application_name": name,
            "webhook_event_url": webhook_url,
            "webhook_api_version": "2",
            "active": True,
        }
        return _field(await self._send("POST", "/v2/call_control_applications", body), "id")

    async def point_application(self, application_id: str, name: str, webhook_url: str) -> bool:
        """Points the account's application at `webhook_url`; False when the account has no
        such application."""
        body = {"application_name": name, "webhook_event_url": webhook_url}
        try:
            await self._send("PATCH", f"/v2/call_control_applications/{application_id}", body)
        except TelnyxError as error:
            if error.status == 404:
                return False
            raise
        return True

    async def find_number(self, phone_number: str) -> str | None:
        """The id of this account's number `phone_number`, or None when it holds no such."""
        query = {"filter[phone_number]": phone_number}
        found = await self._send("GET", "/v2/phone_numbers", params=query)
        numbers = [n for n in found or [] if isinstance(n, dict)]
        match = [n for n in numbers if n.get("phone_number") == phone_number]
        return _field(match[0], "id") if match else None

    async def assign_number(self, number_id: str, application_id: str) -> None:
        """The number's calls go to the application (its webhooks, voxgate's inbound route)."""
        await self._send(
            "PATCH", f"/v2/phone_numbers/{number_id}", {"connection_id": application_id}
        )

    async def dial(self, body: dict[str, Any]) -> str:
        """Places a call (`POST /v2/calls`); returns its `call_control_id`."""
        return _field(await self._send("POST", "/v2/calls", body), "call_control_id")

    async def command(self, call_control_id: str, action: str, body: dict[str, Any]) -> None:
        """A call-control command (`answer`, `hangup`, `transfer`, `send_dtmf`…)."""
        await self._send("POST", f"/v2/calls/{call_control_id}/actions/{action}", body)

    async def hang_up(self, call_control_id: str) -> None:
        """Ends a live call; a call that has ended already is not an error."""
        try:
            await self.command(call_control_id, "hangup", {})
        except TelnyxError as error:
            if error.code != ALREADY_ENDED and error.status != 404:
                raise
