from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from voxgate.db.base import Resource, UTCDateTime


class Call(Resource):
    __tablename__ = "call"
    # A carrier's call is stored once: a webhook replayed at the same instant as the first
    # loses at the insert, not at a lookup both can pass. Its leading column serves a carrier's
    # event, which names only its own id.
    __table_args__ = (Index("uq_call_provider_call_id", "provider_call_id", "org_id", unique=True),)

    type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32), index=True)
    assistant_id: Mapped[str | None] = mapped_column(String(36), index=True)
    phone_number_id: Mapped[str | None] = mapped_column(String(36), index=True)
    provider_call_id: Mapped[str | None] = mapped_column(String(128))  # `phoneCallProviderId`
    # The running process's heartbeat (control/call/heartbeat.py); not part of the document.
    alive_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
