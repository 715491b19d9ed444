"""Session: `CreateSessionDTO`, `UpdateSessionDTO`, `Session`, `SessionPaginatedResponse` (§9.4).

A session is a conversation kept across chats: one assistant (`assistantId` or `assistant`, with
`assistantOverrides`), the messages so far, and a life (`status`, `expirationSeconds`). A chat
naming the session is answered by its assistant, given its messages, and appends to them.
"""

from typing import Annotated, Any, Literal

from pydantic import Field, Strict

from voxgate.kit.schema import AS_SENT, KEEP_INT, WireModel
from voxgate.wire.assistant import AssistantOverrides, CreateAssistantDTO
from voxgate.wire.call import CreateCustomerDTO
from voxgate.wire.chat import ChatMessage
from voxgate.wire.common import Envelope, PaginationMeta
from voxgate.wire.squad import CreateSquadDTO

SessionStatus = Literal["active", "completed"]
DEFAULT_EXPIRATION_SECONDS = 86400
Expiration = Annotated[float, Strict(), Field(ge=60, le=2592000), KEEP_INT, AS_SENT]


class SessionLife(WireModel):
    """What an update may change."""

    name: str | None = Field(default=None, max_length=40)
    status: SessionStatus | None = None
    expiration_seconds: Expiration | None = Field(
        default=None,
        alias="expirationSeconds",
        description="How long after its creation the session takes chats (default 86400).",
    )
    messages: list[ChatMessage] | None = None


class SessionFields(SessionLife):
    assistant_id: str | None = Field(default=None, alias="assistantId")
    assistant: CreateAssistantDTO | None = None
    assistant_overrides: AssistantOverrides | None = Field(default=None, alias="assistantOverrides")
    # Declared so that a session naming a squad gets a clear 400 rather than a shape error.
    squad_id: str | None = Field(default=None, alias="squadId")
    squad: CreateSquadDTO | None = None
    customer_id: str | None = Field(default=None, alias="customerId")
    customer: CreateCustomerDTO | None = None
    phone_number_id: str | None = Field(default=None, alias="phoneNumberId")
    # A transient number is kept as sent: voxgate places no phone calls or SMS yet.
    phone_number: dict[str, Any] | None = Field(default=None, alias="phoneNumber")


class CreateSessionDTO(SessionFields):
    pass


class UpdateSessionDTO(SessionLife):
    pass


class Session(Envelope, SessionFields):
    status: SessionStatus = "active"
    cost: float = 0
    costs: list[dict[str, Any]] = Field(default_factory=list)


class SessionPaginatedResponse(WireModel):
    results: list[Session]
    metadata: PaginationMeta
