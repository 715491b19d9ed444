"""A prepared chat run to its end and stored: whole (`run_whole`), or piece by piece (`Streamed`).

A streamed chat's first piece is awaited before the response starts, so a model that fails at
once is a 502 in Vapi's error shape rather than an empty stream; a model that fails mid-answer
ends the stream early (`Streamed.failure` says why) and nothing is stored.
"""

from collections.abc import AsyncGenerator, AsyncIterator

from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession

from voxgate.control.chat.service import PreparedChat, store_chat
from voxgate.db.models import Chat as ChatRow
from voxgate.db.session import get_sessionmaker
from voxgate.engine.chat import ChatFailed, answer
from voxgate.errors import BadGateway


def _failed(error: ChatFailed) -> BadGateway:
    return BadGateway(f"The assistant's model failed: {error}")


async def run_whole(session: AsyncSession, org_id: str, chat: PreparedChat) -> ChatRow:
    try:
        text = await answer(chat.turn)
    except ChatFailed as error:
        raise _failed(error) from None
    return await store_chat(session, org_id, chat, text)


class Streamed:
    """The answer as it comes; `await start()` first (it raises the 502)."""

    def __init__(self, org_id: str, chat: PreparedChat) -> None:
        self.org_id, self.chat = org_id, chat
        self.text = ""
        self.failure: str | None = None
        self._rest: AsyncGenerator[str] = chat.turn.pieces()
        self._first = ""

    async def start(self) -> None:
        try:
            self._first = await anext(self._rest)
        except StopAsyncIteration:
            pass  # the model answered nothing
        except ChatFailed as error:
            raise _failed(error) from None

    async def pieces(self) -> AsyncIterator[str]:
        """Each piece of the answer; the chat is stored once the last has been sent."""
        if self._first:
            self.text += self._first
            yield self._first
        try:
            async for piece in self._rest:
                self.text += piece
                yield piece
        except ChatFailed as error:
            logger.warning(f"chat {self.chat.id} failed mid-answer: {error}")
            self.failure = str(error)
            return
        finally:
            # A client that hangs up leaves the model's turn suspended: end its pipeline now.
            await self._rest.aclose()
        async with get_sessionmaker()() as session:
            await store_chat(session, self.org_id, self.chat, self.text)
            await session.commit()
