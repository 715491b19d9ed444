"""logging.py: one JSON object a line from every logger, with the context bound."""

import logging

import structlog
from loguru import logger
from structlog.contextvars import bound_contextvars

from tests.support.logs import captured_log


def test_every_logger_writes_json_lines_that_carry_the_bound_context() -> None:
    with captured_log("info") as log:
        with bound_contextvars(call_id="call-1", org_id="org-1"):
            structlog.get_logger().info("from voxgate", turn=2)
            logger.info("from pipecat")  # pipecat logs through loguru
            logging.getLogger("a.library").warning("from the stdlib")
            logger.debug("below the level")
        structlog.get_logger().info("after the call")
    lines = log.lines()
    assert [line["event"] for line in lines] == [
        "from voxgate", "from pipecat", "from the stdlib", "after the call",
    ]  # fmt: skip
    for line in lines[:3]:
        assert line["call_id"] == "call-1" and line["org_id"] == "org-1"
        assert line["timestamp"] and line["level"] in ("info", "warning")
    assert "call_id" not in lines[3]
    assert lines[0]["turn"] == 2
    assert lines[1]["logger"] == __name__  # loguru's record names the module that logged


def test_an_exception_is_one_line_with_its_traceback() -> None:
    with captured_log("info") as log:
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            logger.exception("pipecat failed")
            structlog.get_logger().exception("voxgate failed")
    lines = log.lines()
    assert len(lines) == 2
    assert all("RuntimeError: boom" in line["exception"] for line in lines)
