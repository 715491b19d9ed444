"""The job queue's edges that need no Redis (worker/jobs.py): when a job is scheduled, and a
Redis that cannot be reached (nothing listens on port 1) neither raising into the caller nor
spinning the worker."""

import math
import time
from datetime import timedelta

from voxgate.kit.time import utcnow
from voxgate.worker.jobs import Jobs, at

UNREACHABLE = "redis://127.0.0.1:1/0"


def test_a_job_is_scheduled_at_the_next_whole_second_never_before() -> None:
    later = utcnow() + timedelta(seconds=5, milliseconds=300)
    assert at(later) == math.ceil(later.timestamp()) and at(later) >= later.timestamp()
    assert at(utcnow() - timedelta(seconds=1)) == 0  # due: at once
    assert at(None) == 0


async def test_without_redis_queueing_is_refused_quietly_and_the_worker_waits() -> None:
    jobs = Jobs(UNREACHABLE, "test:", [])
    assert await jobs.enqueue("any", "any:1", None, 10) is False
    started = time.monotonic()
    assert await jobs.queue.dequeue() is None
    assert time.monotonic() - started >= 0.9  # a second's wait, not a busy loop
    await jobs.stop(grace_seconds=0)  # and stops, Redis or not
