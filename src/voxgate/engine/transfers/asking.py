"""Asking a webhook server where the call goes (§5.2): `transfer-destination-request` for a
`transferCall` with no destination, `handoff-destination-request` for a handoff to a `dynamic`
destination. Both are awaited (the LLM's turn waits for them) and read by replies.py.
"""

from collections.abc import Mapping
from typing import Any

from loguru import logger

from voxgate.engine.server_messages import ServerMessenger
from voxgate.engine.transfers.replies import (
    HandoffTo,
    Refused,
    TransferTo,
    read_handoff_reply,
    read_transfer_reply,
)

NO_SERVER = "No server is set to ask where the call should go, so it was not transferred."


def _server(config: Any) -> dict[str, Any] | None:
    return config if isinstance(config, dict) and config.get("url") else None


async def ask_transfer_destination(
    server: ServerMessenger, tool: Mapping[str, Any]
) -> TransferTo | Refused:
    """The destination for a `transferCall` tool called without one: the tool's own server if
    it has one, else the assistant's (then the phone number's, the org's)."""
    tool_server = _server(tool.get("server"))
    if not await server.has_server(tool_server):
        return Refused(NO_SERVER)
    reply = await server.request("transfer-destination-request", tool_server=tool_server)
    answer = read_transfer_reply(reply)
    if isinstance(answer, Refused):
        logger.info(f"transfer-destination-request: no transfer ({answer.reason})")
    return answer


async def ask_handoff_destination(
    server: ServerMessenger, destination: Mapping[str, Any], parameters: Mapping[str, Any]
) -> HandoffTo | Refused:
    """The destination for a handoff to `{type: "dynamic", server}`: its own server is asked
    (falling back as any message does when it has none), with the LLM's arguments."""
    own = _server(destination.get("server"))
    if not await server.has_server(own):
        return Refused(NO_SERVER)
    reply = await server.request(
        "handoff-destination-request", tool_server=own, parameters=dict(parameters)
    )
    answer = read_handoff_reply(reply)
    if isinstance(answer, Refused):
        logger.info(f"handoff-destination-request: no handoff ({answer.reason})")
    return answer
