"""Finished turns off the context aggregators, into the conversation (artifact and client
messages), with when each began; `on_bot_turn` lets the session react to what the assistant said.
"""

import time
from collections.abc import Awaitable, Callable
from typing import Any

from voxgate.engine.builder import Built
from voxgate.engine.conversation import Conversation

BotTurnHandler = Callable[[str], Awaitable[None]]


class TurnWatcher:
    """Records each user and assistant turn as it ends."""

    def __init__(self, conversation: Conversation) -> None:
        self._conversation = conversation
        self._started: dict[str, float] = {}
        self.on_bot_turn: BotTurnHandler | None = None

    def bot_starts_now(self) -> None:
        """The assistant's next turn begins now (e.g. the greeting, queued before any frame)."""
        self._started["bot"] = time.time() * 1000

    def watch(self, built: Built) -> None:
        user, assistant = built.aggregators.user(), built.aggregators.assistant()

        @user.event_handler("on_user_turn_started")  # type: ignore[untyped-decorator]
        async def user_started(_aggregator: Any, _strategy: Any) -> None:
            self._started["user"] = time.time() * 1000

        @user.event_handler("on_user_turn_stopped")  # type: ignore[untyped-decorator]
        async def user_stopped(_aggregator: Any, _strategy: Any, message: Any) -> None:
            await self._said("user", message.content)

        @assistant.event_handler("on_assistant_turn_started")  # type: ignore[untyped-decorator]
        async def bot_started(_aggregator: Any) -> None:
            self._started.setdefault("bot", time.time() * 1000)

        @assistant.event_handler("on_assistant_turn_stopped")  # type: ignore[untyped-decorator]
        async def bot_stopped(_aggregator: Any, message: Any) -> None:
            await self._said("bot", message.content)
            if self.on_bot_turn is not None and message.content:
                await self.on_bot_turn(message.content)

    async def _said(self, role: str, text: str | None) -> None:
        await self._conversation.said(role, text or "", self._started.pop(role, None))
