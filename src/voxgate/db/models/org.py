from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from voxgate.db.base import Base, UTCDateTime, new_id
from voxgate.db.sealed import SealedJSON
from voxgate.kit.time import utcnow


class Org(Base):
    __tablename__ = "org"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # The org's own server (the last stop of the webhook destination precedence).
    server: Mapped[dict[str, Any] | None] = mapped_column(SealedJSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
