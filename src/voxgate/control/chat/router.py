"""`/chat`: create (answered whole, or streamed as server-sent events), list a page, get, delete.

A streamed chat answers 200 with `text/event-stream`: one `data: {"id", "path", "delta"}` event
per piece of the answer (`id` is the chat's id, `path` is `chat.output[0].content`), and the
stream ends when the answer does (no terminator: Vapi's documented clients parse every `data:`
line as JSON); the chat is stored then. Failures: see running.py.
"""

import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, StreamingResponse

from voxgate.auth.deps import CurrentOrg, DbSession
from voxgate.control.chat.running import Streamed, run_whole
from voxgate.control.chat.schemas import ChatPageQuery
from voxgate.control.chat.service import kind, output_path, prepare_chat
from voxgate.control.crud import Repository
from voxgate.control.listing import pagination
from voxgate.wire.chat import Chat, ChatPaginatedResponse, CreateChatDTO, CreateChatStreamResponse

router = APIRouter(prefix="/chat", tags=["Chats"])

RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "With `stream: true`: server-sent events, one per piece of the answer.",
        "content": {"text/event-stream": {"schema": CreateChatStreamResponse.model_json_schema()}},
    },
    502: {
        "description": "The assistant's model failed before answering.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
    },
}


async def _events(streamed: Streamed) -> AsyncIterator[str]:
    async for piece in streamed.pieces():
        event = {"id": streamed.chat.id, "path": output_path(streamed.chat), "delta": piece}
        yield f"data: {json.dumps(event)}\n\n"


@router.post(
    "",
    status_code=201,
    response_model=Chat,
    responses=RESPONSES,
    operation_id="ChatController_createChat",
    summary="Ask an assistant in text; the answer whole, or streamed",
)
async def create_one(body: CreateChatDTO, org: CurrentOrg, session: DbSession) -> Any:
    data = body.model_dump(mode="json", by_alias=True, exclude_unset=True, exclude_none=True)
    chat = await prepare_chat(session, org.org_id, data)
    if not body.stream:
        row = await run_whole(session, org.org_id, chat)
        return JSONResponse(kind.render(row), status_code=201)
    streamed = Streamed(org.org_id, chat)
    await streamed.start()
    return StreamingResponse(_events(streamed), media_type="text/event-stream")


@router.get(
    "",
    response_model=ChatPaginatedResponse,
    operation_id="ChatController_listChats",
    summary="List chats, one page at a time",
)
async def list_page(org: CurrentOrg, session: DbSession, query: ChatPageQuery = Query()) -> Any:
    rows, total = await Repository(session, kind, org.org_id).page(query, *query.where())
    results = [kind.render(row) for row in rows]
    return JSONResponse({"results": results, "metadata": pagination(query, total)})


@router.get(
    "/{id}", response_model=Chat, operation_id="ChatController_getChat", summary="Get a chat"
)
async def get_one(id: UUID, org: CurrentOrg, session: DbSession) -> Any:
    row = await Repository(session, kind, org.org_id).get(str(id))
    return JSONResponse(kind.render(row))


@router.delete(
    "/{id}", response_model=Chat, operation_id="ChatController_deleteChat", summary="Delete a chat"
)
async def remove_one(id: UUID, org: CurrentOrg, session: DbSession) -> Any:
    repo = Repository(session, kind, org.org_id)
    row = await repo.get(str(id))
    rendered = kind.render(row)
    await repo.delete(row)
    return JSONResponse(rendered)
