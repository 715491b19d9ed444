"""The request's principal: the org behind a private key in `Authorization: Bearer`."""

import time
from dataclasses import dataclass
from typing import Annotated

import structlog
from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from voxgate.auth.keys import find_key, hash_key
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
_known: dict[str, tuple[str, str, float]] = {}


@dataclass(frozen=True)
class Principal:
    org_id: str


async def _lookup(session: AsyncSession, key: str) -> tuple[str, str] | None:
    digest = hash_key(key)
    cached = _known.get(digest)
    if cached is not None and cached[2] > time.monotonic():
        return cached[0], cached[1]
    row = await find_key(session, key)
    if row is None:
        return None
    if len(_known) >= _MAX_CACHED:
        _known.clear()
    _known[digest] = (row.org_id, row.scope, time.monotonic() + _TTL_SECONDS)
    return row.org_id, row.scope


async def private_key(
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None:
        raise Unauthorized()
    found = await _lookup(session, credentials.credentials)
    # Public keys are for browser calls (POST /call/web); they reach no REST operation.
    if found is None or found[1] != "private":
        raise Unauthorized()
    # Every line the request logs from here names the org (its request line included).
    structlog.contextvars.bind_contextvars(org_id=found[0])
    return Principal(org_id=found[0])


CurrentOrg = Annotated[Principal, Depends(private_key)]
