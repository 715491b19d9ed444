"""When to try a failed request again: a `backoffPlan` (Vapi's `BackoffPlan`: `type` fixed or
exponential, `maxRetries`, `baseDelaySeconds`, `excludedStatusCodes`). Without a plan a request
is tried once. Shared by webhook deliveries and `apiRequest` tools."""

from typing import Any


def retry_delay(
    plan: dict[str, Any] | None, attempts: int, status_code: int | None
) -> float | None:
    """Seconds until the next try after `attempts` failed ones, or None to give up."""
    if not plan:
        return None
    if status_code is not None and status_code in (plan.get("excludedStatusCodes") or []):
        return None
    retries_done = attempts - 1
    if retries_done >= int(plan.get("maxRetries") or 0):
        return None
    base = float(plan.get("baseDelaySeconds") or 0)
    if plan.get("type") == "exponential":
        return float(base * 2**retries_done)
    return base
