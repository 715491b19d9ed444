"""A loopback TCP proxy in front of a real server (PostgreSQL, Redis), for the fault matrix.

`cut()` closes every connection through it and refuses new ones; `restore()` accepts again.
From the client's side this is what a restart of the server looks like (connections reset,
then refused, then accepted), without touching the server the machine's other users share.
It runs on an event loop of its own in a thread, so a test may block (waiting for a process
to start) while connections go through it.
"""

import asyncio
import contextlib
import threading
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tests.support.server import free_port

CHUNK = 65536


class TcpProxy:
    """`TcpProxy(url)` forwards to the host and port `url` names; `.url` is `url` through it."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        assert parts.hostname and parts.port, f"no host and port in {url}"
        self.target = (parts.hostname, parts.port)
        self.port = free_port()
        user = parts.netloc.rpartition("@")[0]
        netloc = f"{user}@127.0.0.1:{self.port}" if user else f"127.0.0.1:{self.port}"
        self.url = urlunsplit(parts._replace(netloc=netloc))
        self.connections = 0  # accepted so far: traffic did go through here
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._open |= {writer, upstream_writer}
        await asyncio.gather(
            self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer)
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(CHUNK):
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            self._open.discard(writer)
            writer.close()

    async def _cut(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()  # the port refuses connections from now on
        for writer in list(self._open):
            writer.transport.abort()  # a reset, as when the server's process dies
        self._open.clear()
        if server is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.wait_closed(), 5)

    def cut(self) -> None:
        """Resets every connection and refuses new ones."""
        self._run(self._cut())

    def restore(self) -> None:
        """Accepts connections again, on the same port."""
        self._run(self._listen())

    def __enter__(self) -> "TcpProxy":
        self._thread.start()
        self._run(self._listen())
        return self

    def __exit__(self, *exc: object) -> None:
        self._run(self._cut())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()
