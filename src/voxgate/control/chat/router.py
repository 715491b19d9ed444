"""`/chat`: create (answered whole, or streamed as server-sent events), list a page, get, delete.

A streamed chat answers 200 with `text/event-stream`: one `data: {"id", "path", "delta"}` event
per piece of the answer (`id` is the chat's id, `path` is `chat.output[0].content`), and the
stream ends when the answer does; the chat is stored then. The first piece is awaited before
the response starts, so a model that fails at once is a 502 in Vapi's error shape, not an empty
stream. A model that fails mid-answer ends the stream early and nothing is stored.
"""

import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, StreamingResponse
from loguru import logger

from voxgate.auth.deps import CurrentOrg, DbSession
from voxgate.control.chat.schemas import ChatPageQuery
from voxgate.control.chat.service import OUTPUT_PATH, PreparedChat, kind, prepare_chat, store_chat
from voxgate.control.crud import Repository
from voxgate.control.listing import pagination
from voxgate.db.session import get_sessionmaker
from voxgate.engine.chat import ChatFailed, answer
from voxgate.errors import BadGateway
from voxgate.wire.chat import Chat, ChatPaginatedResponse, CreateChatDTO, CreateChatStreamResponse

router = APIRouter(prefix="/chat", tags=["Chats"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "With `stream: true`: server-sent events, one per piece of the answer.",
        "content": {"text/event-stream": {"schema": CreateChatStreamResponse.model_json_schema()}},
    },
    502: {
        "description": "The assistant's model failed before answering.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
    },
}


def _event(chat_id: str, delta: str) -> str:
    return f"data: {json.dumps({'id': chat_id, 'path': OUTPUT_PATH, 'delta': delta})}\n\n"


async def _stream(org_id: str, chat: PreparedChat, pieces: AsyncIterator[str], first: str) -> Any:
    text = first
    if first:
        yield _event(chat.id, first)
    try:
        async for piece in pieces:
            text += piece
            yield _event(chat.id, piece)
    except ChatFailed as error:
        logger.warning(f"chat {chat.id} failed mid-answer: {error}")
        return
    async with get_sessionmaker()() as session:
        await store_chat(session, org_id, chat, text)
        await session.commit()


@router.post(
    "",
    status_code=201,
    response_model=Chat,
    responses=_RESPONSES,
    operation_id="ChatController_createChat",
    summary="Ask an assistant in text; the answer whole, or streamed",
)
async def create_one(body: CreateChatDTO, org: CurrentOrg, session: DbSession) -> Any:
    data = body.model_dump(mode="json", by_alias=True, exclude_unset=True, exclude_none=True)
    chat = await prepare_chat(session, org.org_id, data)
    if not body.stream:
        try:
            text = await answer(chat.turn)
        except ChatFailed as error:
            raise BadGateway(f"The assistant's model failed: {error}") from None
        row = await store_chat(session, org.org_id, chat, text)
        return JSONResponse(kind.render(row), status_code=201)
    pieces = aiter(chat.turn.pieces())
    try:
        first = await anext(pieces)
    except StopAsyncIteration:
        first = ""  # the model answered nothing
    except ChatFailed as error:
        raise BadGateway(f"The assistant's model failed: {error}") from None
    return StreamingResponse(
        _stream(org.org_id, chat, pieces, first), media_type="text/event-stream"
    )


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
