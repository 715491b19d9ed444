"""Chat: `CreateChatDTO`, `Chat`, `ChatPaginatedResponse`, `CreateChatStreamResponse` (§9.4).

A chat is one exchange in text with an assistant: the client's `input` (a string or messages),
the conversation it continues (`previousChatId`), and the assistant's answer in `output`.
Messages are OpenAI's `{role, content}`, as Vapi's chat docs show them; see `chat_message`.
"""

from typing import Annotated, Any, Literal

from pydantic import Field

from voxgate.kit.schema import OpenModel, WireModel
from voxgate.wire.assistant import AssistantOverrides, CreateAssistantDTO
from voxgate.wire.common import Envelope, PaginationMeta
from voxgate.wire.squad import CreateSquadDTO

Role = Literal["system", "user", "assistant", "tool", "developer"]


class ChatMessage(OpenModel):
    """One message of a conversation. `content` is OpenAI's text; `message` (the official
    SDK's `SystemMessage`/`UserMessage` shape) is read in its place when `content` is absent.
    Other keys (`name`, `tool_calls`, `tool_call_id`…) are kept as sent."""

    role: Role
    content: str | None = Field(default=None, max_length=10000)
    message: str | None = None


class ChatFields(WireModel):
    """Who answers (`assistantId` or `assistant`, with `assistantOverrides`) and what it is
    asked (`input`); `previousChatId` continues an earlier chat, its assistant included."""

    name: str | None = Field(default=None, max_length=40)
    assistant_id: str | None = Field(default=None, alias="assistantId")
    assistant: CreateAssistantDTO | None = None
    assistant_overrides: AssistantOverrides | None = Field(default=None, alias="assistantOverrides")
    # Declared so that a chat naming them gets a clear 400 rather than a shape error.
    squad_id: str | None = Field(default=None, alias="squadId")
    squad: CreateSquadDTO | None = None
    session_id: str | None = Field(default=None, alias="sessionId")
    previous_chat_id: str | None = Field(default=None, alias="previousChatId")
    transport: dict[str, Any] | None = None


# At least one message: the model must be asked something.
Input = str | Annotated[list[ChatMessage], Field(min_length=1)]


class CreateChatDTO(ChatFields):
    input: Input
    stream: bool = Field(
        default=False, description="Answer with server-sent events, one per piece of text."
    )


class Chat(Envelope, ChatFields):
    input: str | list[ChatMessage] | None = None
    messages: list[ChatMessage] = Field(
        default_factory=list, description="The conversation before the answer, input included."
    )
    output: list[ChatMessage] = Field(default_factory=list, description="The assistant's answer.")
    cost: float = 0
    costs: list[dict[str, Any]] = Field(default_factory=list)


class ChatPaginatedResponse(WireModel):
    results: list[Chat]
    metadata: PaginationMeta


class CreateChatStreamResponse(WireModel):
    """One server-sent event of a streamed chat: `delta` is the next piece of the answer."""

    id: str = Field(description="The chat's id.")
    path: str = Field(examples=["chat.output[0].content"])
    delta: str
