"""Query parameters of `GET /chat`: a page, plus the filters the reference declares."""

from typing import Any

from pydantic import Field

from voxgate.control.listing import PageQuery
from voxgate.db.models import Chat as ChatRow


class ChatPageQuery(PageQuery):
    id: str | None = None
    assistant_id: str | None = Field(default=None, alias="assistantId")
    assistant_id_any: str | None = Field(
        default=None, alias="assistantIdAny", description="Assistant ids, comma-separated."
    )
    squad_id: str | None = Field(default=None, alias="squadId")
    session_id: str | None = Field(default=None, alias="sessionId")
    previous_chat_id: str | None = Field(default=None, alias="previousChatId")

    def where(self) -> list[Any]:
        """Equality filters on the chat's columns, for the ones the client set."""
        filters = (
            (ChatRow.id, self.id),
            (ChatRow.assistant_id, self.assistant_id),
            (ChatRow.squad_id, self.squad_id),
            (ChatRow.session_id, self.session_id),
            (ChatRow.previous_chat_id, self.previous_chat_id),
        )
        found = [column == value for column, value in filters if value is not None]
        if self.assistant_id_any is not None:
            ids = [id.strip() for id in self.assistant_id_any.split(",") if id.strip()]
            found.append(ChatRow.assistant_id.in_(ids))
        return found
