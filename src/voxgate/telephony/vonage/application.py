"""Connecting a Vonage credential (`POST /credential`, a PATCH changing its key or secret): voxgate
makes a Vonage application for the account's calls, whose voice answer and event URLs are
voxgate's (webhooks.py), with a key pair voxgate generates (RSA 2048; Vonage keeps the public
half, voxgate the private one, sealed, as `vonageApplicationPrivateKey`). Connected again, the
credential's application gets a new key pair (and so a new token in its URLs) in place, so the
numbers linked to it stay linked; an application the account does not hold is made anew.

A key or secret Vonage does not accept is the client's mistake (a 400 naming the fields);
Vonage unreachable or failing is not (a 502).
"""

import asyncio

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from voxgate.control.call.carriers import CarrierError, Document
from voxgate.telephony.vonage import webhooks
from voxgate.telephony.vonage.client import VonageRest

BAD_CREDENTIALS = (
    "Vonage did not accept the credentials ({said}): check `apiKey` and `apiSecret` (the "
    "Vonage API Dashboard's API key and secret)."
)


def _key_pair() -> tuple[str, str]:
    """(private key PEM, public key PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private.decode(), public.decode()


async def _replaced(
    rest: VonageRest, name: str, public: str, hooks: dict[str, str], app_id: str
) -> str | None:
    """The application `app_id` with the new key and webhooks; None when the account does
    not hold it (another account's key, or deleted on Vonage's side)."""
    try:
        return await rest.put_application(name, public, hooks, app_id)
    except CarrierError as error:
        if error.status in (403, 404):
            return None
        raise


async def connect_credential(credential: Document) -> Document:
    """Makes the application; returns `vonageApplicationId` and `vonageApplicationPrivateKey`."""
    for field in ("apiKey", "apiSecret"):
        value = credential.get(field)
        if not isinstance(value, str) or not (value.isascii() and value.isprintable()):
            raise CarrierError(f"{field} is not a Vonage credential.", 400)
    private, public = await asyncio.to_thread(_key_pair)  # ~0.1 s of CPU: off the loop
    name = f"voxgate {credential.get('name') or credential['apiKey']}"[:100]
    rest, hooks = VonageRest(credential), webhooks.application_webhooks(webhooks.token(private))
    try:
        app_id = None
        if known := credential.get("vonageApplicationId"):
            app_id = await _replaced(rest, name, public, hooks, str(known))
        app_id = app_id or await rest.put_application(name, public, hooks)
    except CarrierError as error:
        if error.status in (401, 403):
            raise CarrierError(BAD_CREDENTIALS.format(said=error), 400) from error
        raise
    return {"vonageApplicationId": app_id, "vonageApplicationPrivateKey": private}
