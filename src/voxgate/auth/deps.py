"""The request's principal: the org behind a private key in `Authorization: Bearer`."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from voxgate.auth.keys import find_key
from voxgate.db.session import session_per_request
from voxgate.errors import Unauthorized

# auto_error=False: a missing header must get Vapi's 401 body, not FastAPI's 403.
bearer = HTTPBearer(auto_error=False, scheme_name="bearer")

# scope="function": commit before the response is sent, so a 2xx always means it is stored.
DbSession = Annotated[AsyncSession, Depends(session_per_request, scope="function")]


@dataclass(frozen=True)
class Principal:
    org_id: str


async def private_key(
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None:
        raise Unauthorized()
    key = await find_key(session, credentials.credentials)
    # Public keys are for browser calls (POST /call/web); they reach no REST operation.
    if key is None or key.scope != "private":
        raise Unauthorized()
    return Principal(org_id=key.org_id)


CurrentOrg = Annotated[Principal, Depends(private_key)]
