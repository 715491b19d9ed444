"""The request's principal: the org behind the key in `Authorization: Bearer` (and, for a public
key, its restrictions)."""

import time
from dataclasses import dataclass
from typing import Annotated

import structlog
from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from voxgate.auth.keys import find_key, hash_key
from voxgate.auth.restrictions import Restrictions
from voxgate.db.session import session_per_request
from voxgate.errors import Unauthorized

# auto_error=False: a missing header must get Vapi's 401 body, not FastAPI's 403.
bearer = HTTPBearer(auto_error=False, scheme_name="bearer")

# scope="function": commit before the response is sent, so a 2xx always means it is stored.
DbSession = Annotated[AsyncSession, Depends(session_per_request, scope="function")]

# Known keys, remembered briefly to spare a query per request. Keys cannot be revoked yet;
# when they can, this TTL bounds how long a revoked key keeps working on a replica.
_TTL_SECONDS = 30.0
_MAX_CACHED = 10_000
_known: dict[str, tuple["Principal", float]] = {}


@dataclass(frozen=True)
class Principal:
    org_id: str
    # A public key's restrictions; None for a private key.
    restrictions: Restrictions | None = None


async def _lookup(session: AsyncSession, key: str) -> Principal | None:
    digest = hash_key(key)
    cached = _known.get(digest)
    if cached is not None and cached[1] > time.monotonic():
        return cached[0]
    row = await find_key(session, key)
    if row is None:
        return None
    restrictions = Restrictions.stored(row.restrictions) if row.scope != "private" else None
    principal = Principal(row.org_id, restrictions)
    if len(_known) >= _MAX_CACHED:
        _known.clear()
    _known[digest] = (principal, time.monotonic() + _TTL_SECONDS)
    return principal


async def any_key(
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The key's principal, private or public: for the one operation a public key may reach
    (control/call/public_key.py narrows it further); every other one takes `CurrentOrg`."""
    found = None if credentials is None else await _lookup(session, credentials.credentials)
    if found is None:
        raise Unauthorized()
    # Every line the request logs from here names the org (its request line included).
    structlog.contextvars.bind_contextvars(org_id=found.org_id)
    return found


async def private_key(principal: Annotated[Principal, Depends(any_key)]) -> Principal:
    # Public keys are for browsers' websocket calls (POST /call); they reach no other operation.
    if principal.restrictions is not None:
        raise Unauthorized()
    return principal


CurrentOrg = Annotated[Principal, Depends(private_key)]
AnyKey = Annotated[Principal, Depends(any_key)]
