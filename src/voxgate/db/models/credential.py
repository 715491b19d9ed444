from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from voxgate.db.base import Resource


class Credential(Resource):
    """A carrier account's credentials (`/credential`), named by a number's `credentialId`."""

    __tablename__ = "credential"

    provider: Mapped[str] = mapped_column(String(32))
