"""A call's own log: what the engine and pipecat log while the call runs, one JSON object a line.

A loguru sink with a filter on a context variable: the variable is set in the task that runs
the call, and every task the pipeline starts from it inherits it, so each call's sink sees its
own lines and none of another call in the same process. The log is bounded: past
`MAX_BYTES` it keeps the first lines and counts the rest.
"""

import contextlib
import contextvars
import json
from typing import Any

from loguru import logger

MAX_BYTES = 1_000_000
_current: contextvars.ContextVar["CallLog | None"] = contextvars.ContextVar(
    "voxgate_call_log", default=None
)


def logging_enabled(assistant: dict[str, Any]) -> bool:
    """`artifactPlan.loggingEnabled`, true unless the assistant turns it off (as in Vapi)."""
    plan = assistant.get("artifactPlan") or {}
    return plan.get("loggingEnabled") is not False


class CallLog:
    """Collects one call's log lines between `start()` and `stop()`, in the calling task."""

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._size = 0
        self.dropped = 0
        self._sink: int | None = None
        self._token: contextvars.Token[CallLog | None] | None = None

    def start(self) -> None:
        self._token = _current.set(self)
        self._sink = logger.add(
            self._write, level="DEBUG", filter=lambda record: _current.get() is self
        )

    def _write(self, message: Any) -> None:
        record = message.record
        line = json.dumps(
            {
                "time": record["time"].isoformat(timespec="milliseconds"),
                "level": record["level"].name,
                "logger": record["name"],
                "message": record["message"],
            }
        )
        if self._size + len(line) + 1 > MAX_BYTES:
            self.dropped += 1
            return
        self._lines.append(line)
        self._size += len(line) + 1

    def stop(self) -> bytes:
        """Stops collecting; returns the lines (and a last one counting those left out)."""
        if self._sink is not None:
            logger.remove(self._sink)
            self._sink = None
        if self._token is not None:
            # Stopped from another context: the variable dies with the task that set it.
            with contextlib.suppress(ValueError):
                _current.reset(self._token)
            self._token = None
        lines = list(self._lines)
        if self.dropped:
            note = {"level": "WARNING", "message": f"{self.dropped} more lines left out"}
            lines.append(json.dumps(note))
        return "".join(f"{line}\n" for line in lines).encode()
