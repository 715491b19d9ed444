"""A call's lifecycle as the outside sees it: `in-progress` when it starts talking, `ended` with its
reason and artifact once, each written to the store and sent to the client as `status-update`.
"""

import contextlib
from datetime import UTC, datetime
from typing import Any

from voxgate.engine.conversation import Conversation
from voxgate.engine.ports import CallStore, ClientSocket, PostCall


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Lifecycle:
    """Writes one call's start and end."""

    def __init__(self, store: CallStore, socket: ClientSocket, conversation: Conversation) -> None:
        self._store, self._socket, self._conversation = store, socket, conversation
        self.started_at: str | None = None

    async def start(self, prompt: str) -> None:
        if prompt:
            self._conversation.system(prompt)
        self.started_at = _iso(datetime.now(UTC))
        await self._store.update({"status": "in-progress", "startedAt": self.started_at})
        await self._conversation.send("status-update", status="in-progress")

    async def finish(
        self, reason: str, saved: dict[str, Any], post_call: PostCall, *, started: bool
    ) -> dict[str, Any]:
        """Records the end (with the artifact when the call talked; `saved` holds what the
        call's recordings, log and metrics add to it) and that `post_call` is due, tells the
        client, hangs up; returns what it wrote."""
        changes: dict[str, Any] = {
            "status": "ended",
            "endedAt": _iso(datetime.now(UTC)),
            "endedReason": reason,
        }
        if started:
            changes["artifact"] = {**self._conversation.artifact(), **saved}
        elif saved:
            changes["artifact"] = saved  # the log of a call that could not start
        await self._store.end(changes, post_call)
        await self._conversation.send("status-update", status="ended", endedReason=reason)
        with contextlib.suppress(Exception):
            await self._socket.close(1000)
        return changes
