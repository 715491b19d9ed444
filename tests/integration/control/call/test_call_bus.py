"""The Redis bus between processes (control/call/bus.py), with a real Redis: two `Bus`es stand
for two processes, one running a call (a stand-in session), the other reaching it."""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from tests.support.redis import fresh_prefix, redis_url
from tests.support.tcp_proxy import TcpProxy
from voxgate.control.call import bus as bus_module
from voxgate.control.call import bus_audio
from voxgate.control.call.bus import Bus, ListenRefused, NoAnswer, Relayed, connect
from voxgate.control.call.registry import LiveCall, live_sessions
from voxgate.telephony import voicemail

CALL = "00000000-0000-4000-8000-00000000b005"


class Tap:
    """ListenTap's contract: a queue per listener, None once the call has ended."""

    def __init__(self) -> None:
        self.listeners: set[asyncio.Queue[bytes | None]] = set()

    @contextlib.asynccontextmanager
    async def listen(self) -> AsyncIterator[asyncio.Queue[bytes | None]]:
        queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.listeners.add(queue)
        try:
            yield queue
        finally:
            self.listeners.discard(queue)

    def hear(self, chunk: bytes | None) -> None:
        for queue in self.listeners:
            queue.put_nowait(chunk)


class Session:
    """What the bus reaches of a `CallSession`: its assistant, `handle`, its listen tap."""

    def __init__(self, monitor_plan: dict[str, Any] | None = None) -> None:
        self.assistant = {"monitorPlan": monitor_plan or {}}
        self.handled: list[dict[str, Any]] = []
        self.listen = Tap()

    async def handle(self, message: dict[str, Any], *, source: str) -> str | None:
        if message.get("type") == "unknown":
            return "Unknown message type: unknown"
        self.handled.append(message)
        return None


@pytest.fixture
async def buses() -> AsyncIterator[tuple[Bus, Bus]]:
    url, prefix = redis_url(), fresh_prefix()
    running, other = Bus(Redis.from_url(url), prefix), Bus(Redis.from_url(url), prefix)
    yield running, other
    await running.close()
    await other.close()


@contextlib.asynccontextmanager
async def live(running: Bus, session: Session) -> AsyncIterator[None]:
    live_sessions[CALL] = LiveCall("org", session)  # type: ignore[arg-type]
    try:
        async with running.serving(CALL):
            yield
    finally:
        live_sessions.pop(CALL, None)


async def test_a_control_message_reaches_the_process_running_the_call(
    buses: tuple[Bus, Bus],
) -> None:
    running, other = buses
    session = Session()
    async with live(running, session):
        body = json.dumps({"message": {"type": "say", "content": "Grüße"}}, ensure_ascii=False)
        assert await other.control(CALL, "", body.encode()) is True
    assert session.handled == [{"type": "say", "content": "Grüße"}]


async def test_a_refusal_comes_back_as_the_running_process_gave_it(
    buses: tuple[Bus, Bus],
) -> None:
    running, other = buses
    async with live(running, Session()):
        with pytest.raises(Relayed) as refused:
            await other.control(CALL, "", b'{"type": "unknown"}')
        assert refused.value.status_code == 400
        assert refused.value.body()["message"] == "Unknown message type: unknown"
        with pytest.raises(Relayed) as not_json:
            await other.control(CALL, "", b"{")
        assert not_json.value.body()["message"] == "The body must be a JSON control message."
        with pytest.raises(Relayed) as not_utf8:
            await other.control(CALL, "", b'{"type": "say", "content": "\xff"}')
        assert not_utf8.value.body()["message"] == "The body must be a JSON control message."
    async with live(running, Session({"controlEnabled": False})):
        with pytest.raises(Relayed) as off:
            await other.control(CALL, "", b'{"type": "end-call"}')
        assert off.value.status_code == 403


async def test_a_call_running_nowhere_is_not_reached(buses: tuple[Bus, Bus]) -> None:
    running, other = buses
    assert await other.control(CALL, "", b'{"type": "end-call"}') is False
    async with live(running, Session()):
        pass
    assert await other.control(CALL, "", b'{"type": "end-call"}') is False  # it has ended
    with pytest.raises(ListenRefused, match="call is not in progress"):
        async with other.listening(CALL, ""):
            pass


