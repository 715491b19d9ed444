"""`/session`: create, list a page (with the reference's filters), get, update, delete."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from voxgate.auth.deps import CurrentOrg, DbSession
from voxgate.control.crud import Repository, merge
from voxgate.control.listing import pagination
from voxgate.control.session.schemas import SessionPageQuery
from voxgate.control.session.service import check_session, kind, with_stored_messages
from voxgate.wire.session import (
    CreateSessionDTO,
    Session,
    SessionPaginatedResponse,
    UpdateSessionDTO,
)

router = APIRouter(prefix="/session", tags=["Sessions"])


@router.post(
    "",
    status_code=201,
    response_model=Session,
    operation_id="SessionController_create",
    summary="Create a session: a conversation kept across chats",
)
async def create_one(body: CreateSessionDTO, org: CurrentOrg, session: DbSession) -> Any:
    data = body.model_dump(mode="json", by_alias=True, exclude_unset=True, exclude_none=True)
    await check_session(session, org.org_id, data)
    record = {"status": "active", **with_stored_messages(data), "cost": 0, "costs": []}
    row = await Repository(session, kind, org.org_id).create(record)
    return JSONResponse(kind.render(row), status_code=201)


@router.get(
    "",
    response_model=SessionPaginatedResponse,
    operation_id="SessionController_findAllPaginated",
    summary="List sessions, one page at a time",
)
async def list_page(org: CurrentOrg, session: DbSession, query: SessionPageQuery = Query()) -> Any:
    rows, total = await Repository(session, kind, org.org_id).page(query, *query.where())
    results = [kind.render(row) for row in rows]
    return JSONResponse({"results": results, "metadata": pagination(query, total)})


@router.get(
    "/{id}",
    response_model=Session,
    operation_id="SessionController_findOne",
    summary="Get a session",
)
async def get_one(id: UUID, org: CurrentOrg, session: DbSession) -> Any:
    row = await Repository(session, kind, org.org_id).get(str(id))
    return JSONResponse(kind.render(row))


@router.patch(
    "/{id}",
    response_model=Session,
    operation_id="SessionController_update",
    summary="Rename a session, end or reopen it, or replace its messages",
)
async def update_one(id: UUID, body: UpdateSessionDTO, org: CurrentOrg, session: DbSession) -> Any:
    repo = Repository(session, kind, org.org_id)
    row = await repo.get(str(id))
    changes = with_stored_messages(body.to_wire())
    if changes.get("status", "") is None:  # the status may not be unset
        changes.pop("status")
    row = await repo.update(row, merge(row.data, changes))
    return JSONResponse(kind.render(row))


@router.delete(
    "/{id}",
    response_model=Session,
    operation_id="SessionController_remove",
    summary="Delete a session",
)
async def remove_one(id: UUID, org: CurrentOrg, session: DbSession) -> Any:
    repo = Repository(session, kind, org.org_id)
    row = await repo.get(str(id))
    rendered = kind.render(row)
    await repo.delete(row)
    return JSONResponse(rendered)
