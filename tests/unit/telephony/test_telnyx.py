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


@pytest.mark.parametrize(
    ("sent", "key", "said"),
    [
        (headers(str(int(time.time())), b"another body"), PUBLIC, signature.FORGED),
        (
            headers(str(int(time.time())), key=Ed25519PrivateKey.generate()),
            PUBLIC,
            signature.FORGED,
        ),
        ({signature.TIMESTAMP: str(int(time.time()))}, PUBLIC, signature.FORGED),
        (headers(str(int(time.time()))), None, signature.FORGED),  # no key: nothing passes
        (headers(str(int(time.time()) - 301)), PUBLIC, signature.STALE),
        (headers(str(int(time.time()) + 301)), PUBLIC, signature.STALE),
        (headers("yesterday"), PUBLIC, signature.STALE),
    ],
)
def test_forged_unsigned_and_stale_requests_are_refused(
    sent: dict[str, str], key: str | None, said: str
) -> None:
    with pytest.raises(Forbidden) as refused:
        signature.check(sent, BODY, key)
    assert refused.value.message == said


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
