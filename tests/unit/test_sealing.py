"""kit/sealing.py: secrets sealed wherever their key appears, everything else untouched, a
plaintext value (written before encryption) read as is, and a wrong key an error."""

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from voxgate.kit.sealing import PREFIX, Sealer, SealError, key_file

DOCUMENT = {
    "name": "Support line",
    "twilioAuthToken": "tw-token",
    "server": {"url": "https://example.com/hook", "secret": "srv-secret", "timeoutSeconds": 20},
    "credentials": [
        {"provider": "openai", "apiKey": "sk-1"},
        {"provider": "webhook", "authenticationPlan": {"type": "oauth2", "clientSecret": "cs"}},
    ],
    "authentication": {"username": "desk", "password": "pw"},
    "secret": 42,  # not a string: left as is
}


def test_secrets_are_sealed_where_they_are_and_open_to_the_same_document() -> None:
    sealer = Sealer([Fernet.generate_key()])
    sealed = sealer.seal(DOCUMENT)
    assert sealed["name"] == "Support line" and sealed["server"]["url"] == DOCUMENT["server"]["url"]
    assert sealed["authentication"]["username"] == "desk" and sealed["secret"] == 42
    secrets = [
        sealed["twilioAuthToken"], sealed["server"]["secret"], sealed["credentials"][0]["apiKey"],
        sealed["credentials"][1]["authenticationPlan"]["clientSecret"],
        sealed["authentication"]["password"],
    ]  # fmt: skip
    assert all(value.startswith(PREFIX) for value in secrets)
    assert "tw-token" not in str(sealed) and "srv-secret" not in str(sealed)
    assert sealer.unseal(sealed) == DOCUMENT
    assert sealer.seal(sealed) == sealed  # already sealed: not sealed twice


def test_a_plaintext_secret_written_before_reads_as_is() -> None:
    assert Sealer([Fernet.generate_key()]).unseal(DOCUMENT) == DOCUMENT


def test_a_wrong_key_is_an_error_not_garbage() -> None:
    sealed = Sealer([Fernet.generate_key()]).seal({"secret": "s"})
    with pytest.raises(SealError, match="every process must share the same key"):
        Sealer([Fernet.generate_key()]).unseal(sealed)


def test_a_key_can_be_rotated_in_front_of_the_old_one() -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    sealed = Sealer([old]).seal({"secret": "s"})
    assert Sealer([new, old]).unseal(sealed) == {"secret": "s"}


def test_a_malformed_key_says_what_a_key_is() -> None:
    with pytest.raises(SealError, match="Fernet key: 32 bytes, url-safe base64"):
        Sealer([b"not-a-key"])


def test_the_key_file_is_made_once_and_only_its_owner_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "data" / "secret.key"
    key = key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert key_file(path) == key and Fernet(key)
    assert [p.name for p in path.parent.iterdir()] == ["secret.key"]  # no draft left
