"""Credential rules beyond plain storage: secrets shown masked, the carrier's check, and a
number's credential handed to its carrier.

A credential of a provider with a registered carrier is checked by it before the row is written
(and again when a PATCH changes it); the carrier may add fields of its own (Vonage: the
application voxgate makes for the account's calls). A refusal is a 400 in the carrier's words,
an unreachable carrier a 502, and nothing is stored either way.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from voxgate.control.call.carriers import CARRIERS, CarrierError, refused
from voxgate.control.crud import Document, render_envelope
from voxgate.control.secrets import keep_masked_echoes, masked
from voxgate.control.variants import Caller
from voxgate.db.models import Credential as CredentialRow
from voxgate.errors import BadRequest
from voxgate.wire.credential import SECRETS

# A number's `credentialId` names one of these; other providers' credentialIds (a BYO SIP
# trunk's) are not carrier accounts voxgate dials through.
NEEDS_CREDENTIAL = ("telnyx", "vonage")


def render(row: CredentialRow) -> Document:
    return masked(render_envelope(row), SECRETS[row.provider])


def prepare(changes: Document, stored: Document | None) -> Document:
    provider = (stored or changes)["provider"]
    return keep_masked_echoes(changes, stored or {}, SECRETS[provider])


def columns(data: Document) -> dict[str, str]:
    return {"provider": data["provider"]}


async def connect(credential: Document, stored: Document | None, caller: Caller) -> Document | None:
    """Has the carrier check `credential` (on create, or when a PATCH changed what it sent);
    returns it with the fields the carrier set, or None when there is nothing to check."""
    carrier = CARRIERS.get(str(credential.get("provider")))
    if carrier is None:
        return None
    secrets = [key for key in credential if key != "name"]
    if stored is not None and all(credential.get(k) == stored.get(k) for k in secrets):
        return None
    try:
        return {**credential, **await carrier.connect_credential(credential)}
    except CarrierError as error:
        raise refused(error) from error


async def attach(session: AsyncSession, org_id: str, number: Document) -> Document:
    """`number` with its credential under `"credential"` (for its carrier, never stored); a 400
    when its `credentialId` names no credential of the org for the number's provider."""
    provider = number.get("provider")
    if provider not in NEEDS_CREDENTIAL:
        return number
    credential_id = number.get("credentialId")
    row = await session.get(CredentialRow, credential_id) if credential_id else None
    if row is None or row.org_id != org_id or row.provider != provider:
        raise BadRequest(
            f"Couldn't Find Credential. `credentialId` {credential_id} Is Not A {provider} "
            "Credential Of Your Org."
        )
    return {**number, "credential": row.data}
