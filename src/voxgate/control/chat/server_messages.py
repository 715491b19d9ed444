"""The engine's `ServerMessages` port for a chat: a chat's tools ask the user's server
(`tool-calls`) with `chat` where a call's message has `call` (VAPI-BEHAVIOUR §5.1), plus the
`assistant` without its credentials. The target is chosen as for a call (tool, assistant, org);
the exchange is recorded as a `server_message` row without a call. A chat sends no
informational messages from the engine.
"""

import json
from typing import Any

from voxgate.control.call.server_messages import org_server
from voxgate.webhooks.request import request
from voxgate.webhooks.target import Target, choose


class ChatServerMessages:
    """Asks one chat's tool servers."""

    def __init__(self, org_id: str, chat: dict[str, Any], assistant: dict[str, Any]) -> None:
        self._org_id, self._chat = org_id, chat
        self.use_assistant(assistant)
        self._org_server: dict[str, Any] | None = None
        self._org_read = False

    def use_assistant(self, assistant: dict[str, Any]) -> None:
        self._assistant = assistant
        self._shown = {k: v for k, v in assistant.items() if k != "credentials"}

    async def _target(self, tool_server: dict[str, Any] | None) -> Target | None:
        if not self._org_read:
            self._org_server = await org_server(self._org_id)
            self._org_read = True
        return choose(self._assistant, self._org_server, tool_server=tool_server)

    async def has_server(self, tool_server: dict[str, Any] | None = None) -> bool:
        return await self._target(tool_server) is not None

    async def request(
        self,
        message: dict[str, Any],
        *,
        tool_server: dict[str, Any] | None = None,
        timeout_seconds: float | None = None,
    ) -> dict[str, Any] | None:
        target = await self._target(tool_server)
        if target is None:
            return None
        full = {**message, "chat": self._chat, "assistant": self._shown}
        copied: dict[str, Any] = json.loads(json.dumps(full))
        return await request(self._org_id, None, target, copied, timeout_seconds)

    async def send(self, message: dict[str, Any]) -> None:
        return None
