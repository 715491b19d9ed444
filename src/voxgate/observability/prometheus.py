"""The Prometheus side of `telemetry.Observer`: every metric voxgate exports (docs/metrics.md).

The metrics live in prometheus_client's default registry, defined once per process (an app
built twice, as the tests do, shares them), next to the library's own process and Python
collectors. Labels take bounded values only (call types, Vapi's `endedReason` enum, message
types, route templates): never an org, a call id or a raw path.
"""

from prometheus_client import Counter, Gauge, Histogram

from voxgate.telemetry import Observer, WebhookOutcome

# A caller notices a turn past a second; the long tail is a slow model or a long silence.
_TURN_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)

ACTIVE_CALLS = Gauge(
    "voxgate_active_calls", "Calls running in this process, by call type.", ["type"]
)
CALLS_ENDED = Counter("voxgate_calls_ended", "Calls recorded as ended, by endedReason.", ["reason"])
TURN_LATENCY = Histogram(
    "voxgate_turn_latency_seconds",
    "Each answered turn's latency by part (model, voice, transcriber, endpointing, turn), "
    "as in the call's artifact.performanceMetrics.",
    ["part"],
    buckets=_TURN_BUCKETS,
)
PROVIDER_ERRORS = Counter(
    "voxgate_provider_errors",
    "Provider failures during calls, by provider and kind (model, transcriber, voice).",
    ["provider", "kind"],
)
WEBHOOKS = Counter(
    "voxgate_webhook_deliveries",
    "Server messages by type and outcome: delivered, failed (for good), retried (an attempt "
    "failed and another is scheduled).",
    ["type", "outcome"],
)
HTTP_REQUESTS = Histogram(
    "voxgate_http_request_duration_seconds",
    "HTTP requests (websockets excepted) by method, route template and status; _count counts them.",
    ["method", "route", "status"],
)


class PrometheusObserver(Observer):
    """Files each report in its metric."""

    def call_started(self, call_type: str) -> None:
        ACTIVE_CALLS.labels(call_type).inc()

    def call_stopped(self, call_type: str) -> None:
        ACTIVE_CALLS.labels(call_type).dec()

    def call_ended(self, reason: str) -> None:
        CALLS_ENDED.labels(reason).inc()

    def turn(self, seconds: dict[str, float]) -> None:
        for part, value in seconds.items():
            TURN_LATENCY.labels(part).observe(value)

    def provider_error(self, provider: str, kind: str) -> None:
        PROVIDER_ERRORS.labels(provider, kind).inc()

    def webhook(self, message_type: str, outcome: WebhookOutcome) -> None:
        WEBHOOKS.labels(message_type, outcome).inc()
