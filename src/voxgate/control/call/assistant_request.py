"""`assistant-request` (VAPI-BEHAVIOUR §4.2 dynamic routing, §5.3): a call that names no
assistant or squad asks its server for one when the client connects.

The message carries the common fields (`call`, `customer`, `phoneNumber`, `timestamp`; no
`assistant` yet) and goes to the first server of phone number → org, with the FIXED 7.5 s
deadline whatever the server's `timeoutSeconds` says. The reply (bare or wrapped in
`messageResponse`, webhooks/request.py unwraps it) is read with the precedence
`error` > `destination` > assistant or squad:

- `error`: the text is spoken, then the call ends with `assistant-request-returned-error`;
  an `error` that is not text with words in it cannot be spoken:
  `assistant-request-returned-unspeakable-error`.
- `destination` (a number or a SIP URI): a phone call is forwarded there with no AI (runner.py,
  through its carrier); a websocket call cannot be. Either way it ends with `assistant-request-
  returned-forwarding-phone-number`, Vapi's reason for the server answering with a forwarding
  destination (the reasons for transfers, `call.in-progress.error-transfer-failed` and the like,
  are about a transfer tried during a call).
- `assistant` | `assistantId` | `squad` | `squadId` (the first present in that order), with
  `assistantOverrides` or `squadOverrides`: checked as `POST /call` checks them (the assistant
  exists in the org and can run here, the squad exists or is valid), then stored on the call
  as a created call names them, so `GET /call` shows them, and run.
- A saved assistant or squad that does not exist, a shape Vapi's schema refuses, an assistant
  this server cannot run, or a workflow (voxgate runs none):
  `assistant-request-returned-invalid-assistant`; none of the above at all:
  `assistant-request-returned-no-assistant`; no usable reply (a timeout, a non-2xx, a body
  that is not a JSON object): `assistant-request-failed`; no server to ask (the org's server
  was removed after the call was created): `call-start-error-neither-assistant-nor-server-set`.
"""

import time
from dataclasses import dataclass
from typing import Any

import structlog
from pydantic import Field, ValidationError

from voxgate.control.call.server_messages import DbServerMessages
from voxgate.control.call.service import SOURCES, check_source
from voxgate.control.crud import Document
from voxgate.db.session import get_sessionmaker
from voxgate.errors import BadRequest
from voxgate.kit.schema import WireModel
from voxgate.wire.assistant import AssistantOverrides, CreateAssistantDTO
from voxgate.wire.squad import CreateSquadDTO

log = structlog.get_logger()

DEADLINE_SECONDS = 7.5  # Vapi's fixed deadline for this message [docs]
FAILED = "assistant-request-failed"
RETURNED_ERROR = "assistant-request-returned-error"
UNSPEAKABLE = "assistant-request-returned-unspeakable-error"
FORWARDING = "assistant-request-returned-forwarding-phone-number"
INVALID = "assistant-request-returned-invalid-assistant"
NO_ASSISTANT = "assistant-request-returned-no-assistant"
NO_SERVER = "call-start-error-neither-assistant-nor-server-set"
REASONS = (FAILED, RETURNED_ERROR, UNSPEAKABLE, FORWARDING, INVALID, NO_ASSISTANT, NO_SERVER)
_WORKFLOW = ("workflowId", "workflow")


class _Chosen(WireModel):
    """The reply's part that says who talks, in the shapes of a `POST /call` body."""

    assistant_id: str | None = Field(default=None, alias="assistantId")
    assistant: CreateAssistantDTO | None = None
    assistant_overrides: AssistantOverrides | None = Field(default=None, alias="assistantOverrides")
    squad_id: str | None = Field(default=None, alias="squadId")
    squad: CreateSquadDTO | None = None
    squad_overrides: AssistantOverrides | None = Field(default=None, alias="squadOverrides")


@dataclass(frozen=True)
class Chosen:
    """Who talks, as the call stores it (`assistantId` + `assistantOverrides`…)."""

    fields: Document


@dataclass(frozen=True)
class Refused:
    """The call ends with `reason`, after `spoken` is said when there is one; a phone call is
    first forwarded to `destination` when the server named one."""

    reason: str
    spoken: str | None = None
    destination: dict[str, Any] | None = None


def needs_assistant(call: Document) -> bool:
    return not any(call.get(key) is not None for key in SOURCES)


async def ask(server: DbServerMessages, org_id: str) -> Chosen | Refused:
    """Sends `assistant-request` and reads the reply."""
    if not await server.has_server():
        return Refused(NO_SERVER)
    message = {"type": "assistant-request", "timestamp": round(time.time() * 1000)}
    reply = await server.request(message, timeout_seconds=DEADLINE_SECONDS)
    if reply is None:
        return Refused(FAILED)
    return await read_reply(org_id, reply)


async def read_reply(org_id: str, reply: dict[str, Any]) -> Chosen | Refused:
    if reply.get("error") is not None:
        text = reply["error"]
        speakable = isinstance(text, str) and any(c.isalnum() for c in text)
        return Refused(RETURNED_ERROR, text) if speakable else Refused(UNSPEAKABLE)
    if reply.get("destination") is not None:
        destination = reply["destination"]
        return Refused(
            FORWARDING, destination=destination if isinstance(destination, dict) else None
        )
    source = next((key for key in SOURCES if reply.get(key) is not None), None)
    if source is None:
        named_workflow = any(reply.get(key) is not None for key in _WORKFLOW)
        if named_workflow:
            log.warning("assistant-request: workflows are not supported")
        return Refused(INVALID if named_workflow else NO_ASSISTANT)
    overrides = "squadOverrides" if source.startswith("squad") else "assistantOverrides"
    picked = {key: reply[key] for key in (source, overrides) if reply.get(key) is not None}
    try:
        fields = _Chosen.model_validate(picked).model_dump(
            mode="json", by_alias=True, exclude_unset=True, exclude_none=True
        )
    except ValidationError as error:
        log.warning("assistant-request: the reply's assistant is not valid", error=str(error))
        return Refused(INVALID)
    try:
        async with get_sessionmaker()() as session:
            await check_source(session, org_id, fields)
    except BadRequest as error:
        log.warning("assistant-request: the reply's assistant cannot run", error=error.message)
        return Refused(INVALID)
    return Chosen(fields)
