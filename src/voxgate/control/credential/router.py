"""`/credential`: the five operations over carrier accounts (`wire/credential.py`).

Vapi serves `/credential` though its published document leaves it out; the operation ids are
the ones its SDKs call.
"""

from voxgate.control.credential import service
from voxgate.control.crud import Kind
from voxgate.control.variants import variant_router
from voxgate.db.models import Credential as CredentialRow
from voxgate.wire.credential import CREDENTIAL_MODELS

kind = Kind(CredentialRow, "Credential", columns=service.columns, render=service.render)

router = variant_router(
    kind,
    CREDENTIAL_MODELS,
    path="/credential",
    tag="Credentials",
    controller="CredentialController",
    summaries={"create": "Store a carrier account's credentials (Telnyx, Vonage)"},
    prepare=service.prepare,
    check=service.connect,
)
