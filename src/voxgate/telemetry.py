"""What the rooms report while the process runs, for whoever watches it.

A leaf, like config.py: every room may import it and it imports nothing of ours. A room calls
`observer()` when something happens (a call ends, a turn is answered, a webhook is delivered);
until app.py registers another (observability/prometheus.py's), reports go nowhere. So the
engine counts without importing a metrics library, and a unit test needs no registry.
"""

from typing import Literal

WebhookOutcome = Literal["delivered", "failed", "retried"]


class Observer:
    """Receives the reports; this one drops them (a CLI command, a unit test)."""

    def call_started(self, call_type: str) -> None:
        """A call's client or media stream connected: the call runs in this process now."""

    def call_stopped(self, call_type: str) -> None:
        """The call no longer runs in this process (it ended, or never started talking)."""

    def call_ended(self, reason: str) -> None:
        """A call was recorded as ended, with this `endedReason` (once per call)."""

    def turn(self, seconds: dict[str, float]) -> None:
        """One answered turn's latencies by part: `model`, `voice`, `transcriber`,
        `endpointing`, `turn` (the whole; engine/metrics.py says what each measures)."""

    def provider_error(self, provider: str, kind: str) -> None:
        """A provider failed during a call; `kind` is its room: model, transcriber or voice."""

    def webhook(self, message_type: str, outcome: WebhookOutcome) -> None:
        """A server message was delivered, failed for good, or failed and will be retried."""


_observer = Observer()


def observer() -> Observer:
    """The process's observer (the no-op one until `register`)."""
    return _observer


def register(chosen: Observer) -> None:
    """Makes `chosen` receive every report from now on (app.py, at start-up)."""
    global _observer
    _observer = chosen
