"""A call's `transport`, picked by `provider`: the vapi websocket, the carriers, Daily web calls.

`VapiWebsocketTransport` is the one voxgate serves today; the others are accepted as Vapi
spells them so that a create naming them gets a clear business-rule 400 rather than a shape
error. `websocketCallUrl` is not in Vapi's published schema, but clients read it from the
created call (VAPI-BEHAVIOUR §3.7), so it is declared here, read-only: the server sets it.
"""

from typing import Annotated, Any, Literal

from pydantic import (
    Discriminator,
    Field,
    Strict,
    Tag,
)

from voxgate.kit.schema import AS_SENT, KEEP_INT, WireModel

ConversationType = Literal["voice"]
WEBSOCKET = "vapi.websocket"


SampleRate = Annotated[float, Strict(), Field(ge=0, le=192000), KEEP_INT, AS_SENT]
DialTimeout = Annotated[float, Strict(), Field(ge=1, le=600), KEEP_INT, AS_SENT]


class AudioFormat(WireModel):
    """Raw mono audio on the websocket, both directions."""

    format: Literal["pcm_s16le", "mulaw"]
    container: Literal["raw"] | None = None
    sample_rate: SampleRate = Field(alias="sampleRate")


# What the socket carries when the client does not say (Vapi's documented default).
DEFAULT_AUDIO_FORMAT: dict[str, Any] = {
    "format": "pcm_s16le",
    "container": "raw",
    "sampleRate": 16000,
}


class VapiWebsocketTransport(WireModel):
    provider: Literal["vapi.websocket"]
    audio_format: AudioFormat | None = Field(default=None, alias="audioFormat")
    conversation_type: ConversationType | None = Field(default=None, alias="conversationType")
    websocket_call_url: str | None = Field(
        default=None,
        alias="websocketCallUrl",
        description="Where the client opens the call's audio socket. Set by the server.",
        json_schema_extra={"readOnly": True},
    )


class VonageTransport(WireModel):
    provider: Literal["vonage"]
    conversation_type: ConversationType | None = Field(default=None, alias="conversationType")
    conversation_uuid: str | None = Field(default=None, alias="conversationUUID")
    call_uuid: str | None = Field(default=None, alias="callUUID")


class TwilioTransport(WireModel):
    provider: Literal["twilio"]
    conversation_type: ConversationType | None = Field(default=None, alias="conversationType")
    account_sid: str | None = Field(default=None, alias="accountSid")
    call_sid: str | None = Field(default=None, alias="callSid")
    call_token: str | None = Field(default=None, alias="callToken")
    forwarded_from: str | None = Field(default=None, alias="forwardedFrom")


class VapiSipTransport(WireModel):
    provider: Literal["vapi.sip"]
    conversation_type: ConversationType | None = Field(default=None, alias="conversationType")
    dial_timeout: DialTimeout | None = Field(default=None, alias="dialTimeout")
    sbc_call_sid: str | None = Field(default=None, alias="sbcCallSid")
    call_sid: str | None = Field(default=None, alias="callSid")


class TelnyxTransport(WireModel):
    provider: Literal["telnyx"]
    conversation_type: ConversationType | None = Field(default=None, alias="conversationType")
    call_control_id: str | None = Field(default=None, alias="callControlId")
    call_leg_id: str | None = Field(default=None, alias="callLegId")
    call_session_id: str | None = Field(default=None, alias="callSessionId")


class VapiWebCallTransport(WireModel):
    provider: Literal["daily"]
    conversation_type: ConversationType | None = Field(default=None, alias="conversationType")
    room_delete_on_user_leave_enabled: bool | None = Field(
        default=None, alias="roomDeleteOnUserLeaveEnabled"
    )
    call_url: str | None = Field(default=None, alias="callUrl")
    call_sip_uri: str | None = Field(default=None, alias="callSipUri")


PROVIDERS = (WEBSOCKET, "vonage", "twilio", "vapi.sip", "telnyx", "daily")


def _tag(provider: object) -> str:
    # Bracketed, so the error wording drops it from a field's path like pydantic's own branch
    # names: `transport.audioFormat.format ...`, not `transport.vapi.websocket.audioFormat...`.
    return f"transport[{provider}]"


def _variant(value: Any) -> str | None:
    if not isinstance(value, dict):
        return _tag(WEBSOCKET)  # any variant answers "transport must be an object"
    provider = value.get("provider")
    return _tag(provider) if provider in PROVIDERS else None


Transport = Annotated[
    Annotated[VapiWebsocketTransport, Tag(_tag(WEBSOCKET))]
    | Annotated[VonageTransport, Tag(_tag("vonage"))]
    | Annotated[TwilioTransport, Tag(_tag("twilio"))]
    | Annotated[VapiSipTransport, Tag(_tag("vapi.sip"))]
    | Annotated[TelnyxTransport, Tag(_tag("telnyx"))]
    | Annotated[VapiWebCallTransport, Tag(_tag("daily"))],
    Field(
        discriminator=Discriminator(
            _variant,
            custom_error_type="union_tag_invalid",
            custom_error_context={
                "discriminator": "provider",
                "tag": "",
                "expected_tags": ", ".join(PROVIDERS),
            },
        )
    ),
]
