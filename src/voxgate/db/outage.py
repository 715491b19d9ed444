"""The database unreachable for a while (restarted, failed over, its network cut), told apart
from a query that fails: a connection refused or reset, or one SQLAlchemy invalidated as lost.

A live call cannot wait for an operator: the writes that record it (its start, its end with
the artifact, its server messages) are retried until the database answers again, for at most
`VOXGATE_DATABASE_RETRY_SECONDS`; a REST request during the outage is answered 503 (app.py).
The pool checks a connection before handing it out (`pool_pre_ping`, session.py), so the first
request after the database is back gets a fresh one instead of a dead one.
"""

import asyncio
import errno
import socket
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog
from sqlalchemy.exc import DBAPIError

from voxgate.config import get_settings

T = TypeVar("T")
log = structlog.get_logger()
FIRST_DELAY_SECONDS, LONGEST_DELAY_SECONDS = 0.2, 2.0
RESTARTING = ("57P01", "57P02", "57P03")  # admin shutdown, crash shutdown, cannot connect now
UNROUTABLE = (errno.EHOSTUNREACH, errno.ENETUNREACH)
UNREACHABLE = "The database is unreachable; retry shortly."


def is_outage(error: BaseException) -> bool:
    """Whether `error` says the database could not be reached (not that a query was wrong)."""
    if isinstance(error, DBAPIError):
        state = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
        return error.connection_invalidated or _unavailable(state)
    # Raised as they are when a new connection fails: refused, reset, timed out, no route.
    if isinstance(error, ConnectionError | TimeoutError | socket.gaierror):
        return True
    return isinstance(error, OSError) and error.errno in UNROUTABLE


def _unavailable(sqlstate: object) -> bool:
    """PostgreSQL's "connection exception" class, or the server shutting down or starting up
    (`57P01`-`57P03`: a restart's own errors, before a connection is even made)."""
    return isinstance(sqlstate, str) and (sqlstate.startswith("08") or sqlstate in RESTARTING)


async def retrying(write: Callable[[], Awaitable[T]], what: str) -> T:
    """`write()`'s result, trying again while the database is unreachable (at most the
    configured time; then its error is raised). `write` must be safe to repeat."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + get_settings().database_retry_seconds
    delay = FIRST_DELAY_SECONDS
    while True:
        try:
            return await write()
        except Exception as error:
            if not is_outage(error) or loop.time() + delay > deadline:
                raise
            log.warning("the database is unreachable, retrying", what=what, error=repr(error))
        await asyncio.sleep(delay)
        delay = min(2 * delay, LONGEST_DELAY_SECONDS)
