"""The headers that authenticate a delivery (VAPI-BEHAVIOUR §5.1), any combination of: the
credential's `authenticationPlan` (bearer, hmac: `kit/authentication.py`; oauth2 with the token
oauth2.py obtained beforehand), the legacy `X-Vapi-Secret`, and the server's static `headers`,
which come last and so override the others (as Vapi documents for `Authorization`).
"""

from voxgate.kit.authentication import plan_headers
from voxgate.webhooks.target import Target


def headers(
    target: Target, body: str, message_id: str, *, oauth2_token: str | None = None
) -> dict[str, str]:
    """Every header of one delivery of `body` (the exact bytes sent, as text); `oauth2_token`
    is the token of the target's oauth2 plan (`oauth2.bearer_token`)."""
    found = {"Content-Type": "application/json"}
    plan = target.get("authenticationPlan")
    if isinstance(plan, dict):
        if plan.get("type") == "oauth2" and oauth2_token:
            found["Authorization"] = f"Bearer {oauth2_token}"
        else:
            found.update(plan_headers(plan, body, url=str(target["url"]), message_id=message_id))
    if target.get("secret"):
        found["X-Vapi-Secret"] = str(target["secret"])
    found.update(target.get("headers") or {})
    return found
