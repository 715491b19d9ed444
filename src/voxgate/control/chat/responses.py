"""`POST /chat/responses`: a chat (the same rules, the same stored `Chat`) answered in the form of
OpenAI's Responses API, so OpenAI's clients pointed at `<voxgate>/chat` work (VAPI-BEHAVIOUR
§9.4). A response's id is its chat's id.

Streamed (the default): `response.output_text.delta` per piece of the answer, then
`response.output_text.done` and `response.completed` (sent once the chat is stored), each as
OpenAI sends them (`event:` and `data:` lines, a `sequence_number`); a model failing mid-answer
ends the stream with an `error` event. Failing before its first piece, it is a 502.
"""

import json
import time
from collections.abc import AsyncIterator
from itertools import count
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, StreamingResponse

from voxgate.auth.deps import CurrentOrg, DbSession
from voxgate.control.chat.router import RESPONSES
from voxgate.control.chat.running import Streamed, run_whole
from voxgate.control.chat.service import prepare_chat
from voxgate.errors import BadRequest
from voxgate.kit.schema import WireModel
from voxgate.wire.chat_responses import (
    OpenAIResponsesRequest,
    ResponseCompletedEvent,
    ResponseErrorEvent,
    ResponseObject,
    ResponseOutputMessage,
    ResponseOutputText,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
)

router = APIRouter(prefix="/chat", tags=["Chats"])
TWO_PREVIOUS = "Only one of `previousChatId` and `previous_response_id` may be set."
_STREAMED = {
    **RESPONSES,
    200: {
        "description": "Unless `stream` is false: OpenAI's Responses stream events.",
        "content": {"text/event-stream": {"schema": {"type": "object"}}},
    },
}


def _response(chat_id: str, created_at: int, text: str) -> ResponseObject:
    content = [ResponseOutputText(text=text)]
    item = ResponseOutputMessage(id=_item_id(chat_id), status="completed", content=content)
    return ResponseObject(id=chat_id, created_at=created_at, status="completed", output=[item])


def _item_id(chat_id: str) -> str:
    return f"msg_{chat_id.replace('-', '')}"


def _sse(event: WireModel) -> str:
    data = event.model_dump(mode="json")
    return f"event: {data['type']}\ndata: {json.dumps(data)}\n\n"


async def _events(streamed: Streamed, created_at: int) -> AsyncIterator[str]:
    item_id, sequence = _item_id(streamed.chat.id), count()
    async for piece in streamed.pieces():
        delta = ResponseTextDeltaEvent(item_id=item_id, delta=piece, sequence_number=next(sequence))
        yield _sse(delta)
    if streamed.failure is not None:
        message = f"The assistant's model failed: {streamed.failure}"
        yield _sse(
            ResponseErrorEvent(code="model_failed", message=message, sequence_number=next(sequence))
        )
        return
    text = streamed.text
    yield _sse(ResponseTextDoneEvent(item_id=item_id, text=text, sequence_number=next(sequence)))
    response = _response(streamed.chat.id, created_at, text)
    yield _sse(ResponseCompletedEvent(response=response, sequence_number=next(sequence)))


@router.post(
    "/responses",
    status_code=201,
    response_model=ResponseObject,
    responses=_STREAMED,
    operation_id="ChatController_createOpenAIChat",
    summary="Ask an assistant in text, answered as OpenAI's Responses API answers",
)
async def create_response(body: OpenAIResponsesRequest, org: CurrentOrg, session: DbSession) -> Any:
    data = body.model_dump(mode="json", by_alias=True, exclude_unset=True, exclude_none=True)
    data.pop("model", None)
    previous = data.pop("previous_response_id", None)
    if previous is not None:
        if "previousChatId" in data:
            raise BadRequest(TWO_PREVIOUS)
        data["previousChatId"] = previous
    chat = await prepare_chat(session, org.org_id, data)
    if not body.stream:
        row = await run_whole(session, org.org_id, chat)
        text = row.data["output"][-1]["content"]  # after any tool calls
        created_at = int(row.created_at.timestamp())
        body_out = _response(row.id, created_at, text).model_dump(mode="json")
        return JSONResponse(body_out, status_code=201)
    streamed = Streamed(org.org_id, chat)
    await streamed.start()
    events = _events(streamed, int(time.time()))
    return StreamingResponse(events, media_type="text/event-stream")
