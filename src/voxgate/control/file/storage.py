"""The bytes of uploaded files, on local disk under the data directory.

Layout: `<files_dir>/<orgId>/<fileId>`. Content is written under `<files_dir>/.incoming` first and
renamed into place (same file system, so the rename is atomic): nobody ever reads half a file.

Disk and database cannot share a transaction, so disk changes follow the request's transaction
through `DiskEffects`: bytes of a new file are undone if the request fails (even at commit), and
bytes of a deleted file are removed only once the delete is committed. What a crash between the
two steps can leave behind is a file no row points at (named by a never-reused id, invisible to
clients and safe to sweep), never a row whose bytes are missing.
"""

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Annotated, BinaryIO

import structlog
from fastapi import Depends
from starlette.concurrency import run_in_threadpool

from voxgate.config import get_settings

log = structlog.get_logger()


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / key

    def relative_path(self, key: str) -> str:
        """The content's location relative to the data directory (what `File.path` shows)."""
        return os.path.relpath(self.path(key), get_settings().data_dir)

    async def put(self, key: str, source: BinaryIO) -> int:
        """Store `source` under `key` and return its size in bytes."""
        return await run_in_threadpool(self._put, key, source)

    def _put(self, key: str, source: BinaryIO) -> int:
        incoming = self.root / ".incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=incoming, delete=False) as staged:
            try:
                source.seek(0)
                shutil.copyfileobj(source, staged)
                staged.flush()
                os.fsync(staged.fileno())
                size = staged.tell()
                staged.close()
                os.replace(staged.name, target)
            except BaseException:
                Path(staged.name).unlink(missing_ok=True)
                raise
        return size

    def remove(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


def file_store() -> FileStore:
    return FileStore(get_settings().files_dir)


class DiskEffects:
    """Disk changes of one request, settled when its database transaction is."""

    def __init__(self) -> None:
        self._undo: list[Callable[[], None]] = []
        self._after_commit: list[Callable[[], None]] = []

    def undo_on_failure(self, action: Callable[[], None]) -> None:
        self._undo.append(action)

    def after_commit(self, action: Callable[[], None]) -> None:
        self._after_commit.append(action)

    def failed(self) -> None:
        for action in reversed(self._undo):
            action()

    def committed(self) -> None:
        for action in self._after_commit:
            try:
                action()
            except OSError:
                # The transaction stands; a leftover file is an orphan, not an error to report.
                log.exception("disk clean-up after commit failed")


async def _disk_effects() -> AsyncIterator[DiskEffects]:
    effects = DiskEffects()
    try:
        yield effects
    except BaseException:
        effects.failed()
        raise
    effects.committed()


# Declare it BEFORE any parameter that opens the database session (CurrentOrg, DbSession):
# dependencies exit in reverse order, so it then exits after the session has committed (or
# failed to) and sees the outcome.
Effects = Annotated[DiskEffects, Depends(_disk_effects, scope="function")]
