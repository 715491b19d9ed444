"""What operators watch: Prometheus metrics at `GET /metrics` and each HTTP request's line."""
