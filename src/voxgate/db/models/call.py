from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from voxgate.db.base import Resource, UTCDateTime
from voxgate.db.sealed import SealedJSON


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
    # Its post-call work while it is due (control/call/post_call.py): the assistant that had
    # the call at its end (credentials sealed) and whether to analyse; internal, never rendered.
    # Deferred: a list of calls never reads it.
    post_call: Mapped[dict[str, Any] | None] = mapped_column(SealedJSON, deferred=True)
    # Set while that work is due: until this moment only its holder may run it (a lease).
    post_call_due: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # The running process's heartbeat (control/call/heartbeat.py); not part of the document.
    alive_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
