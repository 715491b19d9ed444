from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from voxgate.db.base import Resource


class Chat(Resource):
    __tablename__ = "chat"

    # Derived from the document for `GET /chat`'s filters.
    assistant_id: Mapped[str | None] = mapped_column(String(36), index=True)
    squad_id: Mapped[str | None] = mapped_column(String(36))
    session_id: Mapped[str | None] = mapped_column(String(36))
    previous_chat_id: Mapped[str | None] = mapped_column(String(36), index=True)
