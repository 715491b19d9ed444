from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from voxgate.db.base import Resource


class Tool(Resource):
    __tablename__ = "tool"

    type: Mapped[str] = mapped_column(String(64))
