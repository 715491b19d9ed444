"""What follows a call's end, in order: the post-call analysis, stored on the call, then the
`end-of-call-report`, which carries it.

It runs as a task of its own (held in `AFTER_CALL`), so the socket's handler returns and the
caller's connection closes at once, not after the analysis.
"""

import asyncio
from typing import Any

from loguru import logger

from voxgate.engine.analysis import analyze
from voxgate.engine.ports import CallStore
from voxgate.engine.server_messages import ServerMessenger

AFTER_CALL: set[asyncio.Task[None]] = set()


class AfterCall:
    def __init__(
        self, assistant: dict[str, Any], store: CallStore, server: ServerMessenger
    ) -> None:
        self._assistant, self._store, self._server = assistant, store, server

    def start(self, ended: dict[str, Any], started_at: str | None, *, analyse: bool) -> None:
        """`ended` is what the lifecycle wrote (`endedReason`, `endedAt`, `artifact`)."""
        task = asyncio.create_task(self._run(ended, started_at, analyse))
        AFTER_CALL.add(task)
        task.add_done_callback(AFTER_CALL.discard)

    async def _run(self, ended: dict[str, Any], started_at: str | None, analyse: bool) -> None:
        reason, artifact = ended["endedReason"], ended.get("artifact") or {}
        analysis: dict[str, Any] = {}
        try:
            if analyse:
                analysis = await analyze(self._assistant, artifact, reason)
                if analysis:
                    await self._store.update({"analysis": analysis})
            await self._server.end_of_call_report(
                reason, artifact, analysis, started_at, ended["endedAt"]
            )
        except Exception as error:  # the call's record is written already: only log
            logger.warning(f"post-call work failed: {error!r}")
