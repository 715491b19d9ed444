"""The headers that authenticate a delivery (VAPI-BEHAVIOUR §5.1), any combination of: the
credential's `authenticationPlan` (bearer, hmac, oauth2 with the token oauth2.py obtained
beforehand), the legacy `X-Vapi-Secret`, and the server's
static `headers`, which come last and so override the others (as Vapi documents for
`Authorization`).
"""

import base64
import hmac
import time
from typing import Any

from voxgate.webhooks.target import Target

DEFAULT_PAYLOAD_FORMAT = "{timestamp}.{body}"


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
    plan: dict[str, Any], body: str, *, timestamp: str, url: str, message_id: str
) -> str:
    """`payloadFormat` with its placeholders filled; without a timestamp the default is
    the body alone."""
    include_timestamp = plan.get("includeTimestamp", True) is not False
    default = DEFAULT_PAYLOAD_FORMAT if include_timestamp else "{body}"
    fill = {"{body}": body, "{timestamp}": timestamp, "{method}": "POST", "{url}": url,
            "{svix-id}": message_id}  # fmt: skip
    payload = str(plan.get("payloadFormat") or default)
    for placeholder, value in fill.items():
        payload = payload.replace(placeholder, value)
    return payload


def _hmac_headers(plan: dict[str, Any], body: str, url: str, message_id: str) -> dict[str, str]:
    timestamp = str(int(time.time()))  # Unix seconds, as Svix and Stripe sign
    payload = signed_payload(plan, body, timestamp=timestamp, url=url, message_id=message_id)
    headers = {str(plan.get("signatureHeader") or "x-signature"): hmac_signature(plan, payload)}
    if plan.get("includeTimestamp", True) is not False:
        headers[str(plan.get("timestampHeader") or "x-timestamp")] = timestamp
    if plan.get("messageIdHeader"):
        headers[str(plan["messageIdHeader"])] = message_id
    return headers


def _plan_headers(
    plan: dict[str, Any], body: str, url: str, message_id: str, oauth2_token: str | None
) -> dict[str, str]:
    if plan.get("type") == "oauth2" and oauth2_token:
        return {"Authorization": f"Bearer {oauth2_token}"}
    if plan.get("type") == "bearer":
        token = str(plan.get("token") or "")
        prefix = "Bearer " if plan.get("bearerPrefixEnabled", True) is not False else ""
        return {str(plan.get("headerName") or "Authorization"): f"{prefix}{token}"}
    if plan.get("type") == "hmac":
        return _hmac_headers(plan, body, url, message_id)
    return {}


def headers(
    target: Target, body: str, message_id: str, *, oauth2_token: str | None = None
) -> dict[str, str]:
    """Every header of one delivery of `body` (the exact bytes sent, as text); `oauth2_token`
    is the token of the target's oauth2 plan (`oauth2.bearer_token`)."""
    found = {"Content-Type": "application/json"}
    plan = target.get("authenticationPlan")
    if isinstance(plan, dict):
        found.update(_plan_headers(plan, body, str(target["url"]), message_id, oauth2_token))
    if target.get("secret"):
        found["X-Vapi-Secret"] = str(target["secret"])
    found.update(target.get("headers") or {})
    return found
