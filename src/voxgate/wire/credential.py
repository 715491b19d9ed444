"""Carrier credentials (`/credential`): the accounts Telnyx and Vonage numbers name by
`credentialId`, one variant per `provider`.

Vonage's three models are the reference's (`CreateVonageCredentialDTO`, `VonageCredential`); the
reference has no Telnyx credential, so voxgate's takes the API key Telnyx's call-control API
needs and the public key its signed webhooks are checked with. Secrets are accepted whole and
only ever returned masked.
"""

from voxgate.wire._variants import Model, Spec, optional, required, variant_models
from voxgate.wire.common import Envelope

COMMON: dict[str, Spec] = {"name": optional(str, min_length=1, max_length=40)}
SERVER_SET: tuple[Model, ...] = ("response",)

# provider → (name of the returned model, the variant's own fields).
CREDENTIALS: dict[str, tuple[str, dict[str, Spec]]] = {
    "telnyx": ("TelnyxCredential", {
        "apiKey": required(str, description="A Telnyx API key (v2). Returned masked."),
        "publicKey": required(
            str, description="The account's public key (base64 Ed25519, in Mission Control "
            "under Keys & Credentials): every Telnyx webhook's signature is checked with it."
        ),
        "telnyxApplicationId": optional(
            str, max_length=200, only=SERVER_SET,
            description="The Call Control Application voxgate made for this account's calls.",
        ),
    }),
    "vonage": ("VonageCredential", {
        "apiKey": required(str),
        "apiSecret": required(str, description="Returned masked."),
        "vonageApplicationId": optional(
            str, max_length=10000, only=SERVER_SET,
            description="The Vonage application voxgate made for this account's calls.",
        ),
        "vonageApplicationPrivateKey": optional(
            str, max_length=10000, only=SERVER_SET, description="Returned masked.",
        ),
    }),
}  # fmt: skip

CREDENTIAL_MODELS = variant_models(
    "provider",
    {value: (stem, {**fields, **COMMON}) for value, (stem, fields) in CREDENTIALS.items()},
    envelope=Envelope,
)
Credential = CREDENTIAL_MODELS.response_union()

# What each provider's credential keeps secret (a Vonage API key names the account, like an id).
SECRETS: dict[str, tuple[tuple[str, ...], ...]] = {
    "telnyx": (("apiKey",),),
    "vonage": (("apiSecret",), ("vonageApplicationPrivateKey",)),
}
