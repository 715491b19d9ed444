"""The one query squads need beyond plain CRUD: which of these assistants are the org's."""

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voxgate.control.crud import is_uuid
from voxgate.db.models import Assistant


async def assistants_of_org(session: AsyncSession, org_id: str, ids: Collection[str]) -> set[str]:
    """The subset of `ids` that name assistants of `org_id` (another org's id is not one)."""
    # Only a UUID can name a row; anything else (a NUL byte breaks PostgreSQL) stays out of SQL.
    ids = [id for id in ids if is_uuid(id)]
    if not ids:
        return set()
    stmt = select(Assistant.id).where(Assistant.org_id == org_id, Assistant.id.in_(ids))
    return set((await session.scalars(stmt)).all())
