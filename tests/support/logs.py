"""The process's log captured as logging.py writes it (every logger: structlog, the stdlib's,
pipecat's loguru), then the test session's defaults put back."""

import io
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog
from loguru import logger

from voxgate import logging as voxgate_logging


class Captured(io.StringIO):
    def lines(self) -> list[dict[str, Any]]:
        """Every line, parsed (a line that is not JSON fails the test)."""
        return [json.loads(line) for line in self.getvalue().splitlines() if line.strip()]


@contextmanager
def captured_log(level: str = "debug") -> Iterator[Captured]:
    """JSON lines at `level` into the returned buffer while the block runs."""
    buffer = Captured()
    root = logging.getLogger()
    before = root.level
    voxgate_logging.configure(level, "json", buffer)
    try:
        yield buffer
    finally:
        if voxgate_logging._handler is not None:
            root.removeHandler(voxgate_logging._handler)
            voxgate_logging._handler = None
        root.setLevel(before)
        structlog.reset_defaults()
        logger.remove()
        logger.add(sys.stderr)
