"""Secrets inside stored JSON documents, encrypted at rest (Fernet: AES-128-CBC + HMAC-SHA256).

`seal` encrypts every string held under a secret's key (`SECRET_KEYS`, at any depth: a
phone number's `twilioAuthToken`, any `server.secret`, a credential's `apiKey`…) and marks it
with `PREFIX`; `unseal` decrypts every marked string, whatever its key. Strings without the
mark read as they are, so documents written before encryption still read; a marked string
that the keys cannot open is an error, never returned as is.
"""

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

PREFIX = "vxsealed:v1:"
# Keys whose string values are secrets wherever they appear in a document (Vapi's names).
SECRET_KEYS = frozenset(
    {
        "secret",  # server.secret: the X-Vapi-Secret header
        "serverUrlSecret",  # its legacy spelling
        "twilioAuthToken",
        "twilioApiSecret",
        "password",  # a SIP trunk's authentication.password
        "apiKey",  # credentials[].apiKey
        "apiSecret",  # a Vonage credential's API secret
        "vonageApplicationPrivateKey",  # the key voxgate signs a Vonage application's JWTs with
        "token",  # a bearer authenticationPlan's token
        "secretKey",  # an hmac authenticationPlan's key
        "clientSecret",  # an oauth2 authenticationPlan's secret
        "awsSecretAccessKey",  # an aws-iam authenticationPlan's key
    }
)


class SealError(Exception):
    """A sealed value cannot be opened with the keys given (or a key is malformed)."""


class Sealer:
    """Seals with the first key, opens with any (so a key can be rotated in)."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        try:
            self._fernet = MultiFernet([Fernet(key) for key in keys])
        except (ValueError, TypeError):
            raise SealError(
                "a secret key must be a Fernet key: 32 bytes, url-safe base64 "
                "(`python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`)"
            ) from None

    def seal(self, document: Any, under_secret: bool = False) -> Any:
        if isinstance(document, dict):
            return {k: self.seal(v, k in SECRET_KEYS) for k, v in document.items()}
        if isinstance(document, list):
            return [self.seal(item) for item in document]
        if under_secret and isinstance(document, str) and not document.startswith(PREFIX):
            return PREFIX + self._fernet.encrypt(document.encode()).decode()
        return document

    def unseal(self, document: Any) -> Any:
        if isinstance(document, dict):
            return {k: self.unseal(v) for k, v in document.items()}
        if isinstance(document, list):
            return [self.unseal(item) for item in document]
        if isinstance(document, str) and document.startswith(PREFIX):
            try:
                return self._fernet.decrypt(document[len(PREFIX) :].encode()).decode()
            except InvalidToken:
                raise SealError(
                    "a stored secret cannot be decrypted with the configured secret key: it "
                    "was written with another one (every process must share the same key)"
                ) from None
        return document


def key_file(path: Path) -> bytes:
    """The key kept in `path`, made (readable by its owner only) when there is none yet."""
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    # Written whole under another name, then linked into place: a process starting alongside
    # never reads a half-written key, and the first link wins.
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(key + b"\n")
    try:
        os.link(draft, path)
    except FileExistsError:
        key = path.read_bytes().strip()
    finally:
        draft.unlink()
    return key
