"""A graceful shutdown (SIGTERM, serve.py): no call is dropped that could finish.

Once `shut_down` starts, no new call begins here (drain.py: `POST /call` and any other create
through `create_call`, and a client joining a call's websocket, are a 503 that says why;
`/health` reports it, so a load balancer sends them elsewhere). Live calls may finish for
`VOXGATE_DRAIN_SECONDS`; those still running then end with `worker-shutdown`, their artifacts
written as at any end. Then the post-call work, the server messages not yet stored and the
deliveries due now are let finish, and the server may exit.

A Twilio media stream is still joined while draining: it belongs to a call placed or answered
before, whose caller is on the line; refusing it would only hang up on them.
"""

import asyncio

import structlog

from voxgate.control.call.registry import live_sessions
from voxgate.control.call.runner import live_calls
from voxgate.control.call.server_messages import WRITES
from voxgate.control.drain import drain
from voxgate.engine.after_call import AFTER_CALL
from voxgate.engine.session import STOPPED
from voxgate.worker import jobs

# How long each clean-up step may take once the grace period is over.
_ENDING_SECONDS = 30.0
_FLUSH_SECONDS = 15.0
log = structlog.get_logger()


async def shut_down(grace_seconds: float) -> None:
    drain.draining = True
    log.info("draining", live_calls=len(live_calls), grace_seconds=grace_seconds)
    if live_calls:
        await _wait(grace_seconds)
    await _end_the_rest()
    await _flush()
    log.info("drained")


async def _wait(grace_seconds: float) -> None:
    hurried = asyncio.create_task(drain.hurried.wait())
    try:
        async with asyncio.timeout(grace_seconds):
            while live_calls and not hurried.done():
                await asyncio.wait({hurried}, timeout=0.1)
    except TimeoutError:
        pass
    finally:
        hurried.cancel()


async def _end_the_rest() -> None:
    if live_calls:
        log.warning("ending calls still live after the grace period", calls=len(live_calls))
    # A call still asking its server for an assistant has no session yet: it gets one, or
    # ends, within that request's timeout; so keep ending until none is left.
    try:
        async with asyncio.timeout(_ENDING_SECONDS):
            while live_calls:
                for live in list(live_sessions.values()):
                    await live.session.end(STOPPED)
                await asyncio.sleep(0.1)
    except TimeoutError:
        log.error("calls did not end", calls=sorted(live_calls))


async def _flush() -> None:
    """The end-of-call reports (post-call work), their rows, then the deliveries due now."""
    try:
        async with asyncio.timeout(_FLUSH_SECONDS):
            for pending in (AFTER_CALL, WRITES):
                while pending:
                    await asyncio.wait(set(pending))
            while drain.outbox is not None:
                await drain.outbox.flush()
                # With a queue, this process's jobs hold the deliveries they are sending (and
                # pass their call's next on to the queue): wait for them, then flush again.
                if (queue := jobs.current()) is None or not queue.busy():
                    break
                await asyncio.sleep(0.1)
    except TimeoutError:
        log.error("server messages not all sent before exit; they go at the next start")
