"""The five REST operations of a plain (not discriminated) resource, built from its models.

Handlers return the stored document as is; the declared response model documents it.
List, get and delete are the same for every resource (`add_read_and_delete`); create and update
differ in how the body is validated (here, and in variants.py for discriminated resources).
"""

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from voxgate.auth.deps import CurrentOrg, DbSession
from voxgate.control.crud import Kind, Repository, merge
from voxgate.control.listing import ListQuery

# Give every list operation its own `Query()`: FastAPI records the query model on the FieldInfo,
# so one instance shared by several operations makes the document list the last model's
# parameters on all of them (GET /assistant showed /call's filters, or /call lost them).

# A business rule the models cannot express (e.g. "that assistantId exists in your org"):
# called with the session, the caller's org and the document about to be stored; raises to refuse.
Check = Callable[[AsyncSession, str, dict[str, Any]], Awaitable[None]]


def drop_nulls(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


def crud_router(
    kind: Kind[Any],
    *,
    path: str,
    tag: str,
    controller: str,
    create: type[BaseModel],
    update: type[BaseModel],
    response: type[BaseModel],
    summaries: dict[str, str] | None = None,
    check: Check | None = None,
) -> APIRouter:
    router = APIRouter(prefix=path, tags=[tag])
    summary = summaries or {}

    @router.post(
        "",
        status_code=201,
        response_model=response,
        operation_id=f"{controller}_create",
        summary=summary.get("create", f"Create {kind.noun.lower()}"),
    )
    async def create_one(body: create, org: CurrentOrg, session: DbSession) -> Any:  # type: ignore[valid-type]
        data = drop_nulls(body.to_wire())  # type: ignore[attr-defined]
        if check is not None:
            await check(session, org.org_id, data)
        row = await Repository(session, kind, org.org_id).create(data)
        return JSONResponse(kind.render(row), status_code=201)

    @router.patch(
        "/{id}",
        response_model=response,
        operation_id=f"{controller}_update",
        summary=summary.get("update", f"Update {kind.noun.lower()}"),
    )
    async def update_one(
        id: UUID,
        body: update,  # type: ignore[valid-type]
        org: CurrentOrg,
        session: DbSession,
    ) -> Any:
        repo = Repository(session, kind, org.org_id)
        row = await repo.get(str(id))
        data = merge(row.data, body.to_wire())  # type: ignore[attr-defined]
        if check is not None:
            await check(session, org.org_id, data)
        row = await repo.update(row, data)
        return JSONResponse(kind.render(row))

    add_read_and_delete(router, kind, response, controller, summary)
    return router


def add_read_and_delete(
    router: APIRouter,
    kind: Kind[Any],
    response: Any,
    controller: str,
    summary: dict[str, str],
    list_operation: str = "findAll",
) -> None:
    """`GET ""` (a bare array), `GET /{id}` and `DELETE /{id}` (answers the deleted object)."""
    noun = kind.noun.lower()

    @router.get(
        "",
        response_model=list[response],
        operation_id=f"{controller}_{list_operation}",
        summary=summary.get("list", f"List {noun}s"),
    )
    async def list_all(org: CurrentOrg, session: DbSession, query: ListQuery = Query()) -> Any:
        rows = await Repository(session, kind, org.org_id).list(query)
        return JSONResponse([kind.render(row) for row in rows])

    @router.get(
        "/{id}",
        response_model=response,
        operation_id=f"{controller}_findOne",
        summary=summary.get("get", f"Get {noun}"),
    )
    async def get_one(id: UUID, org: CurrentOrg, session: DbSession) -> Any:
        row = await Repository(session, kind, org.org_id).get(str(id))
        return JSONResponse(kind.render(row))

    @router.delete(
        "/{id}",
        response_model=response,
        operation_id=f"{controller}_remove",
        summary=summary.get("remove", f"Delete {noun}"),
    )
    async def remove_one(id: UUID, org: CurrentOrg, session: DbSession) -> Any:
        repo = Repository(session, kind, org.org_id)
        row = await repo.get(str(id))
        rendered = kind.render(row)
        await repo.delete(row)
        return JSONResponse(rendered)
