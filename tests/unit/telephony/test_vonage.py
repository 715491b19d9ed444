"""Vonage pieces without a network: the NCCO a transfer moves a call to, the webhook token, and
VonageLeg reading and writing its websocket (malformed text skipped, 20 ms messages out)."""

import json
from typing import Any

from starlette.websockets import WebSocketState

from tests.unit.engine.test_failure_reasons import vapi_reasons
from voxgate.control.call.phone import FAILED_TO_CONNECT
from voxgate.telephony.vonage import webhooks
from voxgate.telephony.vonage.client import VonageRest
from voxgate.telephony.vonage.events import ENDINGS
from voxgate.telephony.vonage.stream import FRAME_BYTES, VonageLeg


def test_a_sip_transfer_carries_its_headers_and_ring_time() -> None:
    destination = {"type": "sip", "sipUri": "sip:desk@pbx.example.com",
                   "sipHeaders": {"X-Ticket": "42"}, "transferPlan": {"timeout": 20}}  # fmt: skip
    assert webhooks.transfer_ncco(destination) == [{
        "action": "connect", "timeout": 20,
        "endpoint": [{"type": "sip", "uri": "sip:desk@pbx.example.com",
                      "headers": {"X-Ticket": "42"}}],
    }]  # fmt: skip


def test_the_token_is_the_keys_own_and_checked_exactly() -> None:
    credential = {"vonageApplicationPrivateKey": "-----BEGIN PRIVATE KEY-----\nA\n"}
    token = webhooks.credential_token(credential)
    assert token and len(token) == 43
    assert webhooks.genuine(credential, token)
    assert not webhooks.genuine(credential, token[:-1] + ("A" if token[-1] != "A" else "B"))
    assert not webhooks.genuine({"vonageApplicationPrivateKey": "other"}, token)
    assert not webhooks.genuine({}, token) and not webhooks.genuine(credential, "")


class _Socket:
    """The websocket side VonageLeg reads and writes: messages queued in advance."""

    application_state = WebSocketState.CONNECTED

    def __init__(self, messages: list[dict[str, Any]]) -> None:
        self.messages, self.sent = messages, []  # type: list[bytes | str]

    async def receive(self) -> dict[str, Any]:
        return self.messages.pop(0) if self.messages else {"type": "websocket.disconnect"}

    async def send_bytes(self, data: bytes) -> None:
        self.sent.append(data)

    async def send_text(self, text: str) -> None:
        self.sent.append(text)


async def test_malformed_text_is_skipped_and_a_close_ends_the_leg() -> None:
    texts = ['{"event": "websocket:dtmf" oops', '["notify"]', "not json",
             json.dumps({"event": "websocket:cleared"})]  # fmt: skip
    messages = [{"type": "websocket.receive", "text": t} for t in texts]
    messages.append({"type": "websocket.receive", "bytes": b"\x01\x00" * 320})
    socket: Any = _Socket(messages)
    leg = VonageLeg(socket, VonageRest({}), "uuid-1")
    assert await leg.receive() == b"\x01\x00" * 320  # 20 ms of 16 kHz PCM, as it came
    assert await leg.receive() is None and leg.stopped


async def test_audio_goes_out_in_20_ms_messages() -> None:
    socket: Any = _Socket([])
    leg = VonageLeg(socket, VonageRest({}), "uuid-1")
    await leg.send_bytes(b"\x00" * 1000)
    await leg.send_bytes(b"\x00" * 1000)
    assert [len(m) for m in socket.sent] == [FRAME_BYTES] * 3  # 80 bytes wait for more
    await leg.clear()  # a barge-in drops them with what Vonage holds
    assert socket.sent[-1] == json.dumps({"action": "clear"})
    await leg.send_bytes(b"\x00" * 600)
    assert len(socket.sent) == 4


def test_every_reason_an_event_ends_a_call_with_is_one_of_vapi_s() -> None:
    assert set(ENDINGS.values()) - vapi_reasons() == set()
    assert FAILED_TO_CONNECT["vonage"] in vapi_reasons()
