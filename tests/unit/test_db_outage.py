"""db/outage.py: which errors mean "the database is unreachable", and the bounded retry of a
live call's writes (the end-to-end case: tests/e2e/test_fault_backends.py)."""

import errno
from collections.abc import Iterator

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError

from voxgate.config import get_settings
from voxgate.db import outage
from voxgate.db.outage import is_outage, retrying


@pytest.fixture
def bound(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("VOXGATE_DATABASE_RETRY_SECONDS", "0.5")
    monkeypatch.setattr(outage, "FIRST_DELAY_SECONDS", 0.01)
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def lost(invalidated: bool) -> DBAPIError:
    error = Exception("connection was closed")
    return DBAPIError("SELECT 1", None, error, connection_invalidated=invalidated)


def with_sqlstate(sqlstate: str) -> DBAPIError:
    """An error as SQLAlchemy's asyncpg adapter raises it: the driver's SQLSTATE on `orig`."""
    orig = Exception("the database system is starting up")
    orig.sqlstate = sqlstate  # type: ignore[attr-defined]
    return DBAPIError("SELECT 1", None, orig)


def test_a_lost_connection_is_an_outage_and_a_failing_query_is_not() -> None:
    assert is_outage(ConnectionRefusedError(errno.ECONNREFUSED, "refused"))
    assert is_outage(ConnectionResetError())
    assert is_outage(TimeoutError())
    assert is_outage(OSError(errno.EHOSTUNREACH, "no route to host"))
    assert is_outage(lost(invalidated=True))
    assert not is_outage(lost(invalidated=False))
    assert not is_outage(IntegrityError("INSERT", None, Exception("duplicate key")))
    assert is_outage(with_sqlstate("57P03"))  # the database system is starting up
    assert is_outage(with_sqlstate("08006"))  # connection failure
    assert not is_outage(with_sqlstate("23505"))  # unique violation
    assert not is_outage(FileNotFoundError(errno.ENOENT, "no such file"))  # a disk, not the DB
    assert not is_outage(ValueError("bad"))


async def test_a_write_is_retried_until_the_database_answers(bound: None) -> None:
    tries: list[int] = []

    async def write() -> str:
        tries.append(1)
        if len(tries) < 3:
            raise ConnectionRefusedError(errno.ECONNREFUSED, "refused")
        return "written"

    assert await retrying(write, "test") == "written"
    assert len(tries) == 3


async def test_a_failing_query_is_not_retried(bound: None) -> None:
    tries: list[int] = []

    async def write() -> None:
        tries.append(1)
        raise lost(invalidated=False)

    with pytest.raises(DBAPIError):
        await retrying(write, "test")
    assert len(tries) == 1


async def test_retries_stop_at_the_configured_bound(bound: None) -> None:
    tries: list[int] = []

    async def write() -> None:
        tries.append(1)
        raise lost(invalidated=True)

    with pytest.raises(DBAPIError):
        await retrying(write, "test")
    assert 3 <= len(tries) < 20  # 0.01 s doubling up to 0.5 s in all
