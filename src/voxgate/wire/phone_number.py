"""Phone numbers: five variants picked by `provider` (VAPI-BEHAVIOUR §4.1), built from one table.

`CreateTwilioPhoneNumberDTO`, `UpdateTwilioPhoneNumberDTO` and `TwilioPhoneNumber` (and so on)
come out of `PHONE_NUMBERS`. Secrets (`twilioAuthToken`, `twilioApiSecret`, the SIP password, the
server secret) are accepted here whole; responses only ever carry them masked.
"""

from typing import Literal

from pydantic import Field

from voxgate.kit.schema import OpenModel, WireModel
from voxgate.wire._variants import Spec, optional, required, variant_models
from voxgate.wire.common import Envelope, PaginationMeta, Server


class SipAuthentication(WireModel):
    """Digest credentials a SIP client must present to reach the number's `sipUri`."""

    realm: str | None = None
    username: str = Field(min_length=20, max_length=40)
    password: str = Field(min_length=20, max_length=40, description="Returned masked.")


class FallbackDestination(OpenModel):
    """Where a call goes when the assistant cannot be resolved; kept whole."""

    type: Literal["number", "sip"]


class PhoneNumberHook(OpenModel):
    """What to do when a call rings or ends; kept whole."""

    on: Literal["call.ringing", "call.ending"]


# Every variant takes these.
COMMON: dict[str, Spec] = {
    "name": optional(str, max_length=40),
    "assistantId": optional(str),
    "squadId": optional(str),
    "workflowId": optional(str),
    "server": optional(Server),
    "fallbackDestination": optional(FallbackDestination),
    "hooks": optional(list[PhoneNumberHook]),
    # Unpublished but accepted (VAPI-BEHAVIOUR §1.8); they also set `server.url`/`server.secret`.
    "serverUrl": optional(str, deprecated=True, description="Legacy alias of `server.url`."),
    "serverUrlSecret": optional(
        str, deprecated=True, description="Legacy alias of `server.secret`. Returned masked."
    ),
    # Set by the server: voxgate has no carrier that activates or blocks a number yet.
    "status": optional(Literal["activating", "active", "blocked"], only=("response",)),
}
CREDENTIAL = {"credentialId": required(str, description="The carrier credential to use.")}

# provider → (name of the returned model, the variant's own fields), in the reference's order.
PHONE_NUMBERS: dict[str, tuple[str, dict[str, Spec]]] = {
    "byo-phone-number": ("ByoPhoneNumber", {
        "number": optional(str, min_length=3, max_length=40),
        "numberE164CheckEnabled": optional(bool),
        **CREDENTIAL,
    }),
    "twilio": ("TwilioPhoneNumber", {
        "number": required(str),
        "twilioAccountSid": required(str),
        "twilioAuthToken": optional(str, description="Returned masked."),
        "twilioApiKey": optional(str),
        "twilioApiSecret": optional(str, description="Returned masked."),
        "smsEnabled": optional(bool),
    }),
    "vonage": ("VonagePhoneNumber", {"number": required(str), **CREDENTIAL}),
    "vapi": ("VapiPhoneNumber", {
        # voxgate cannot buy numbers: the area code is stored, and `number` stays unset.
        "numberDesiredAreaCode": optional(
            str, min_length=3, max_length=3, only=("create", "response"),
            description="Stored only: voxgate does not provision numbers.",
        ),
        "number": optional(str, only=("response",), description="Unset: not provisioned."),
        "sipUri": optional(str),
        "authentication": optional(SipAuthentication),
    }),
    "telnyx": ("TelnyxPhoneNumber", {"number": required(str), **CREDENTIAL}),
}  # fmt: skip

_DESCRIPTIONS = {
    "byo-phone-number": "A number of your own SIP trunk (bring your own).",
    "twilio": "A Twilio number to import.",
    "vonage": "A Vonage number to import.",
    "vapi": "A SIP number. voxgate does not provision PSTN numbers: `number` stays unset and "
    "`numberDesiredAreaCode` is only stored; calls reach the number through `sipUri`.",
    "telnyx": "A Telnyx number to import.",
}

PHONE_NUMBER_MODELS = variant_models(
    "provider",
    {value: (stem, {**fields, **COMMON}) for value, (stem, fields) in PHONE_NUMBERS.items()},
    envelope=Envelope,
    describe=_DESCRIPTIONS.get,
)
CreatePhoneNumberDTO = PHONE_NUMBER_MODELS.create_union()
UpdatePhoneNumberDTO = PHONE_NUMBER_MODELS.update_union()
PhoneNumber = PHONE_NUMBER_MODELS.response_union()


class PhoneNumberPaginatedResponse(WireModel):
    results: list[PhoneNumber]  # type: ignore[valid-type]
    metadata: PaginationMeta


SECRETS: tuple[tuple[str, ...], ...] = (
    ("twilioAuthToken",),
    ("twilioApiSecret",),
    ("authentication", "password"),
    ("server", "secret"),
    ("serverUrlSecret",),
)
