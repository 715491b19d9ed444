"""The Redis the scale-out tests share: `VOXGATE_TEST_REDIS_URL` (CI starts one), else skipped."""

import os
import uuid

import pytest


def redis_url() -> str:
    url = os.environ.get("VOXGATE_TEST_REDIS_URL")
    if not url:
        pytest.skip("several processes meet over Redis: set VOXGATE_TEST_REDIS_URL")
    return url


def fresh_prefix() -> str:
    """Channel names no other test run (nor another engineer's) uses: pub/sub ignores DB numbers."""
    return f"voxgate-test-{uuid.uuid4().hex[:12]}:"
