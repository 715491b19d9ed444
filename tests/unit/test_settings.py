"""Settings whose values only make sense together."""

import pytest
from pydantic import ValidationError

from voxgate.config import Settings


def test_a_calls_lease_must_outlast_several_heartbeats() -> None:
    assert Settings(_env_file=None).call_lease_seconds == 20.0  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="call_lease_seconds"):
        Settings(_env_file=None, call_heartbeat_seconds=10)  # type: ignore[call-arg]
    short = Settings(_env_file=None, call_heartbeat_seconds=0.5, call_lease_seconds=2)  # type: ignore[call-arg]
    assert short.call_lease_seconds == 2.0
