"""JSON columns whose secrets are encrypted at rest (`kit/sealing.py`), transparently: the
rows' `data` (and an org's `server`, a delivery's `target` and `payload`) read and write as
plain dicts, and only the database sees the sealed strings. The column type in the database
is unchanged (JSON, JSONB on PostgreSQL), so no migration was needed.

The key is `VOXGATE_SECRET_KEY` (Fernet keys, comma-separated: the first seals, every one
opens), else `data_dir/secret.key`, made on first use. Every process sharing the database
must have the same key.
"""

from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import JSON
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from voxgate.config import get_settings
from voxgate.kit.sealing import Sealer, SealError, key_file


@lru_cache(maxsize=4)
def _keys(keys: str | None, path: Path) -> tuple[bytes, ...]:
    if keys:
        return tuple(key.strip().encode() for key in keys.split(",") if key.strip())
    return (key_file(path),)


def secret_keys() -> tuple[bytes, ...]:
    """The configured keys, the one that seals first (settings read now: tests change them).
    Other secrets voxgate derives (telephony/twilio/signature.py's URL tokens) use them too, so
    one key, kept and rotated one way, covers them all."""
    settings = get_settings()
    keys = settings.secret_key.get_secret_value() if settings.secret_key else None
    return _keys(keys, settings.data_dir / "secret.key")


@lru_cache(maxsize=4)
def _sealer(keys: tuple[bytes, ...]) -> Sealer:
    return Sealer(keys)


def sealer() -> Sealer:
    """The configured keys' sealer."""
    return _sealer(secret_keys())


class SealedJSON(TypeDecorator[Any]):
    """A JSON document whose secrets are sealed on write and opened on read."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(JSONB() if dialect.name == "postgresql" else JSON())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else sealer().seal(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        try:
            return sealer().unseal(value)
        except SealError as error:
            where = get_settings().data_dir / "secret.key"
            raise SealError(f"{error}; the key is VOXGATE_SECRET_KEY, else {where}") from None
