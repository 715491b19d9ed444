"""`X-Twilio-Signature` (twilio's `RequestValidator`): every request Twilio makes of voxgate is
signed with the account's auth token over the URL it called and its form fields. The URL is
rebuilt from `VOXGATE_PUBLIC_URL`, the address Twilio was given, not from the Host header a
proxy may have rewritten. A request that fails the check is refused before anything is read
from or written to the database on its behalf.
"""

from collections.abc import Mapping

from fastapi import Request, WebSocket
from twilio.request_validator import RequestValidator

from voxgate.config import get_settings
from voxgate.errors import Forbidden

SIGNATURE = "x-twilio-signature"
FORGED = "Invalid Twilio signature."


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


def check(request: Request | WebSocket, auth_token: str | None, params: Mapping[str, str]) -> None:
    """Raises `Forbidden` unless the request carries Twilio's signature."""
    if not signed(auth_token, public_url(request), params, request.headers.get(SIGNATURE, "")):
        raise Forbidden(FORGED)
