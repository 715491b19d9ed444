"""Call: `CreateCallDTO`, `UpdateCallDTO`, `DeleteCallDTO`, `Call` (VAPI-BEHAVIOUR §3).

A stored call is the echo of its create request plus what the server adds (`type`, `status`,
`cost`, `monitor`, `transport.websocketCallUrl`). Who talks is kept as the client named it
(`assistantId`, `assistant` + `assistantOverrides`, …): the engine resolves it when the call
connects, so edits to a saved assistant made before then still apply.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from voxgate.kit.schema import WireModel
from voxgate.wire.assistant import AssistantOverrides, CreateAssistantDTO
from voxgate.wire.common import Envelope
from voxgate.wire.squad import CreateSquadDTO
from voxgate.wire.transport import Transport

CallType = Literal["inboundPhoneCall", "outboundPhoneCall", "vapi.websocketCall", "webCall"]
CallStatus = Literal[
    "scheduled", "queued", "ringing", "in-progress", "forwarding", "ended",
    "not-found", "deletion-failed",
]  # fmt: skip
Plan = dict[str, Any]


def _iso(value: str) -> str:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise PydanticCustomError("datetime_parsing", "invalid date") from None
    return value


# Checked as a date-time but kept as sent, so the echo is the client's own string.
IsoDateTime = Annotated[
    str, AfterValidator(_iso), WithJsonSchema({"type": "string", "format": "date-time"})
]


class SchedulePlan(WireModel):
    earliest_at: IsoDateTime = Field(alias="earliestAt")
    latest_at: IsoDateTime | None = Field(default=None, alias="latestAt")


class CreateCustomerDTO(WireModel):
    """Who is on the other end; its fields are also Liquid variables (`{{customer.name}}`)."""

    number: str | None = Field(default=None, min_length=3, max_length=40)
    sip_uri: str | None = Field(default=None, alias="sipUri")
    name: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=40)
    external_id: str | None = Field(default=None, max_length=40, alias="externalId")
    extension: str | None = Field(default=None, max_length=10)
    number_e164_check_enabled: bool | None = Field(default=None, alias="numberE164CheckEnabled")
    assistant_overrides: AssistantOverrides | None = Field(default=None, alias="assistantOverrides")


class Monitor(WireModel):
    listen_url: str | None = Field(
        default=None, alias="listenUrl", description="Websocket streaming the live call's audio."
    )
    control_url: str | None = Field(
        default=None, alias="controlUrl", description="POST live-control messages here."
    )


class CallFields(WireModel):
    """What a create names, stored and returned as sent. One of `assistantId`, `assistant`,
    `squadId` and `squad` says who talks (none: the org's server is asked, `assistant-request`);
    workflows are not supported."""

    name: str | None = Field(default=None, max_length=40)
    assistant_id: str | None = Field(default=None, alias="assistantId")
    assistant: CreateAssistantDTO | None = None
    assistant_overrides: AssistantOverrides | None = Field(default=None, alias="assistantOverrides")
    squad_id: str | None = Field(default=None, alias="squadId")
    squad: CreateSquadDTO | None = None
    squad_overrides: AssistantOverrides | None = Field(default=None, alias="squadOverrides")
    # Declared so that a create naming a workflow gets a clear 400 rather than a shape error.
    workflow_id: str | None = Field(default=None, alias="workflowId")
    workflow: Plan | None = None
    workflow_overrides: Plan | None = Field(default=None, alias="workflowOverrides")
    # Phone calls (a number and a carrier) are refused until voxgate has a carrier, so the
    # transient number is kept as an object rather than typed.
    phone_number_id: str | None = Field(default=None, alias="phoneNumberId")
    phone_number: Plan | None = Field(default=None, alias="phoneNumber")
    customer_id: str | None = Field(default=None, alias="customerId")
    customer: CreateCustomerDTO | None = None
    schedule_plan: SchedulePlan | None = Field(default=None, alias="schedulePlan")
    transport: Transport | None = None
    # Unpublished fields Vapi accepts and clients send (VAPI-BEHAVIOUR §1.8); the SDK sends
    # `squadVersion` too. voxgate keeps no versions: they are stored and echoed.
    metadata: Plan | None = None
    assistant_version: str | None = Field(default=None, alias="assistantVersion")
    squad_version: str | None = Field(default=None, alias="squadVersion")


class CreateCallDTO(CallFields):
    customers: list[CreateCustomerDTO] | None = Field(
        default=None, description="Batch of outbound phone calls, one per customer."
    )


class UpdateCallDTO(WireModel):
    name: str | None = Field(default=None, max_length=40)


class DeleteCallDTO(WireModel):
    ids: list[str] | None = Field(
        default=None,
        max_length=1000,
        description="Calls to delete instead of the one in the path (same organization).",
    )


class Call(Envelope, CallFields):
    type: CallType
    status: CallStatus
    cost: float = 0
    monitor: Monitor | None = None


class CallBatchError(WireModel):
    customer: CreateCustomerDTO
    error: str


class CallBatchResponse(WireModel):
    """`POST /call` with `customers` (more than one): the calls placed and the ones that were
    not, each with its reason."""

    results: list[Call]
    errors: list[CallBatchError]
