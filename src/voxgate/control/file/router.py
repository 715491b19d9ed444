"""`/file`: multipart upload, list, get, rename, delete, and the content the record's `url` names.

The five reference operations keep their operationIds; the download is our own addition, since
`File.url` must point somewhere a client can fetch the bytes with its key.
"""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Query
from fastapi.responses import FileResponse, JSONResponse
from sqlalchemy import or_

from voxgate.auth.deps import CurrentOrg, DbSession
from voxgate.control.crud import Kind, Repository, merge
from voxgate.control.file import service
from voxgate.control.file.schemas import UNLISTED_PURPOSE, CreateFileDTO, FileListQuery
from voxgate.control.file.storage import Effects, file_store
from voxgate.db.base import new_id
from voxgate.db.models import File as FileRow
from voxgate.errors import NotFound
from voxgate.wire.file import File, UpdateFileDTO

kind = Kind(
    FileRow, "File", columns=lambda data: {"purpose": data.get("purpose")}, render=service.render
)

router = APIRouter(prefix="/file", tags=["Files"])

# Served with the media type of the upload, whatever it is; always as an attachment, never
# sniffed, so an uploaded page cannot run as ours in a browser.
CONTENT = {
    "description": "The uploaded bytes, with the media type they were uploaded with.",
    "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
}
NO_SNIFF = {"X-Content-Type-Options": "nosniff"}

Upload = Annotated[CreateFileDTO, Form(media_type="multipart/form-data")]


@router.post(
    "",
    status_code=201,
    response_model=File,
    operation_id="FileController_create",
    summary="Upload a file",
)
async def create_file(effects: Effects, body: Upload, org: CurrentOrg, session: DbSession) -> Any:
    metadata = service.parse_metadata(body.metadata)
    file_id = new_id()
    key = f"{org.org_id}/{file_id}"
    store = file_store()
    size = await store.put(key, body.file.file)
    effects.undo_on_failure(lambda: store.remove(key))
    document = service.describe(body.file, key, size, body.purpose, metadata)
    row = await Repository(session, kind, org.org_id).create(document, id=file_id)
    return JSONResponse(kind.render(row), status_code=201)


@router.get(
    "",
    response_model=list[File],
    operation_id="FileController_findAll",
    summary="List files",
)
async def list_files(org: CurrentOrg, session: DbSession, query: FileListQuery = Query()) -> Any:
    if query.purpose is not None:
        where = FileRow.purpose == query.purpose
    else:
        where = or_(FileRow.purpose.is_(None), FileRow.purpose != UNLISTED_PURPOSE)
    rows = await Repository(session, kind, org.org_id).list(query, where)
    return JSONResponse([kind.render(row) for row in rows])


@router.get(
    "/{id}", response_model=File, operation_id="FileController_findOne", summary="Get a file"
)
async def get_file(id: UUID, org: CurrentOrg, session: DbSession) -> Any:
    row = await Repository(session, kind, org.org_id).get(str(id))
    return JSONResponse(kind.render(row))


@router.get(
    "/{id}/content",
    response_class=FileResponse,
    operation_id="FileController_download",
    summary="Download a file's content",
    responses={200: CONTENT},
)
async def download_file(id: UUID, org: CurrentOrg, session: DbSession) -> FileResponse:
    row = await Repository(session, kind, org.org_id).get(str(id))
    path = file_store().path(row.data["key"])
    if not path.is_file():
        raise NotFound("File content not found")
    return FileResponse(
        path,
        media_type=row.data.get("mimetype"),
        filename=row.data.get("originalName"),
        headers=NO_SNIFF,
    )


@router.patch(
    "/{id}", response_model=File, operation_id="FileController_update", summary="Rename a file"
)
async def update_file(id: UUID, body: UpdateFileDTO, org: CurrentOrg, session: DbSession) -> Any:
    repo = Repository(session, kind, org.org_id)
    row = await repo.get(str(id))
    row = await repo.update(row, merge(row.data, body.to_wire()))
    return JSONResponse(kind.render(row))


@router.delete(
    "/{id}", response_model=File, operation_id="FileController_remove", summary="Delete a file"
)
async def remove_file(effects: Effects, id: UUID, org: CurrentOrg, session: DbSession) -> Any:
    repo = Repository(session, kind, org.org_id)
    row = await repo.get(str(id))
    rendered = kind.render(row)
    key = row.data["key"]
    await repo.delete(row)
    effects.after_commit(lambda: file_store().remove(key))
    return JSONResponse(rendered)
