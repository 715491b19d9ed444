"""Asking the server for a destination: which server, what the message carries, and what a
missing server or reply means."""

from typing import Any

from tests.support.reference import assert_matches
from voxgate.engine.server_messages import ServerMessenger
from voxgate.engine.transfers.asking import (
    NO_SERVER,
    ask_handoff_destination,
    ask_transfer_destination,
)
from voxgate.engine.transfers.replies import NO_ANSWER, HandoffTo, Refused, TransferTo

BILLING = {"type": "assistant", "assistantName": "Billing"}


class Port:
    """The ServerMessages port: one scripted reply, every request kept."""

    def __init__(self, reply: dict[str, Any] | None, *, has_server: bool = True) -> None:
        self.reply, self._has = reply, has_server
        self.asked: list[tuple[dict[str, Any], dict[str, Any] | None]] = []

    async def send(self, message: dict[str, Any]) -> None:
        pass

    async def request(
        self,
        message: dict[str, Any],
        *,
        tool_server: dict[str, Any] | None = None,
        timeout_seconds: float | None = None,
    ) -> dict[str, Any] | None:
        self.asked.append((message, tool_server))
        return self.reply

    async def has_server(self, tool_server: dict[str, Any] | None = None) -> bool:
        return self._has or tool_server is not None


def messenger(port: Port, subscribed: list[str] | None = None) -> ServerMessenger:
    return ServerMessenger(port, subscribed, lambda: {"messages": []})


async def test_a_transfer_destination_from_the_assistant_s_server() -> None:
    port = Port({"destination": BILLING})
    answer = await ask_transfer_destination(messenger(port), {"type": "transferCall"})
    assert answer == TransferTo(BILLING)
    message, tool_server = port.asked[0]
    assert message["type"] == "transfer-destination-request" and tool_server is None
    assert message["artifact"] == {"messages": []}
    assert_matches(message, "ServerMessageTransferDestinationRequest")


async def test_the_tool_s_own_server_is_asked_even_unsubscribed() -> None:
    port = Port({"destination": BILLING}, has_server=False)
    own = {"url": "http://127.0.0.1:9/tools"}
    answer = await ask_transfer_destination(messenger(port, []), {"server": own})
    assert answer == TransferTo(BILLING) and port.asked[0][1] == own


async def test_no_server_or_no_reply_is_a_refusal() -> None:
    port = Port(None, has_server=False)
    assert await ask_transfer_destination(messenger(port), {}) == Refused(NO_SERVER)
    assert port.asked == []
    assert await ask_transfer_destination(messenger(Port(None)), {}) == Refused(NO_ANSWER)


async def test_a_dynamic_handoff_asks_its_own_server_with_the_arguments() -> None:
    target = {"type": "assistant", "assistantName": "Sales"}
    port = Port({"destination": target, "result": "Over to sales."}, has_server=False)
    own = {"url": "http://127.0.0.1:9/handoff"}
    arguments = {"destination": "dynamic", "customerIntent": "new-customer"}
    answer = await ask_handoff_destination(
        messenger(port), {"type": "dynamic", "server": own}, arguments
    )
    assert answer == HandoffTo(target, "Over to sales.")
    message, tool_server = port.asked[0]
    assert tool_server == own
    assert message["type"] == "handoff-destination-request"
    assert message["parameters"] == arguments
    assert_matches(message, "ServerMessageHandoffDestinationRequest")


async def test_a_dynamic_handoff_s_error_is_the_refusal() -> None:
    port = Port({"error": "Nobody is free."})
    answer = await ask_handoff_destination(messenger(port), {"type": "dynamic"}, {})
    assert answer == Refused("Nobody is free.")
