"""uvicorn's server, with a graceful shutdown on SIGTERM (control/shutdown.py).

uvicorn on its own stops listening at once and closes every websocket with 1012, which would
cut live calls off mid-sentence. Here the first SIGTERM only starts draining: the server keeps
answering (new calls get a 503, `/health` says "draining"), live calls may finish for
`VOXGATE_DRAIN_SECONDS`, the rest end with `worker-shutdown`, then uvicorn's own shutdown
runs and the process exits 0. A second SIGTERM or a SIGINT while draining ends the grace
period at once; SIGINT otherwise (Ctrl-C) behaves as uvicorn's.
"""

import asyncio
import signal
import socket
from types import FrameType

import structlog
import uvicorn

from voxgate.control.drain import drain
from voxgate.control.shutdown import shut_down

log = structlog.get_logger()


class DrainingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, drain_seconds: float) -> None:
        super().__init__(config)
        self._drain_seconds = drain_seconds
        self._loop: asyncio.AbstractEventLoop | None = None
        self._draining: asyncio.Task[None] | None = None

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        await super().serve(sockets)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit or self._loop is None:
            super().handle_exit(sig, frame)
        elif self._draining is not None:
            self._loop.call_soon_threadsafe(drain.hurried.set)
        elif sig == signal.SIGTERM:
            # Not recorded for uvicorn to raise again once stopped: a drain is a clean exit.
            self._loop.call_soon_threadsafe(self._start_draining)
        else:
            super().handle_exit(sig, frame)

    def _start_draining(self) -> None:
        if self._draining is None:
            self._draining = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        try:
            await shut_down(self._drain_seconds)
        except Exception:
            log.exception("draining failed; stopping anyway")
        finally:
            self.should_exit = True
