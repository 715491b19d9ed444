"""The job queue every `voxgate serve` process shares over Redis (SAQ, docs/jobs.md says why).

Each process runs a SAQ worker in its lifespan (no separate process, no singleton): a job is
taken by whichever worker pops it first. A job only names a database row; the row stays the
source of truth and each job function re-reads it and claims it (a conditional UPDATE), so a
duplicate, a retried or a late job is harmless. Keys de-duplicate: SAQ refuses a job whose key
is already queued, scheduled or running.

Unset `VOXGATE_REDIS_URL`: no queue (`current()` is None) and the polling loops run as before.
"""

import asyncio
import contextlib
import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError
from saq import Job, Queue, Worker
from saq.queue.redis import RedisQueue

from voxgate.kit.time import utcnow

log = structlog.get_logger()
JobFunction = Callable[..., Awaitable[None]]
_KEEP_SECONDS = 60  # a finished job's record in Redis (for inspection only)
# How long an idle worker's pop waits in Redis: under redis-py's 5 s socket timeout, which would
# otherwise cut a pop that waits forever, and could cut it just as Redis hands it a job.
_WAIT_SECONDS = 1.0
_RETRIES = 3  # a job that raises (a database hiccup) runs again, a second later
logging.getLogger("saq").setLevel(logging.WARNING)  # a line per job at INFO


class _InProcessWorker(Worker):  # type: ignore[type-arg]
    # SAQ's own worker takes SIGINT and SIGTERM; here uvicorn has them (serve.py's drain).
    SIGNALS = []  # noqa: RUF012  (SAQ reads it as a class attribute)


class _Queue(RedisQueue):
    """SAQ's Redis queue, waiting a second when Redis is unreachable: its workers otherwise
    ask again at once, in a loop that keeps a core busy for as long as Redis is away."""

    _away = False

    async def dequeue(self, timeout: float = 0.0, poll_interval: float = 0.0) -> Job | None:
        try:
            job = await super().dequeue(timeout, poll_interval)
        except RedisError as error:
            if not self._away:
                log.warning("job queue unreachable; retrying every second", error=str(error))
            self._away = True
            await asyncio.sleep(1.0)
            return None
        self._away = False
        return job


def at(moment: datetime | None) -> int:
    """SAQ's `scheduled`: whole epoch seconds, rounded up so a job never runs early; 0 (at
    once) for a moment already past."""
    if moment is None or moment <= utcnow():
        return 0
    return math.ceil(moment.timestamp())


class Jobs:
    """One process's queue client and worker."""

    def __init__(self, url: str, prefix: str, functions: Sequence[tuple[str, JobFunction]]) -> None:
        self.queue: Queue = _Queue(Redis.from_url(url), name=f"{prefix}jobs")
        self.worker = _InProcessWorker(
            self.queue, functions, concurrency=10, dequeue_timeout=_WAIT_SECONDS,
            timers={"schedule": 1, "sweep": 60, "abort": 1, "worker_info": 10},
        )  # fmt: skip

    async def enqueue(
        self, function: str, key: str, when: datetime | None, timeout: float, **kwargs: Any
    ) -> bool:
        """Queues a job (False: one with this key is queued or running already). Redis down:
        logged, not raised; the database sweeps queue the row again later."""
        try:
            job = await self.queue.enqueue(
                function, key=key, scheduled=at(when), timeout=math.ceil(timeout),
                retries=_RETRIES, retry_delay=1.0, ttl=_KEEP_SECONDS, **kwargs,
            )  # fmt: skip
        except RedisError:
            log.warning("job not queued: Redis unreachable", key=key)
            return False
        return job is not None

    def busy(self) -> bool:
        """Whether this process's worker is running a job now."""
        return bool(self.worker.job_task_contexts)

    async def start(self) -> None:
        await self.queue.connect()
        await self.worker.start()  # returns once stopped

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Lets the jobs under way finish (`grace_seconds` at most), then stops: SAQ puts a job
        it had to cancel back on the queue, for another worker."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace_seconds):
                while self.busy():
                    await asyncio.sleep(0.05)
        await self.worker.stop()  # its idle loops (dequeue, schedule, sweep) at once
        with contextlib.suppress(RedisError):  # Redis gone: nothing left to close cleanly
            await self.queue.disconnect()


_jobs: tuple[Jobs, asyncio.AbstractEventLoop] | None = None


def current() -> Jobs | None:
    """This process's queue, when `VOXGATE_REDIS_URL` is set. Only on the event loop it was
    installed on: its Redis connections belong to that loop (a test's live server runs on
    another thread's)."""
    if _jobs is None or _jobs[1] is not asyncio.get_running_loop():
        return None
    return _jobs[0]


def install(jobs: Jobs | None) -> None:
    """Makes `jobs` this process's queue (the lifespan's), on the running loop."""
    global _jobs
    _jobs = (jobs, asyncio.get_running_loop()) if jobs is not None else None
