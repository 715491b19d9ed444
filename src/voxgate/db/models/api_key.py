from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from voxgate.db.base import Base, JSONDocument, UTCDateTime, new_id
from voxgate.kit.time import utcnow


class ApiKey(Base):
    """An API key, kept only as its SHA-256: the key itself is shown once, at creation."""

    __tablename__ = "api_key"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(String(36), ForeignKey("org.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(16))  # "private" | "public"
    # A public key's: {allowedOrigins?, allowedAssistantIds?, allowTransientAssistant}
    # (auth/restrictions.py); null for a private key.
    restrictions: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
