"""What follows a call's end, in order: the post-call analysis, stored on the call, then the
`end-of-call-report`, which carries it.

The engine only writes that this work is due, with the call's end (`CallStore.end`); the
control side runs `after_call` once the call's session is over, with a store and a messenger
it rebuilt from the database, in a task of this process (tracked in `AFTER_CALL`, so a drain
waits for it) or as a job of the shared queue (control/call/post_call.py).
"""

import asyncio
from collections.abc import Coroutine
from typing import Any

from voxgate.engine.analysis import analyze
from voxgate.engine.ports import CallStore, PostCall
from voxgate.engine.server_messages import ServerMessenger

AFTER_CALL: set[asyncio.Task[None]] = set()


def track(work: Coroutine[Any, Any, None]) -> None:
    """Runs `work` in a task of its own, held in `AFTER_CALL` until it is done: the socket's
    handler returns and the caller's connection closes at once, not after the analysis."""
    task = asyncio.create_task(work)
    AFTER_CALL.add(task)
    task.add_done_callback(AFTER_CALL.discard)


async def after_call(
    call: dict[str, Any], post_call: PostCall, store: CallStore, server: ServerMessenger
) -> None:
    """`call` is the call as stored once it ended (`endedReason`, `endedAt`, `artifact`,
    `startedAt`). An analysis already stored (a run cut short after storing it) is reused, not
    asked again. A failing LLM costs only the analysis (`analyze` never raises); the store or
    the server's port failing raises, and the work stays due."""
    reason, artifact = call["endedReason"], call.get("artifact") or {}
    analysis: dict[str, Any] = call.get("analysis") or {}
    if post_call.analyse and not analysis:
        analysis = await analyze(post_call.assistant, artifact, reason)
        if analysis:
            await store.update({"analysis": analysis})
    await server.end_of_call_report(
        reason, artifact, analysis, call.get("startedAt"), call["endedAt"]
    )