async def test_a_silent_process_is_a_503(
    buses: tuple[Bus, Bus], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, other = buses
    monkeypatch.setattr(bus_module, "REPLY_SECONDS", 0.3)
    deaf = other.redis.pubsub()
    await deaf.subscribe(other.channel(CALL, "control"))  # subscribed, never answers
    try:
        with pytest.raises(NoAnswer):
            await other.control(CALL, "", b'{"type": "end-call"}')
    finally:
        await deaf.aclose()


async def test_a_remote_listener_gets_the_audio_until_the_call_ends(
    buses: tuple[Bus, Bus],
) -> None:
    running, other = buses
    session = Session()
    async with live(running, session):
        assert session.listen.listeners == set()  # nobody listens: nothing is published
        async with other.listening(CALL, "") as queue:
            assert len(session.listen.listeners) == 1
            session.listen.hear(b"\x01\x00" * 8)
            assert await asyncio.wait_for(queue.get(), 5) == b"\x01\x00" * 8
            session.listen.hear(None)  # the call ends
            assert await asyncio.wait_for(queue.get(), 5) is None


async def test_the_audio_stops_once_the_last_remote_listener_leaves(
    buses: tuple[Bus, Bus],
) -> None:
    running, other = buses
    session = Session()
    async with live(running, session):
        async with other.listening(CALL, "") as first, other.listening(CALL, "") as second:
            session.listen.hear(b"\x02\x00")
            assert await asyncio.wait_for(first.get(), 5) == b"\x02\x00"
            assert await asyncio.wait_for(second.get(), 5) == b"\x02\x00"
            assert len(session.listen.listeners) == 1  # one relay for both listeners
        for _ in range(100):  # the next chunk reaches nobody: the relay stops
            session.listen.hear(b"\x03\x00")
            await asyncio.sleep(0.05)
            if not session.listen.listeners:
                break
        assert session.listen.listeners == set()
        async with other.listening(CALL, "") as again:  # and starts again for a newcomer
            session.listen.hear(b"\x04\x00")
            assert await asyncio.wait_for(again.get(), 5) == b"\x04\x00"


async def test_the_monitor_plan_refuses_a_remote_listener(buses: tuple[Bus, Bus]) -> None:
    running, other = buses
    session = Session({"listenEnabled": False})
    async with live(running, session):
        with pytest.raises(ListenRefused, match="listening is turned off for this call"):
            async with other.listening(CALL, ""):
                pass
    assert session.listen.listeners == set()


async def test_a_remote_listener_is_let_go_when_the_running_process_goes(
    buses: tuple[Bus, Bus], monkeypatch: pytest.MonkeyPatch
) -> None:
    running, other = buses
    monkeypatch.setattr(bus_audio, "SILENCE_SECONDS", 0.2)
    session = Session()
    async with contextlib.AsyncExitStack() as process:
        await process.enter_async_context(live(running, session))
        async with other.listening(CALL, "") as queue:
            session.listen.hear(b"\x05\x00")
            assert await asyncio.wait_for(queue.get(), 5) == b"\x05\x00"
            await process.aclose()  # it stops serving the call, and never says it ended
            assert await asyncio.wait_for(queue.get(), 5) is None


class Answered(Session):
    """A session whose assistant has the carrier detect voicemail: what a verdict reaches."""

    def __init__(self) -> None:
        super().__init__()
        plan = {"provider": "twilio", "voicemailDetectionTypes": ["machine_end_beep"]}
        self.assistant = {"voicemailDetection": plan, "voicemailMessage": "Call me back."}
        self.ended: list[tuple[str, str | None]] = []

    async def end_after_speaking(self, reason: str, text: str | None = None) -> None:
        self.ended.append((reason, text))


@pytest.fixture
def elsewhere(buses: tuple[Bus, Bus], monkeypatch: pytest.MonkeyPatch) -> None:
    """This test process is the one not running the call: its bus is `other`, and voicemail.py
    finds no session of its own (the running `Bus` still finds it in the registry)."""
    monkeypatch.setattr(bus_module, "_bus", buses[1])
    monkeypatch.setattr(voicemail, "live_sessions", {})


async def test_a_verdict_posted_elsewhere_reaches_the_process_running_the_call(
    buses: tuple[Bus, Bus], elsewhere: None
) -> None:
    running, _ = buses
    session = Answered()
    async with live(running, session):  # type: ignore[arg-type]
        await voicemail.answered_by(CALL, "human")
        await voicemail.answered_by(CALL, "machine_end_silence")  # not a type the plan lists
        assert session.ended == []
        await voicemail.answered_by(CALL, "machine_end_beep")
    assert session.ended == [("voicemail", "Call me back.")]


async def test_a_verdict_for_a_call_running_nowhere_is_dropped(
    buses: tuple[Bus, Bus], elsewhere: None
) -> None:
    await voicemail.answered_by(CALL, "machine_end_beep")  # no error
    assert await buses[1].relay(CALL, voicemail.RELAYED, {"verdict": "machine_end_beep"}) is False


async def test_a_verdict_is_no_control_message(buses: tuple[Bus, Bus]) -> None:
    """Only a process on the bus hands a verdict on: the control URL cannot replay one (its
    body is a control message, left to `CallSession.handle`, which knows no such type)."""
    running, other = buses
    session = Answered()
    message = {"type": voicemail.RELAYED, "verdict": "machine_end_beep"}
    async with live(running, session):  # type: ignore[arg-type]
        assert await other.control(CALL, "", json.dumps(message).encode())
    assert session.handled == [message]
    assert session.ended == []


async def reached(other: Bus, limit: float = 10) -> bool:
    """Whether a control message gets to the call within `limit` seconds."""
    deadline = asyncio.get_running_loop().time() + limit
    while not await other.control(CALL, "", b'{"type": "say", "content": "Hi"}'):
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.2)
    return True


