"""Vonage's REST APIs with httpx, for one stored credential (`/credential`, provider vonage).

The account's API key and secret (Basic auth) make the application and manage numbers; a call
is placed and controlled with a JWT that the application's private key signs (RS256), as the
Voice API requires. The roots are settings: `VOXGATE_VONAGE_API_URL` (Applications v2, Voice
v1) and `VOXGATE_VONAGE_REST_URL` (Numbers), Vonage's own by default, a fake on loopback in
the tests. Every failure, Vonage's refusal or an unreachable API, is a `CarrierError` with
Vonage's own words.
"""

import time
import uuid
from typing import Any

import httpx
import jwt

from voxgate.config import get_settings
from voxgate.control.call.carriers import CarrierError
from voxgate.kit.urls import operator_client

TIMEOUT_SECONDS = 10.0
JWT_SECONDS = 300


def _said(response: httpx.Response) -> str:
    """Vonage's explanation of a refusal: `title`/`detail` (RFC 7807) or `error-code-label`."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if not isinstance(body, dict):
        return f"HTTP {response.status_code}"
    parts = [body.get("title"), body.get("detail"), body.get("error-code-label")]
    return ": ".join(str(part) for part in parts if part) or f"HTTP {response.status_code}"


class VonageRest:
    """The requests voxgate makes of Vonage for one credential (its stored document)."""

    def __init__(self, credential: dict[str, Any]) -> None:
        self._credential = credential

    def _basic(self) -> httpx.BasicAuth:
        return httpx.BasicAuth(
            str(self._credential.get("apiKey") or ""), str(self._credential.get("apiSecret") or "")
        )

    def _bearer(self) -> dict[str, str]:
        """The Voice API's JWT, signed with the application's private key."""
        now = int(time.time())
        claims = {
            "application_id": str(self._credential.get("vonageApplicationId") or ""),
            "iat": now,
            "exp": now + JWT_SECONDS,
            "jti": str(uuid.uuid4()),
        }
        key = str(self._credential.get("vonageApplicationPrivateKey") or "")
        try:
            token = jwt.encode(claims, key, algorithm="RS256")
        except (ValueError, TypeError, jwt.PyJWTError) as error:
            said = f"The Vonage application's private key is unusable: {error}"
            raise CarrierError(said) from error
        return {"Authorization": f"Bearer {token}"}

    async def _request(self, method: str, url: str, **options: Any) -> httpx.Response:
        try:
            # The roots are the operator's settings, allowed whatever their address.
            async with operator_client(url, timeout=TIMEOUT_SECONDS) as http:
                response = await http.request(method, url, **options)
        except httpx.HTTPError as error:
            raise CarrierError(f"Vonage could not be reached: {error!r}") from error
        if response.status_code >= 400:
            raise CarrierError(f"Vonage Error: {_said(response)}", response.status_code)
        return response

    @staticmethod
    def _api(path: str) -> str:
        return get_settings().vonage_api_url.rstrip("/") + path

    @staticmethod
    def _rest(path: str) -> str:
        return get_settings().vonage_rest_url.rstrip("/") + path

    # Applications API (v2).
    async def put_application(
        self, name: str, public_key: str, webhooks: dict[str, str], app_id: str | None = None
    ) -> str:
        """Makes an application (or, given `app_id`, replaces that one's key and webhooks)
        with voice webhooks (`answer_url`, `event_url` → address) and voxgate's public key;
        returns its id."""
        voice = {key: {"address": url, "http_method": "POST"} for key, url in webhooks.items()}
        body = {
            "name": name,
            "keys": {"public_key": public_key},
            "capabilities": {"voice": {"webhooks": voice}},
        }
        method, path = (
            ("PUT", f"/v2/applications/{app_id}") if app_id else ("POST", "/v2/applications")
        )
        response = await self._request(method, self._api(path), json=body, auth=self._basic())
        return str(response.json()["id"])

    # Numbers API.
    async def find_number(self, msisdn: str) -> dict[str, Any] | None:
        """The account's number `msisdn` (digits, no +), or None when it holds no such number."""
        params = {"pattern": msisdn, "search_pattern": "0", "size": "10"}
        response = await self._request(
            "GET", self._rest("/account/numbers"), params=params, auth=self._basic()
        )
        numbers = response.json().get("numbers") or []
        return next((n for n in numbers if str(n.get("msisdn")) == msisdn), None)

    async def link_number(self, country: str, msisdn: str, application_id: str) -> None:
        """Calls to the number reach the application (its answer URL)."""
        form = {"country": country, "msisdn": msisdn, "app_id": application_id}
        await self._request("POST", self._rest("/number/update"), data=form, auth=self._basic())

    # Voice API (v1).
    async def dial(
        self, to: str, from_: str, ncco: list[dict[str, Any]], event_url: str, **extra: Any
    ) -> dict[str, Any]:
        """Places a call that runs `ncco` once answered; returns Vonage's answer (`uuid`,
        `conversation_uuid`). `extra` are more fields of the request (machine detection…)."""
        body = {
            "to": [{"type": "phone", "number": to.removeprefix("+")}],
            "from": {"type": "phone", "number": from_.removeprefix("+")},
            "ncco": ncco,
            "event_url": [event_url],
            "event_method": "POST",
            **extra,
        }
        response = await self._request(
            "POST", self._api("/v1/calls"), json=body, headers=self._bearer()
        )
        placed: dict[str, Any] = response.json()
        return placed

    async def modify(self, call_uuid: str, body: dict[str, Any]) -> None:
        await self._request(
            "PUT", self._api(f"/v1/calls/{call_uuid}"), json=body, headers=self._bearer()
        )

    async def hang_up(self, call_uuid: str) -> None:
        """Ends a live call; a call that has ended already is not an error."""
        try:
            await self.modify(call_uuid, {"action": "hangup"})
        except CarrierError as error:
            if error.status != 404:
                raise
