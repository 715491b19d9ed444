"""Tools: 23 variants picked by `type` (VAPI-BEHAVIOUR §7.1), built from one table.

`CreateFunctionToolDTO`, `UpdateFunctionToolDTO` and `FunctionTool` (and so on for every type)
come out of `TOOLS`. Nested objects are typed as far as the engine needs them and otherwise kept
whole; fields a variant cannot work without stay required.
"""

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, Strict
from pydantic_core import PydanticCustomError

from voxgate.kit.schema import AS_SENT, KEEP_INT, Number, OpenModel, WireModel
from voxgate.wire._variants import Spec, optional, required, variant_models
from voxgate.wire.common import Envelope, Server

Plan = dict[str, Any]


class OpenAIFunction(WireModel):
    """The function the model sees: the name it calls and the JSON schema of its arguments."""

    name: str = Field(max_length=64, pattern=r"^[a-zA-Z0-9_-]{1,64}$")
    description: str | None = None
    parameters: Plan | None = None
    strict: bool | None = None


class ToolParameter(WireModel):
    """A static key/value merged into the tool's request body (Liquid templates allowed)."""

    key: str
    value: Any


class CodeToolEnvironmentVariable(WireModel):
    name: str
    value: str


class KnowledgeBase(OpenModel):
    name: str
    provider: Literal["google"]
    model: str | None = None
    description: str
    file_ids: list[str] = Field(alias="fileIds")


class McpToolMetadata(OpenModel):
    protocol: Literal["shttp", "sse"] | None = None


class ToolStatusMessage(OpenModel):
    """What the assistant says at one stage of the tool call; kept whole."""

    type: Literal["request-start", "request-complete", "request-failed", "request-response-delayed"]


class TransferCallDestination(OpenModel):
    """Where `transferCall` may send the caller; kept whole."""

    type: Literal["assistant", "number", "sip"]


class HandoffDestination(OpenModel):
    """Who `handoff` may pass the conversation to; kept whole."""

    type: Literal["assistant", "dynamic", "squad"]


def _string_or_object(value: Any) -> Any:
    if isinstance(value, str | dict):
        return value
    raise PydanticCustomError("string_or_object_type", "Input should be a string or an object")


# sipRequest's `body`: the text of the SIP body, or a JSON schema of it. Checked first, by hand:
# pydantic's own `str | dict` errors name the branch they tried (`body.str`).
StringOrObject = Annotated[str | dict[str, Any], BeforeValidator(_string_or_object)]


def bounded(ge: float, le: float) -> Any:
    """A JSON number within bounds, echoed as sent (kit/schema.py's `Number`)."""
    return Annotated[float, Strict(), Field(ge=ge, le=le), KEEP_INT, AS_SENT]


HttpMethod = Literal["DELETE", "GET", "PATCH", "POST", "PUT"]

# Every variant takes these.
COMMON: dict[str, Spec] = {
    "messages": optional(list[ToolStatusMessage]),
    "rejectionPlan": optional(Plan),
}
SERVER = {"server": optional(Server)}
FUNCTION = {"function": optional(OpenAIFunction)}
ASYNC = {"async": optional(bool)}
EXTRACTION = {"variableExtractionPlan": optional(Plan)}
PARAMETERS = {"parameters": optional(list[ToolParameter])}
CREDENTIAL = {"credentialId": optional(str)}


