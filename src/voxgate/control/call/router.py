"""`/call`: create (the rules live in service.py; which keys may: public_key.py), list with
filters, get, rename, delete.

Calls do not fit `crud_router`: create has business rules and server-set fields, the list has
filters, PATCH changes `name` only, and DELETE takes a JSON body (VAPI-BEHAVIOUR §1.6).
"""

from functools import partial
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Query
from fastapi.responses import JSONResponse

from voxgate.auth.deps import CurrentOrg, DbSession
from voxgate.control.call.artifact_store import remove_artifacts
from voxgate.control.call.phone import shown
from voxgate.control.call.progress import write
from voxgate.control.call.public_key import CallCreator, check_public_call
from voxgate.control.call.schemas import CallListQuery
from voxgate.control.call.service import create_call, kind
from voxgate.control.crud import Repository, is_uuid
from voxgate.control.file.storage import Effects
from voxgate.control.listing import ListQuery
from voxgate.db.models import Call as CallRow
from voxgate.errors import NotFound
from voxgate.wire.call import Call, CallBatchResponse, CreateCallDTO, DeleteCallDTO, UpdateCallDTO

router = APIRouter(prefix="/call", tags=["Calls"])


@router.post(
    "",
    status_code=201,
    response_model=Call | CallBatchResponse,
    operation_id="CallController_create",
    summary="Create a new call with specified parameters including recipient, caller ID, "
    "and assistant configuration.",
)
async def create_one(body: CreateCallDTO, org: CallCreator, session: DbSession) -> Any:
    # A null anywhere in the typed shape means "not set" (free-form objects such as `metadata`
    # keep theirs), so the stored call holds no null the reference schema would refuse.
    data = body.model_dump(mode="json", by_alias=True, exclude_unset=True, exclude_none=True)
    check_public_call(org, data)  # a public key's (public_key.py)
    return JSONResponse(await create_call(session, org.org_id, data), status_code=201)


@router.get(
    "",
    response_model=list[Call],
    operation_id="CallController_findAll",
    summary="List calls, newest first, optionally by id, assistant or phone number",
)
async def list_all(org: CurrentOrg, session: DbSession, query: CallListQuery = Query()) -> Any:
    rows = await Repository(session, kind, org.org_id).list(query, *query.where())
    return JSONResponse([kind.render(row) for row in rows])


@router.get(
    "/{id}", response_model=Call, operation_id="CallController_findOne", summary="Get a call"
)
async def get_one(id: UUID, org: CurrentOrg, session: DbSession) -> Any:
    row = await Repository(session, kind, org.org_id).get(str(id))
    return JSONResponse(kind.render(row))


@router.patch(
    "/{id}", response_model=Call, operation_id="CallController_update", summary="Rename a call"
)
async def update_one(id: UUID, body: UpdateCallDTO, org: CurrentOrg, session: DbSession) -> Any:
    await Repository(session, kind, org.org_id).get(str(id))  # another org's is a 404
    await session.commit()  # ends the read: SQLite's one writer lock is the write's (below)
    # A compare-and-set: a live call's own writes (its status, its end) are never overwritten.
    written = await write(str(id), body.to_wire())
    if written is None:
        raise NotFound(f"{kind.noun} not found")  # deleted meanwhile
    return JSONResponse(shown(written[1]))


@router.delete(
    "/{id}",
    response_model=Call,
    operation_id="CallController_deleteCallData",
    summary="Delete a call, or the calls listed in `ids`",
)
async def remove_one(
    effects: Effects,
    id: UUID,
    org: CurrentOrg,
    session: DbSession,
    body: Annotated[DeleteCallDTO | None, Body()] = None,
) -> Any:
    """With `ids`, the calls listed there are deleted instead of the one in the path (as in
    Vapi). Vapi deletes them in the background and reports each outcome to the org's server
    URL; voxgate deletes them at once, skipping ids unknown in the caller's org, and returns
    one of them: the path's call when it is listed, else the first listed call found. Nothing
    found to delete is a 404. A deleted call's recordings and log go once the delete is
    committed."""
    repo = Repository(session, kind, org.org_id)
    ids = list(dict.fromkeys(body.ids)) if body and body.ids else [str(id)]
    ids = [call_id for call_id in ids if is_uuid(call_id)]  # no other id is stored
    found = {row.id: row for row in await repo.list(ListQuery(limit=len(ids)), CallRow.id.in_(ids))}
    rows = [found[call_id] for call_id in ids if call_id in found]
    if not rows:
        raise NotFound(f"{kind.noun} not found")
    shown = found.get(str(id), rows[0])
    rendered = kind.render(shown)
    for row in rows:
        await repo.delete(row)
        effects.after_commit(partial(remove_artifacts, row.id))
    return JSONResponse(rendered)
