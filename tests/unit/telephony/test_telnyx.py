"""Telnyx's pieces without a network: the webhook signature check (Ed25519 over
`{timestamp}|{body}`, with a tolerance) and TelnyxLeg reading its media stream."""

import base64
import json
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from starlette.websockets import WebSocketState

from voxgate.errors import Forbidden
from voxgate.telephony.telnyx import signature
from voxgate.telephony.telnyx.client import TelnyxRest
from voxgate.telephony.telnyx.stream import TelnyxLeg, transfer_body

KEY = Ed25519PrivateKey.generate()
PUBLIC = base64.b64encode(KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()
BODY = b'{"data": {"event_type": "call.initiated"}}'


def headers(stamp: str, body: bytes = BODY, key: Ed25519PrivateKey = KEY) -> dict[str, str]:
    signed = base64.b64encode(key.sign(stamp.encode() + b"|" + body)).decode()
    return {signature.SIGNATURE: signed, signature.TIMESTAMP: stamp}


def test_a_fresh_signature_of_the_body_passes() -> None:
    signature.check(headers(str(int(time.time()))), BODY, PUBLIC)


OTHER = Ed25519PrivateKey.generate()


@pytest.mark.parametrize(
    ("age", "body", "key", "public", "said"),
    [
        (0, b"another body", KEY, PUBLIC, signature.FORGED),
        (0, BODY, OTHER, PUBLIC, signature.FORGED),
        (0, BODY, KEY, None, signature.FORGED),  # no key: nothing passes
        (301, BODY, KEY, PUBLIC, signature.STALE),
        (-301, BODY, KEY, PUBLIC, signature.STALE),
    ],
)
def test_forged_and_stale_requests_are_refused(
    age: int, body: bytes, key: Ed25519PrivateKey, public: str | None, said: str
) -> None:
    sent = headers(str(int(time.time()) - age), body, key)  # signed now, `age` seconds old
    with pytest.raises(Forbidden) as refused:
        signature.check(sent, BODY, public)
    assert refused.value.message == said


@pytest.mark.parametrize(
    "sent",
    [{signature.TIMESTAMP: "1"}, {signature.SIGNATURE: "", signature.TIMESTAMP: "x"}, {}],
)
def test_unsigned_requests_are_refused(sent: dict[str, str]) -> None:
    with pytest.raises(Forbidden):
        signature.check(sent, BODY, PUBLIC)


def test_a_timestamp_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(Forbidden) as refused:
        signature.check(headers("yesterday"), BODY, PUBLIC)
    assert refused.value.message == signature.STALE


class _Stream:
    application_state = WebSocketState.CONNECTED

    def __init__(self, frames: list[str]) -> None:
        self.frames = frames

    async def receive_text(self) -> str:
        return self.frames.pop(0)


async def test_malformed_frames_are_skipped_and_stop_ends_the_stream() -> None:
    payload = base64.b64encode(b"\xff" * 160).decode()
    media = {"event": "media", "stream_id": "s1", "media": {"track": "inbound", "payload": payload}}
    frames = ['{"event": "stop" oops', '["media"]', "not json", json.dumps(media),
              json.dumps({"event": "stop", "stream_id": "s1"})]  # fmt: skip
    stream: Any = _Stream(frames)
    leg = TelnyxLeg(stream, TelnyxRest("KEY"), "v3:1", "s1")
    audio = await leg.receive()
    assert isinstance(audio, bytes) and len(audio) == 320  # 20 ms of 8 kHz PCM
    assert await leg.receive() is None and leg.stopped


def test_a_transfer_destination_as_telnyxs_command() -> None:
    sip = {"type": "sip", "sipUri": "sip:desk@pbx.example.com", "transferPlan": {"timeout": 20}}
    assert transfer_body(sip) == {"to": "sip:desk@pbx.example.com", "timeout_secs": 20}
    number = {"type": "number", "number": "+14155550100", "callerId": "+15550004444"}
    assert transfer_body(number) == {"to": "+14155550100", "from": "+15550004444"}


def test_a_sip_transfers_headers_go_in_the_invites_custom_headers() -> None:
    sip = {"type": "sip", "sipUri": "sip:desk@pbx.example.com",
           "sipHeaders": {"X-Ticket": "42", "X-Room": 12}}  # fmt: skip
    assert transfer_body(sip) == {
        "to": "sip:desk@pbx.example.com",
        "custom_headers": [{"name": "X-Ticket", "value": "42"}, {"name": "X-Room", "value": "12"}],
    }
    number = {"type": "number", "number": "+14155550100", "sipHeaders": {"X-Ticket": "42"}}
    assert transfer_body(number) == {"to": "+14155550100"}  # headers are SIP's