# type → (name of the returned model, the variant's own fields), in the reference's order.
TOOLS: dict[str, tuple[str, dict[str, Spec]]] = {
    "apiRequest": ("ApiRequestTool", {
        "method": required(HttpMethod),
        "url": required(str, description="Liquid templates allowed."),
        "name": optional(str, max_length=40, pattern=r"^[a-zA-Z0-9_-]{1,40}$"),
        "description": optional(str),
        "body": optional(Plan, description="JSON schema of the request body."),
        "headers": optional(Plan, description="JSON schema of the request headers."),
        "timeoutSeconds": optional(bounded(ge=1, le=300)),
        **CREDENTIAL, **PARAMETERS, **EXTRACTION,
        "backoffPlan": optional(Plan),
        "encryptedPaths": optional(list[str]),
        # Unpublished but accepted (VAPI-BEHAVIOUR §1.8): Vapi's docs show it.
        "function": optional(OpenAIFunction, deprecated=True),
    }),
    "code": ("CodeTool", {
        "code": required(str, max_length=50000),
        **ASYNC, **CREDENTIAL, **FUNCTION, **SERVER, **EXTRACTION,
        "environmentVariables": optional(list[CodeToolEnvironmentVariable]),
        "timeoutSeconds": optional(bounded(ge=1, le=30)),
    }),
    "dtmf": ("DtmfTool", {"sipInfoDtmfEnabled": optional(bool)}),
    "endCall": ("EndCallTool", {}),
    "function": ("FunctionTool", {**ASYNC, **FUNCTION, **PARAMETERS, **SERVER, **EXTRACTION}),
    "transferCall": ("TransferCallTool", {
        "destinations": optional(list[TransferCallDestination]),
        # Unpublished but accepted (VAPI-BEHAVIOUR §1.8): Vapi's dynamic-transfer guide names
        # the function this way (`dynamicDestinationTransferCall`).
        "function": optional(OpenAIFunction),
    }),
    "handoff": ("HandoffTool", {
        "destinations": optional(list[HandoffDestination]),
        "defaultResult": optional(str),
        **FUNCTION,
    }),
    "bash": ("BashTool", {
        "name": required(Literal["bash"]),
        "subType": required(Literal["bash_20241022"]),
        **SERVER,
    }),
    "computer": ("ComputerTool", {
        "name": required(Literal["computer"]),
        "subType": required(Literal["computer_20241022"]),
        "displayWidthPx": required(Number),
        "displayHeightPx": required(Number),
        "displayNumber": optional(Number),
        **SERVER,
    }),
    "textEditor": ("TextEditorTool", {
        "name": required(Literal["str_replace_editor"]),
        "subType": required(Literal["text_editor_20241022"]),
        **SERVER,
    }),
    "query": ("QueryTool", {"knowledgeBases": optional(list[KnowledgeBase])}),
    "google.calendar.event.create": ("GoogleCalendarCreateEventTool", {}),
    "google.sheets.row.append": ("GoogleSheetsRowAppendTool", {}),
    "google.calendar.availability.check": ("GoogleCalendarCheckAvailabilityTool", {}),
    "slack.message.send": ("SlackSendMessageTool", {}),
    "sms": ("SmsTool", {}),
    "mcp": ("McpTool", {
        **SERVER,
        "metadata": optional(McpToolMetadata),
        "toolMessages": optional(list[Plan]),
    }),
    "gohighlevel.calendar.availability.check": ("GoHighLevelCalendarAvailabilityTool", {}),
    "gohighlevel.calendar.event.create": ("GoHighLevelCalendarEventCreateTool", {}),
    "gohighlevel.contact.create": ("GoHighLevelContactCreateTool", {}),
    "gohighlevel.contact.get": ("GoHighLevelContactGetTool", {}),
    "sipRequest": ("SipRequestTool", {
        "verb": required(Literal["INFO", "MESSAGE", "NOTIFY"]),
        "headers": optional(Plan),
        "body": optional(StringOrObject),
    }),
    "voicemail": ("VoicemailTool", {
        "beepDetectionEnabled": optional(bool),
        # Unpublished but accepted (VAPI-BEHAVIOUR §1.8): every example of Vapi's voicemail
        # tool docs names the function this way (`leave_voicemail`).
        "function": optional(OpenAIFunction),
    }),
}  # fmt: skip

TOOL_MODELS = variant_models(
    "type",
    {value: (stem, {**fields, **COMMON}) for value, (stem, fields) in TOOLS.items()},
    envelope=Envelope,
    describe=lambda value: f"A tool of type `{value}`.",
)
CreateToolDTO = TOOL_MODELS.create_union()
UpdateToolDTO = TOOL_MODELS.update_union()
Tool = TOOL_MODELS.response_union()

# Stored whole, returned masked.
SECRETS: tuple[tuple[str, ...], ...] = (("server", "secret"),)
