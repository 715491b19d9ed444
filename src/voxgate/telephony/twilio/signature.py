"""How a request to voxgate is known to come from Twilio, for the number it concerns.

A number imported with its `twilioAuthToken`: by `X-Twilio-Signature` (twilio's
`RequestValidator`), which Twilio makes with the account's auth token over the URL it called
and its form fields. The URL is rebuilt from `VOXGATE_PUBLIC_URL`, the address Twilio was given,
not from the Host header a proxy may have rewritten.

A number imported with an API key instead (`twilioApiKey` + `twilioApiSecret`, which Vapi
accepts): Twilio still signs with the auth token, which voxgate then does not have. So every URL
voxgate hands Twilio for such a number carries a token only voxgate can make: an HMAC-SHA256,
keyed by voxgate's secret key (db/sealed.py), of what the URL is about. For the number's voice
webhook, the number: its account SID and E.164 number, not its id (the URL is set before the row
is written, and every import of the number shares it). For a call's callbacks and media stream,
the call's id: one call's token opens no other, and a transient number's calls have one too.
A callback's token is its `token` query parameter (the request log shows paths, never queries);
the media stream's is its last path segment, as Twilio refuses a query string in a `<Stream>`
URL (and websockets are not in the request log). Stateless: nothing is stored, and re-importing
the number makes the same token. It is made with the first key and accepted with any, so
rotating the key keeps the URLs Twilio holds working while the old key stays listed.

A number with both is checked by its auth token. Either way a request that fails the check is
refused (403, one message for both) before anything is written on its behalf.
"""

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import Request, WebSocket
from twilio.request_validator import RequestValidator

from voxgate.config import get_settings
from voxgate.db.sealed import secret_keys
from voxgate.errors import Forbidden

SIGNATURE = "x-twilio-signature"
FORGED = "Invalid Twilio signature."
STREAM_TOKEN = "/{token}"  # the media stream's route for an API-key number: the plain one + this
_CONTEXT = b"voxgate twilio url token"


def public_url(request: Request | WebSocket) -> str:
    """The URL Twilio called, as voxgate handed it out (http(s) or ws(s))."""
    base = get_settings().public_url.rstrip("/")
    if request.scope["type"] == "websocket":
        base = base.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    query = request.url.query
    return base + request.url.path + (f"?{query}" if query else "")


def signed(auth_token: str | None, url: str, params: Mapping[str, str], signature: str) -> bool:
    """Whether `signature` is Twilio's for this request (never, without an auth token)."""
    if not auth_token or not signature:
        return False
    return bool(RequestValidator(auth_token).validate(url, dict(params), signature))


def inbound_subject(number: Mapping[str, Any]) -> tuple[str, ...]:
    """What a number's voice webhook is about: the same for every import of the number."""
    return ("number", str(number.get("twilioAccountSid")), str(number.get("number")))


def call_subject(call_id: str) -> tuple[str, ...]:
    return ("call", call_id)


def _token(key: bytes, subject: Sequence[str]) -> bytes:
    # Keyed by the whole key as configured; the context keeps these HMACs apart from any other
    # made with it (Fernet signs with the decoded key's first half, over other messages).
    message = b"\n".join([_CONTEXT, *(part.encode() for part in subject)])
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=")


def tokened(url: str, number: Mapping[str, Any], subject: Sequence[str]) -> str:
    """`url` as handed to Twilio for `number`: as it is when Twilio's signature can be checked
    (the number's auth token is known), else with the token of `subject`."""
    if number.get("twilioAuthToken"):
        return url
    token = _token(secret_keys()[0], subject).decode()
    if url.startswith(("ws://", "wss://")):
        return f"{url}/{token}"
    return f"{url}{'&' if '?' in url else '?'}token={token}"


def genuine(
    request: Request | WebSocket,
    number: Mapping[str, Any] | None,
    params: Mapping[str, str],
    subject: Sequence[str],
) -> bool:
    """Whether Twilio made this request about `number` (None: nothing can vouch for it)."""
    if number is None:
        return False
    if number.get("twilioAuthToken"):
        return signed(
            number["twilioAuthToken"],
            public_url(request),
            params,
            request.headers.get(SIGNATURE, ""),
        )
    given = str(request.path_params.get("token", request.query_params.get("token", ""))).encode()
    # Every key is compared (constant time each), so the time says nothing of which matched.
    matches = [hmac.compare_digest(_token(key, subject), given) for key in secret_keys()]
    return bool(given) and any(matches)


def check(
    request: Request | WebSocket,
    number: Mapping[str, Any] | None,
    params: Mapping[str, str],
    subject: Sequence[str],
) -> None:
    """Raises `Forbidden` unless `genuine`."""
    if not genuine(request, number, params, subject):
        raise Forbidden(FORGED)
