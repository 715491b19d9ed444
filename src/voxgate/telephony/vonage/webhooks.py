"""The URLs voxgate gives Vonage, and how a request to them is known to come from Vonage.

Vonage can sign its webhooks (a JWT made with the account's *signature secret*), but that
secret is not part of a Vonage credential (Vapi's `CreateVonageCredentialDTO` is the API key and
secret), so voxgate cannot check it. Instead, every URL voxgate registers with Vonage (the
application's answer and event URLs, a call's event URL, the websocket an NCCO connects) carries
a token only voxgate and Vonage know: an HMAC-SHA256 of the application's private key, which
voxgate made and keeps sealed (Vonage has only the public half). A request without the token
of the credential it concerns is refused (403, or the websocket closed with 1008) before
anything is read or written on its behalf; the token is compared in constant time.

The token changes with the application: connecting the credential again makes a new one.
"""

import base64
import hashlib
import hmac
from typing import Any

from voxgate.config import get_settings
from voxgate.errors import Forbidden
from voxgate.wire.call_urls import ws_url

ANSWER_PATH = "/vonage/answer"  # POST: a call to a number linked to the application
EVENTS_PATH = "/vonage/event"  # POST: the application's events (inbound calls')
CALL_EVENTS_PATH = "/vonage/event/{id}"  # POST: the events of a call voxgate placed
STREAM_PATH = "/vonage/stream/{id}"  # websocket: a call's audio (L16, 16 kHz)
CONTENT_TYPE = "audio/l16;rate=16000"
FORGED = "Invalid Vonage webhook token."
_CONTEXT = b"voxgate vonage webhooks"


def token(private_key: str) -> str:
    digest = hmac.new(private_key.encode(), _CONTEXT, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def credential_token(credential: dict[str, Any] | None) -> str | None:
    key = (credential or {}).get("vonageApplicationPrivateKey")
    return token(key) if isinstance(key, str) and key else None


def genuine(credential: dict[str, Any] | None, given: str | None) -> bool:
    expected = credential_token(credential)
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), str(given).encode())


def check(credential: dict[str, Any] | None, given: str | None) -> None:
    if not genuine(credential, given):
        raise Forbidden(FORGED)


def public(path: str, secret: str) -> str:
    return f"{get_settings().public_url.rstrip('/')}{path}?token={secret}"


def application_webhooks(secret: str) -> dict[str, str]:
    return {"answer_url": public(ANSWER_PATH, secret), "event_url": public(EVENTS_PATH, secret)}


def connect_stream(call_id: str, secret: str) -> list[dict[str, Any]]:
    """The NCCO that connects the answered call's audio to voxgate's websocket for it."""
    uri = ws_url(get_settings().public_url, STREAM_PATH.format(id=call_id)) + f"?token={secret}"
    endpoint = {"type": "websocket", "uri": uri, "content-type": CONTENT_TYPE}
    return [{"action": "connect", "endpoint": [endpoint]}]


def hang_up() -> list[dict[str, Any]]:
    """An NCCO that ends the call (an empty one: nothing to do)."""
    return []


def transfer_ncco(destination: dict[str, Any]) -> list[dict[str, Any]]:
    """A `number` or `sip` transfer destination as a `connect` (a blind transfer)."""
    if destination.get("type") == "sip":
        endpoint: dict[str, Any] = {"type": "sip", "uri": destination["sipUri"]}
        if isinstance(destination.get("sipHeaders"), dict):
            endpoint["headers"] = destination["sipHeaders"]
    else:
        endpoint = {"type": "phone", "number": str(destination["number"]).removeprefix("+")}
        if destination.get("extension"):
            endpoint["dtmfAnswer"] = str(destination["extension"])
    action: dict[str, Any] = {"action": "connect", "endpoint": [endpoint]}
    if destination.get("callerId"):
        action["from"] = str(destination["callerId"]).removeprefix("+")
    plan = destination.get("transferPlan")
    if isinstance(plan, dict) and isinstance(plan.get("timeout"), int | float):
        action["timeout"] = int(plan["timeout"])
    return [action]
