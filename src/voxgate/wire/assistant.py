"""Assistant: `CreateAssistantDTO`, `UpdateAssistantDTO`, `Assistant`, `AssistantOverrides`."""

from typing import Annotated, Any, Literal

from pydantic import Field, Strict, StringConstraints

from voxgate.kit.schema import AS_SENT, KEEP_INT, WireModel
from voxgate.wire.common import ClientMessageType, Envelope, Server, ServerMessageType
from voxgate.wire.providers import ModelConfig, TranscriberConfig, VoiceConfig

FirstMessageMode = Literal[
    "assistant-speaks-first",
    "assistant-speaks-first-with-model-generated-message",
    "assistant-waits-for-user",
]
EndCallPhrase = Annotated[str, StringConstraints(min_length=2, max_length=140)]
Plan = dict[str, Any]


class AssistantFields(WireModel):
    """Every assistant field; none is required, and nothing unset is stored or defaulted."""

    name: str | None = Field(default=None, max_length=40)
    first_message: str | None = Field(default=None, alias="firstMessage")
    first_message_mode: FirstMessageMode | None = Field(default=None, alias="firstMessageMode")
    first_message_interruptions_enabled: bool | None = Field(
        default=None, alias="firstMessageInterruptionsEnabled"
    )
    model: ModelConfig | None = None
    voice: VoiceConfig | None = None
    transcriber: TranscriberConfig | None = None
    voicemail_detection: Literal["off"] | Plan | None = Field(
        default=None, alias="voicemailDetection"
    )
    voicemail_message: str | None = Field(default=None, max_length=1000, alias="voicemailMessage")
    end_call_message: str | None = Field(default=None, max_length=1000, alias="endCallMessage")
    end_call_phrases: list[EndCallPhrase] | None = Field(default=None, alias="endCallPhrases")
    max_duration_seconds: (
        Annotated[float, Strict(), Field(ge=10, le=43200), KEEP_INT, AS_SENT] | None
    ) = Field(default=None, alias="maxDurationSeconds")
    background_sound: str | None = Field(
        default=None, alias="backgroundSound", description='"off", "office" or an audio URL.'
    )
    model_output_in_messages_enabled: bool | None = Field(
        default=None, alias="modelOutputInMessagesEnabled"
    )
    client_messages: list[ClientMessageType] | None = Field(default=None, alias="clientMessages")
    server_messages: list[ServerMessageType] | None = Field(default=None, alias="serverMessages")
    server: Server | None = None
    credentials: list[Plan] | None = None
    credential_ids: list[str] | None = Field(default=None, alias="credentialIds")
    hooks: list[Plan] | None = None
    start_speaking_plan: Plan | None = Field(default=None, alias="startSpeakingPlan")
    stop_speaking_plan: Plan | None = Field(default=None, alias="stopSpeakingPlan")
    analysis_plan: Plan | None = Field(default=None, alias="analysisPlan")
    artifact_plan: Plan | None = Field(default=None, alias="artifactPlan")
    monitor_plan: Plan | None = Field(default=None, alias="monitorPlan")
    compliance_plan: Plan | None = Field(default=None, alias="compliancePlan")
    background_speech_denoising_plan: Plan | None = Field(
        default=None, alias="backgroundSpeechDenoisingPlan"
    )
    keypad_input_plan: Plan | None = Field(default=None, alias="keypadInputPlan")
    observability_plan: Plan | None = Field(default=None, alias="observabilityPlan")
    transport_configurations: list[Plan] | None = Field(
        default=None, alias="transportConfigurations"
    )
    metadata: Plan | None = None
    # Unpublished fields Vapi still accepts and clients still send (VAPI-BEHAVIOUR §1.8).
    silence_timeout_seconds: (
        Annotated[float, Strict(), Field(ge=5, le=3600), KEEP_INT, AS_SENT] | None
    ) = Field(default=None, alias="silenceTimeoutSeconds")
    message_plan: Plan | None = Field(default=None, alias="messagePlan")
    background_denoising_enabled: bool | None = Field(
        default=None, alias="backgroundDenoisingEnabled"
    )
    hipaa_enabled: bool | None = Field(default=None, alias="hipaaEnabled")
    server_url: str | None = Field(default=None, alias="serverUrl", deprecated=True)
    server_url_secret: str | None = Field(default=None, alias="serverUrlSecret", deprecated=True)


class CreateAssistantDTO(AssistantFields):
    pass


class UpdateAssistantDTO(AssistantFields):
    pass


class Assistant(Envelope, AssistantFields):
    pass


class AssistantOverrides(AssistantFields):
    """Assistant fields laid over an assistant for one call, plus its variables and tools."""

    variable_values: Plan | None = Field(default=None, alias="variableValues")
    tools_append: list[Plan] | None = Field(default=None, alias="tools:append")
