from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from voxgate.db.base import Resource


class Session(Resource):
    __tablename__ = "session"

    # Derived from the document for `GET /session`'s filters.
    name: Mapped[str | None] = mapped_column(String(40))
    assistant_id: Mapped[str | None] = mapped_column(String(36), index=True)
    squad_id: Mapped[str | None] = mapped_column(String(36))
    phone_number_id: Mapped[str | None] = mapped_column(String(36))
