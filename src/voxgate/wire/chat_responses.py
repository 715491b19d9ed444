"""`POST /chat/responses`, OpenAI's Responses API in form (VAPI-BEHAVIOUR §9.4):
`OpenAIResponsesRequest`, `ResponseObject` and the stream's events, named as in Vapi's document.

The request is a chat's (`wire/chat.py`), streamed unless `stream` is false, plus what OpenAI's
own clients send: `model` (always sent by them; the assistant's model answers, whatever it
names) and `previous_response_id` (the same as `previousChatId`: a response's id is its chat's).
"""

from typing import Any, Literal

from pydantic import Field

from voxgate.kit.schema import WireModel
from voxgate.wire.chat import ChatFields, Input


class OpenAIResponsesRequest(ChatFields):
    input: Input
    stream: bool = Field(default=True, description="Server-sent events unless false.")
    model: str | None = Field(default=None, description="Ignored: the assistant's model answers.")
    previous_response_id: str | None = Field(
        default=None, description="Same as `previousChatId`: a response's id is its chat's id."
    )


class ResponseOutputText(WireModel):
    type: Literal["output_text"] = "output_text"
    text: str
    annotations: list[dict[str, Any]] = Field(default_factory=list)


class ResponseOutputMessage(WireModel):
    id: str
    type: Literal["message"] = "message"
    role: Literal["assistant"] = "assistant"
    status: Literal["completed", "in_progress", "incomplete"]
    content: list[ResponseOutputText]


class ResponseObject(WireModel):
    id: str = Field(description="The chat's id.")
    object: Literal["response"] = "response"
    created_at: int = Field(description="Epoch seconds.")
    status: Literal["completed", "failed", "in_progress", "incomplete"]
    output: list[ResponseOutputMessage]
    error: str | None = None


class ResponseTextDeltaEvent(WireModel):
    type: Literal["response.output_text.delta"] = "response.output_text.delta"
    item_id: str
    output_index: int = 0
    content_index: int = 0
    delta: str
    sequence_number: int


class ResponseTextDoneEvent(WireModel):
    type: Literal["response.output_text.done"] = "response.output_text.done"
    item_id: str
    output_index: int = 0
    content_index: int = 0
    text: str
    sequence_number: int


class ResponseCompletedEvent(WireModel):
    type: Literal["response.completed"] = "response.completed"
    response: ResponseObject
    sequence_number: int


class ResponseErrorEvent(WireModel):
    type: Literal["error"] = "error"
    code: str
    message: str
    param: str | None = None
    sequence_number: int
