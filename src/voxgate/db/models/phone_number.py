from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from voxgate.db.base import Resource


class PhoneNumber(Resource):
    __tablename__ = "phone_number"

    provider: Mapped[str] = mapped_column(String(32))
    # Columns for the paginated list's `search` (name, number or SIP URI).
    number: Mapped[str | None] = mapped_column(String(64), index=True)
    name: Mapped[str | None] = mapped_column(String(64))
    sip_uri: Mapped[str | None] = mapped_column(String(256))
