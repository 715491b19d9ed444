from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from voxgate.db.base import Base, UTCDateTime, new_id
from voxgate.db.sealed import SealedJSON
from voxgate.kit.time import utcnow


class ServerMessage(Base):
    """One server message on its way to a webhook server (webhooks/outbox.py): kept until
    delivered or given up on, so a restart resumes the pending ones."""

    __tablename__ = "server_message"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(String(36), ForeignKey("org.id"), index=True)
    call_id: Mapped[str | None] = mapped_column(String(36), index=True)
    type: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(Text)
    # The body as sent (`{"message": {...}}`), and how to send it: timeout, headers, secret,
    # credential's authentication plan, backoff plan.
    payload: Mapped[dict[str, Any]] = mapped_column(SealedJSON)
    target: Mapped[dict[str, Any]] = mapped_column(SealedJSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # delivered · failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Not truncated to milliseconds: one call's messages are sent in this order.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: datetime.now(UTC))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
