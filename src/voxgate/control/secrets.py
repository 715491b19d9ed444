"""Secrets are stored whole and never shown whole: every response carries them masked.

A secret is named by its path in the stored document, e.g. `("authentication", "password")`.
"""

from collections.abc import Iterable
from typing import Any

Document = dict[str, Any]
SecretPath = tuple[str, ...]

# Long secrets keep their last four characters, so a user can tell which one is set;
# short ones show nothing. The length is kept: some schemas bound it (SIP passwords).
_VISIBLE = 4
_MIN_LENGTH_TO_SHOW = 16


def mask(secret: str) -> str:
    visible = _VISIBLE if len(secret) >= _MIN_LENGTH_TO_SHOW else 0
    return "*" * (len(secret) - visible) + secret[len(secret) - visible :]


def _get(document: Document, path: SecretPath) -> Any:
    value: Any = document
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _replace(document: Document, path: SecretPath, value: Any) -> Document:
    """A copy of `document` with `value` at `path`; the original is left untouched."""
    head, *rest = path
    copy = dict(document)
    copy[head] = _replace(copy[head], tuple(rest), value) if rest else value
    return copy


def masked(document: Document, paths: Iterable[SecretPath]) -> Document:
    for path in paths:
        secret = _get(document, path)
        if isinstance(secret, str):
            document = _replace(document, path, mask(secret))
    return document


def keep_masked_echoes(
    changes: Document, stored: Document, paths: Iterable[SecretPath]
) -> Document:
    """A client that sends back the masked form it was shown keeps the stored secret.

    Read-modify-write clients (GET, edit, PATCH the whole object) would otherwise overwrite a
    secret with its own mask.
    """
    for path in paths:
        sent, kept = _get(changes, path), _get(stored, path)
        if isinstance(sent, str) and isinstance(kept, str) and sent == mask(kept):
            changes = _replace(changes, path, kept)
    return changes
