"""API keys: UUIDs like Vapi's, stored as SHA-256 (122 random bits each: no salt needed)."""

import hashlib
import uuid
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voxgate.auth.restrictions import Restrictions
from voxgate.db.models import ApiKey, Org

DEFAULT_ORG = "default"
Scope = Literal["private", "public"]


def hash_key(key: str) -> str:
    return hashlib.sha256(key.strip().encode()).hexdigest()


async def get_or_create_org(session: AsyncSession, name: str = DEFAULT_ORG) -> Org:
    org = await session.scalar(select(Org).where(Org.name == name))
    if org is None:
        org = Org(name=name)
        session.add(org)
        await session.flush()
    return org


async def create_key(
    session: AsyncSession,
    org_name: str,
    scope: Scope = "private",
    restrictions: Restrictions | None = None,
) -> str:
    """Create a key for the org (made if new) and return it: the only time it is seen. A public
    key always has restrictions (none given: any origin and saved assistant, no transient one)."""
    org = await get_or_create_org(session, org_name)
    key = str(uuid.uuid4())
    stored = None
    if scope == "public":
        stored = (restrictions or Restrictions()).to_stored()
    session.add(ApiKey(org_id=org.id, key_hash=hash_key(key), scope=scope, restrictions=stored))
    return key


async def seed_key(session: AsyncSession, key: str) -> None:
    """Register VOXGATE_API_KEY as a private key of the default org, once."""
    if await session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key))) is None:
        org = await get_or_create_org(session)
        session.add(ApiKey(org_id=org.id, key_hash=hash_key(key), scope="private"))


async def find_key(session: AsyncSession, key: str) -> ApiKey | None:
    return await session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key)))
