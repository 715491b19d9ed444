"""Logging: one format for every line, key-value for people or JSON (`VOXGATE_LOG_FORMAT=json`).

structlog's lines, the stdlib's (uvicorn, httpx) and pipecat's (loguru) all end in one handler
on the root logger whose `ProcessorFormatter` renders them alike. What is bound with
`structlog.contextvars` lands on each line: a call's `call_id` and `org_id`
(control/call/runner.py), a request's `org_id` (auth/deps.py). loguru calls its sink in the
task that logs, so pipecat's lines of a call carry the call's context too.
"""

import logging
import sys
from typing import Any, TextIO

import structlog
from loguru import logger as engine_logger

_handler: logging.Handler | None = None
# Libraries that log what crosses the wire at DEBUG or INFO: SQL with its parameters (a stored
# assistant's credentials, a number's carrier token), handshake headers (a bearer key), request
# dumps. Whatever the level, they log warnings only: no secret may reach a log line
# (tests/e2e/test_observability.py scans one). Seeing SQL is SQLAlchemy's `echo`, not a level.
_WIRE = ("sqlalchemy", "aiosqlite", "asyncpg", "websockets", "httpcore", "httpcore2", "hpack",
         "twilio.http_client")  # fmt: skip


def _from_loguru(message: Any) -> None:
    """A loguru sink: the record, handed to the stdlib logger of the module that logged it."""
    record = message.record
    level = record["level"].no
    stdlib = logging.getLogger(record["name"] or "pipecat")
    if not stdlib.isEnabledFor(level):
        return
    error = record["exception"]
    exc_info = (error.type, error.value, error.traceback) if error else None
    stdlib.log(level, record["message"], exc_info=exc_info)


def configure(
    level: str = "info", log_format: str = "console", stream: TextIO | None = None
) -> None:
    """Sets up every logger of the process (again, replacing what an earlier call set up);
    lines go to `stream`, stderr by default."""
    global _handler
    level_no: int = logging.getLevelName(level.upper())
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso"),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        # Plain tracebacks: rendering locals of every frame takes seconds on a 500.
        else structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
    )
    last = [structlog.processors.format_exc_info] if log_format == "json" else []
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                *last,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
    root.addHandler(handler)
    root.setLevel(level_no)
    _handler = handler
    for name in _WIRE:
        logging.getLogger(name).setLevel(max(level_no, logging.WARNING))
    # pipecat (the call engine) logs through loguru, at DEBUG unless told: dozens of lines a turn.
    engine_logger.remove()
    engine_logger.add(_from_loguru, level=level_no, format="{message}")
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(level_no),
        cache_logger_on_first_use=False,
    )
