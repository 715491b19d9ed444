"""The headers a `webhook` credential's `authenticationPlan` adds to a request (VAPI-BEHAVIOUR
§5.1): bearer (a token in a header) or hmac (a signature of the body, and its timestamp). Shared
by webhook deliveries (`webhooks/auth.py`) and `apiRequest` tools (`engine/api_request.py`);
the HMAC signature and its timestamp are made for each attempt.
"""

import base64
import hmac
import time
from typing import Any

DEFAULT_PAYLOAD_FORMAT = "{timestamp}.{body}"


def webhook_credential(assistant: dict[str, Any], credential_id: str) -> dict[str, Any] | None:
    """The assistant's inline `webhook` credential with this id (or name)."""
    for credential in assistant.get("credentials") or []:
        if (
            isinstance(credential, dict)
            and credential.get("provider") == "webhook"
            and credential_id in (credential.get("id"), credential.get("name"))
        ):
            return credential
    return None


def hmac_signature(plan: dict[str, Any], payload: str) -> str:
    """The signature header's value for this signed payload."""
    secret = str(plan.get("secretKey") or "")
    key = base64.b64decode(secret) if plan.get("secretIsBase64") else secret.encode()
    digest = hmac.new(key, payload.encode(), str(plan.get("algorithm") or "sha256")).digest()
    if plan.get("signatureEncoding") == "base64":
        encoded = base64.b64encode(digest).decode()
    else:
        encoded = digest.hex()
    return f"{plan.get('signaturePrefix') or ''}{encoded}"


def signed_payload(
    plan: dict[str, Any], body: str, *, timestamp: str, url: str, message_id: str,
    method: str = "POST",
) -> str:  # fmt: skip
    """`payloadFormat` with its placeholders filled; without a timestamp the default is
    the body alone."""
    include_timestamp = plan.get("includeTimestamp", True) is not False
    default = DEFAULT_PAYLOAD_FORMAT if include_timestamp else "{body}"
    fill = {"{body}": body, "{timestamp}": timestamp, "{method}": method, "{url}": url,
            "{svix-id}": message_id}  # fmt: skip
    payload = str(plan.get("payloadFormat") or default)
    for placeholder, value in fill.items():
        payload = payload.replace(placeholder, value)
    return payload


def _hmac_headers(
    plan: dict[str, Any], body: str, url: str, message_id: str, method: str
) -> dict[str, str]:
    timestamp = str(int(time.time()))  # Unix seconds, as Svix and Stripe sign
    payload = signed_payload(
        plan, body, timestamp=timestamp, url=url, message_id=message_id, method=method
    )
    headers = {str(plan.get("signatureHeader") or "x-signature"): hmac_signature(plan, payload)}
    if plan.get("includeTimestamp", True) is not False:
        headers[str(plan.get("timestampHeader") or "x-timestamp")] = timestamp
    if plan.get("messageIdHeader"):
        headers[str(plan["messageIdHeader"])] = message_id
    return headers


def plan_headers(
    plan: dict[str, Any], body: str, *, url: str, message_id: str, method: str = "POST"
) -> dict[str, str]:
    """The headers of one request of `body` (the exact bytes sent, as text) to `url`."""
    if plan.get("type") == "bearer":
        token = str(plan.get("token") or "")
        prefix = "Bearer " if plan.get("bearerPrefixEnabled", True) is not False else ""
        return {str(plan.get("headerName") or "Authorization"): f"{prefix}{token}"}
    if plan.get("type") == "hmac":
        return _hmac_headers(plan, body, url, message_id, method)
    return {}  # oauth2 needs a token first (webhooks/oauth2.py; apiRequest tools lack one yet)
