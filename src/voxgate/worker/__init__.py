"""Jobs on a Redis-backed job library (SAQ) when `VOXGATE_REDIS_URL` is set: docs/jobs.md."""
