from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from voxgate.db.base import Resource


class File(Resource):
    __tablename__ = "file"

    purpose: Mapped[str | None] = mapped_column(String(64))
