"""Telnyx's webhook signatures: every webhook carries `telnyx-signature-ed25519`, Telnyx's
Ed25519 signature (base64) over `{telnyx-timestamp}|{raw body}`, checked with the account's
public key (the credential's `publicKey`). A request that fails the check, or whose timestamp is
further than `TOLERANCE_SECONDS` from now (a replay of an old one), is refused before anything
is written on its behalf.
"""

import base64
import binascii
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from voxgate.errors import Forbidden

SIGNATURE = "telnyx-signature-ed25519"
TIMESTAMP = "telnyx-timestamp"
TOLERANCE_SECONDS = 300  # Telnyx's own libraries' default
FORGED = "The request does not carry a valid Telnyx signature."
STALE = "The request's Telnyx timestamp is too old (or in the future)."


def public_key(text: str) -> Ed25519PublicKey:
    """The account's public key from its base64 text; `ValueError` when it is not one."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError("not base64") from error
    return Ed25519PublicKey.from_public_bytes(raw)  # ValueError unless 32 bytes


def check(headers: dict[str, str], body: bytes, key_text: str | None) -> None:
    """Raises `Forbidden` unless the body is signed by the account of `key_text`, lately."""
    signature, stamp = headers.get(SIGNATURE, ""), headers.get(TIMESTAMP, "")
    try:
        key = public_key(key_text or "")
        key.verify(base64.b64decode(signature, validate=True), stamp.encode() + b"|" + body)
    except (ValueError, binascii.Error, InvalidSignature):
        raise Forbidden(FORGED) from None
    if not stamp.isdigit() or abs(time.time() - int(stamp)) > TOLERANCE_SECONDS:
        raise Forbidden(STALE)
