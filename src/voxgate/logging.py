"""structlog setup: key-value lines for people, JSON when VOXGATE_LOG_JSON is set."""

import logging
import os
import sys

import structlog
from loguru import logger as engine_logger


def configure(level: str = "info") -> None:
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if os.environ.get("VOXGATE_LOG_JSON")
        # Plain tracebacks: rendering locals of every frame takes seconds on a 500.
        else structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
    )
    logging.basicConfig(level=level.upper(), format="%(message)s")
    # pipecat (the call engine) logs through loguru, at DEBUG unless told: dozens of lines a turn.
    engine_logger.remove()
    engine_logger.add(sys.stderr, level=level.upper())
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
    )
