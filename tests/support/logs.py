"""The test session's logging (warnings only: a request's line or pipecat's debug chatter
would print into pytest's output from the live server's thread), and the process's log
captured as logging.py writes it (every logger: structlog, the stdlib's, pipecat's loguru)
for a test that reads it, the session's logging put back after."""

import io
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO, cast

from voxgate import logging as voxgate_logging

# VOXGATE_TEST_LOG_LEVEL=info (or debug) shows more while a test is being debugged.
SESSION_LEVEL = os.environ.get("VOXGATE_TEST_LOG_LEVEL", "warning")


class _Stderr:
    """sys.stderr as it is at each write: pytest swaps it while capturing, then closes its own."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def session_logging() -> None:
    voxgate_logging.configure(SESSION_LEVEL, "console", cast(TextIO, _Stderr()))


class Captured(io.StringIO):
    def lines(self) -> list[dict[str, Any]]:
        """Every line, parsed (a line that is not JSON fails the test)."""
        return [json.loads(line) for line in self.getvalue().splitlines() if line.strip()]


@contextmanager
def captured_log(level: str = "debug") -> Iterator[Captured]:
    """JSON lines at `level` into the returned buffer while the block runs."""
    buffer = Captured()
    voxgate_logging.configure(level, "json", buffer)
    try:
        yield buffer
    finally:
        session_logging()
