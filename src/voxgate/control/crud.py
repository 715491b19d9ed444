"""Storage and rendering shared by every resource: org-scoped, whole-document rows.

A resource row keeps the client's configuration whole in `data`; a few columns are derived
from it for filtering. Rendering puts the envelope around `data`.
"""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from voxgate.control.listing import ListQuery, PageQuery
from voxgate.db.base import Resource
from voxgate.errors import BadRequest, NotFound
from voxgate.kit.time import iso, utcnow

R = TypeVar("R", bound=Resource)
Document = dict[str, Any]


def is_uuid(value: object) -> bool:
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def render_envelope(row: Resource) -> Document:
    return {
        "id": row.id,
        "orgId": row.org_id,
        **row.data,
        "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at),
    }


def merge(stored: Document, changes: Document) -> Document:
    """PATCH: top-level keys replace wholesale; `null` unsets the key."""
    merged = {**stored, **changes}
    return {key: value for key, value in merged.items() if value is not None}


def _null_character_at(value: Any, path: str = "") -> str | None:
    """Where the first U+0000 is (in a string or a key): PostgreSQL can store neither."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        here = f"{path}.{key}" if path else str(key)
        if isinstance(key, str) and "\x00" in key:
            return here
        found = _null_character_at(item, here)
        if found is not None:
            return found
    return None


def storable(data: Document) -> Document:
    # Refused on every backend, so SQLite and PostgreSQL deployments answer alike (not a 500).
    where = _null_character_at(data)
    if where is not None:
        raise BadRequest([f"{where} must not contain the null character"])
    return data


@dataclass
class Kind(Generic[R]):
    """How one resource is stored: its table, its name in messages, derived columns, output."""

    table: type[R]
    noun: str
    columns: Callable[[Document], dict[str, Any]] = lambda data: {}
    render: Callable[[R], Document] = field(default=render_envelope)


class Repository(Generic[R]):
    """All SQL for one resource, always scoped to the caller's org."""

    def __init__(self, session: AsyncSession, kind: Kind[R], org_id: str) -> None:
        self.session, self.kind, self.org_id = session, kind, org_id

    def _scoped(self) -> Any:
        return select(self.kind.table).where(self.kind.table.org_id == self.org_id)

    async def list(self, query: ListQuery, *where: Any) -> Sequence[R]:
        table = self.kind.table
        stmt = query.filter(self._scoped().where(*where), table)
        stmt = stmt.order_by(table.created_at.desc(), table.id).limit(query.size)
        return (await self.session.scalars(stmt)).all()

    async def page(self, query: PageQuery, *where: Any) -> tuple[Sequence[R], int]:
        table = self.kind.table
        stmt = query.filter(self._scoped().where(*where), table)
        total = await self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        offset = (int(query.page) - 1) * query.size
        if offset >= total:
            # Past the last page; this also keeps absurd pages (1e300) out of 64-bit SQL integers.
            return [], total
        order = table.created_at.asc() if query.sort_order == "ASC" else table.created_at.desc()
        stmt = stmt.order_by(order, table.id).limit(query.size).offset(offset)
        return (await self.session.scalars(stmt)).all(), total

    async def get(self, id: str) -> R:
        if not is_uuid(id):  # cannot name a row; and a NUL byte would break PostgreSQL
            raise NotFound(f"{self.kind.noun} not found")
        row: R | None = await self.session.scalar(self._scoped().where(self.kind.table.id == id))
        if row is None:
            raise NotFound(f"{self.kind.noun} not found")
        return row

    async def create(self, data: Document, **columns: Any) -> R:
        now = utcnow()
        row = self.kind.table(
            org_id=self.org_id,
            data=storable(data),
            created_at=now,
            updated_at=now,
            **self.kind.columns(data),
            **columns,
        )
        self.session.add(row)
        await self.session.flush()
        return row

    async def update(self, row: R, data: Document) -> R:
        row.data = storable(data)
        for column, value in self.kind.columns(data).items():
            setattr(row, column, value)
        # Every successful PATCH moves updatedAt, even twice within one millisecond.
        row.updated_at = max(utcnow(), row.updated_at + timedelta(milliseconds=1))
        await self.session.flush()
        return row

    async def delete(self, row: R) -> None:
        await self.session.delete(row)
        await self.session.flush()
