from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from voxgate.db.base import Resource


class Call(Resource):
    __tablename__ = "call"

    type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32), index=True)
    assistant_id: Mapped[str | None] = mapped_column(String(36), index=True)
    phone_number_id: Mapped[str | None] = mapped_column(String(36), index=True)
