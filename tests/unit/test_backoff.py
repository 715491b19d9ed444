"""`backoffPlan`: how many retries, how far apart, and which answers are never retried."""

from voxgate.kit.backoff import retry_delay


def test_no_plan_means_one_try() -> None:
    assert retry_delay(None, 1, 500) is None


def test_fixed_plan_retries_max_retries_times_at_the_base_delay() -> None:
    plan = {"type": "fixed", "maxRetries": 2, "baseDelaySeconds": 1.5}
    assert [retry_delay(plan, attempts, 500) for attempts in (1, 2, 3)] == [1.5, 1.5, None]


def test_exponential_plan_doubles_the_delay() -> None:
    plan = {"type": "exponential", "maxRetries": 4, "baseDelaySeconds": 1}
    delays = [retry_delay(plan, attempts, None) for attempts in (1, 2, 3, 4, 5)]
    assert delays == [1, 2, 4, 8, None]


def test_excluded_status_codes_are_not_retried() -> None:
    plan = {"type": "fixed", "maxRetries": 3, "baseDelaySeconds": 1, "excludedStatusCodes": [401]}
    assert retry_delay(plan, 1, 401) is None
    assert retry_delay(plan, 1, 503) == 1
