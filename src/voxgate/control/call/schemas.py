"""Query parameters of `GET /call`: the common list bounds plus three filters."""

from typing import Any

from pydantic import Field

from voxgate.control.listing import ListQuery
from voxgate.db.models import Call as CallRow


class CallListQuery(ListQuery):
    id: str | None = None
    assistant_id: str | None = Field(default=None, alias="assistantId")
    phone_number_id: str | None = Field(default=None, alias="phoneNumberId")

    def where(self) -> list[Any]:
        """Equality filters on the call's columns, for the ones the client set."""
        filters = (
            (CallRow.id, self.id),
            (CallRow.assistant_id, self.assistant_id),
            (CallRow.phone_number_id, self.phone_number_id),
        )
        return [column == value for column, value in filters if value is not None]