async def test_a_call_started_while_redis_is_down_is_reached_once_it_is_back() -> None:
    prefix = fresh_prefix()
    with TcpProxy(redis_url()) as proxy:
        proxy.cut()
        running = Bus(connect(proxy.url), prefix)
        other = Bus(connect(redis_url()), prefix)
        session = Session()
        try:
            async with live(running, session):  # the call runs all the same
                assert not await running.reachable()
                assert not await other.control(CALL, "", b'{"type": "end-call"}')
                proxy.restore()
                assert await reached(other)
                assert await running.reachable()
        finally:
            await running.close()
            await other.close()
    assert session.handled[0] == {"type": "say", "content": "Hi"}


async def test_a_call_whose_process_loses_redis_is_reached_again_once_it_is_back() -> None:
    prefix = fresh_prefix()
    with TcpProxy(redis_url()) as proxy:
        running = Bus(connect(proxy.url), prefix)
        other = Bus(connect(redis_url()), prefix)
        try:
            async with live(running, Session()):
                assert await reached(other)
                proxy.cut()
                assert not await other.control(CALL, "", b'{"type": "end-call"}')  # unreachable
                proxy.restore()
                assert await reached(other)
        finally:
            await running.close()
            await other.close()


async def test_a_verdict_whose_redis_is_lost_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    """The carrier still gets its answer: the webhook returns, the loss is only logged."""
    with TcpProxy(redis_url()) as proxy:
        proxy.cut()
        other = Bus(connect(proxy.url), fresh_prefix())
        monkeypatch.setattr(bus_module, "_bus", other)
        try:
            await voicemail.answered_by(CALL, "machine_end_beep")
        finally:
            await other.close()


async def test_a_listener_whose_redis_is_lost_is_let_go() -> None:
    prefix = fresh_prefix()
    with TcpProxy(redis_url()) as proxy:
        running = Bus(connect(redis_url()), prefix)
        other = Bus(connect(proxy.url), prefix)
        session = Session()
        try:
            async with live(running, session), other.listening(CALL, "") as queue:
                session.listen.hear(b"\x05\x00")
                assert await asyncio.wait_for(queue.get(), 5) == b"\x05\x00"
                proxy.cut()
                assert await asyncio.wait_for(queue.get(), 30) is None
        finally:
            await running.close()
            await other.close()
