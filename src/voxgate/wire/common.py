"""Shapes shared by several resources: the envelope, server, pagination, subscription enums."""

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, Strict

from voxgate.kit.schema import AS_SENT, KEEP_INT, OpenModel, WireModel

ClientMessageType = Literal[
    "assistant.speechStarted", "assistant.started", "conversation-update", "function-call",
    "function-call-result", "hang", "language-changed", "metadata", "model-output",
    "speech-update", "status-update", "tool-calls", "tool-calls-result", "tool.completed",
    "transcript", "transfer-update", "user-interrupted", "voice-input", "workflow.node.started",
]  # fmt: skip

ServerMessageType = Literal[
    "assistant.speechStarted", "assistant.started", "call.delete.failed", "call.deleted",
    "chat.created", "chat.deleted", "conversation-update", "end-of-call-report", "function-call",
    "handoff-destination-request", "hang", "language-change-detected", "language-changed",
    "model-output", "phone-call-control", "session.created", "session.deleted",
    "session.updated", "speech-update", "status-update", "tool-calls", "transcript",
    'transcript[transcriptType="final"]', "transfer-destination-request", "transfer-update",
    "user-interrupted", "voice-input",
]  # fmt: skip


class Server(OpenModel):
    """Where server messages for this resource go. `secret` is the legacy X-Vapi-Secret."""

    url: str | None = None
    timeout_seconds: Annotated[float, Strict(), Field(ge=1, le=300), KEEP_INT, AS_SENT] | None = (
        Field(default=None, alias="timeoutSeconds")
    )
    headers: dict[str, Any] | None = None
    credential_id: str | None = Field(default=None, alias="credentialId")
    backoff_plan: dict[str, Any] | None = Field(default=None, alias="backoffPlan")
    static_ip_addresses_enabled: bool | None = Field(default=None, alias="staticIpAddressesEnabled")
    encrypted_paths: list[str] | None = Field(default=None, alias="encryptedPaths")
    secret: str | None = Field(default=None, deprecated=True)


class Envelope(WireModel):
    """The four server-managed fields of every stored resource."""

    model_config = ConfigDict(extra="allow")

    id: str
    org_id: str = Field(alias="orgId")
    created_at: str = Field(alias="createdAt", json_schema_extra={"format": "date-time"})
    updated_at: str = Field(alias="updatedAt", json_schema_extra={"format": "date-time"})


class PaginationMeta(WireModel):
    items_per_page: int = Field(alias="itemsPerPage")
    total_items: int = Field(alias="totalItems")
    current_page: int = Field(alias="currentPage")
    total_pages: int | None = Field(default=None, alias="totalPages")
    has_next_page: bool | None = Field(default=None, alias="hasNextPage")
    sort_order: Literal["ASC", "DESC"] | None = Field(default=None, alias="sortOrder")
