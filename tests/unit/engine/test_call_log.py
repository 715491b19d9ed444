"""A call's log holds its own lines, not another call's, and stays within its bound."""

import asyncio
import json

import pytest
from loguru import logger

from voxgate.engine import call_log
from voxgate.engine.call_log import CallLog


async def _call(name: str, started: asyncio.Event, other_started: asyncio.Event) -> bytes:
    log = CallLog()
    log.start()
    started.set()
    await other_started.wait()  # both calls are live at once

    async def pipeline_task() -> None:  # a task the call starts inherits its log
        logger.info(f"{name} heard something")

    await asyncio.create_task(pipeline_task())
    logger.debug(f"{name} answered")
    return log.stop()


async def test_concurrent_calls_keep_their_own_lines() -> None:
    a, b = asyncio.Event(), asyncio.Event()
    first, second = await asyncio.gather(_call("first", a, b), _call("second", b, a))
    logger.info("after both calls")  # logged by nobody's call
    for name, text in (("first", first), ("second", second)):
        lines = [json.loads(line) for line in text.decode().splitlines()]
        said = [line["message"] for line in lines]
        assert said == [f"{name} heard something", f"{name} answered"]
        assert [line["level"] for line in lines] == ["INFO", "DEBUG"]


async def test_the_log_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(call_log, "MAX_BYTES", 1000)
    log = CallLog()
    log.start()
    for n in range(100):
        logger.info(f"line {n}")
    lines = log.stop().decode().splitlines()
    assert len("\n".join(lines)) < 1200
    assert json.loads(lines[0])["message"] == "line 0"
    assert json.loads(lines[-1])["message"] == f"{log.dropped} more lines left out"
    assert log.dropped + len(lines) - 1 == 100
