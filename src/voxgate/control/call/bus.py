"""Live calls across several `voxgate serve` processes, over Redis pub/sub (`VOXGATE_REDIS_URL`).

A call runs in the process holding its media socket. While it runs, that process subscribes to
the call's control channel (`serving`); a process that gets a control request or a listener for
a call it does not run publishes a request there (`control`, `listening`) and waits for the
answer on a reply channel of its own. Nobody subscribed (PUBLISH reaches 0 clients) means the
call runs nowhere. A listener subscribes to the call's audio channel first, then asks to join;
the running process then relays its listen tap there (bus_audio.py). A room control may not
import (telephony) reaches the running call the same way with a kind of request of its own: it
registers the handler (`relayable`) and sends with `relay`; so a carrier's answering-machine
verdict, posted to any process, gets to the call. Such a request is no control message: only a
process on the bus sends it, never the public control URL.

Unset `VOXGATE_REDIS_URL`: no bus (`current()` is None), every call is served in-process.
Redis unreachable (at start or mid-call): every call still runs where its socket is, and is
controlled and heard through that process; a request for a call of another process is a 503
(monitor.py); `/health` says `"redis": "unreachable"`. Once Redis answers again, running calls
subscribe again and other processes reach them as before.
"""

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError

from voxgate.control.call.bus_audio import QUEUE_CHUNKS, Relays, feed, next_message
from voxgate.control.call.monitoring import control_here, listen_refusal
from voxgate.control.call.registry import LiveCall, live_sessions
from voxgate.engine.listen import Listener
from voxgate.errors import VoxgateError

log = structlog.get_logger()
REPLY_SECONDS = 5.0  # the running process answers at once: only a dead one takes longer
RECONNECT_SECONDS = 1.0  # Redis lost: how often a running call tries to be reachable again
CONNECT_SECONDS = 5.0  # a Redis that does not accept a connection by then is unreachable
PING_SECONDS = 2.0
RETRIES, RETRY_CAP_SECONDS = 3, 0.5  # a command on a dropped connection: on a new one
Handler = Callable[[LiveCall, dict[str, Any]], Awaitable[None]]
_handlers: dict[str, Handler] = {}  # relayable kinds, by name (`relayable`)
UNREACHABLE = "Redis is unreachable: a call running on another voxgate process cannot be reached."


class Relayed(VoxgateError):
    """The error the process running the call answered with, passed on as it is."""

    def __init__(self, status_code: int, body: dict[str, Any]) -> None:
        super().__init__(str(body.get("message")))
        self.status_code, self._body = status_code, body

    def body(self) -> dict[str, object]:
        return dict(self._body)


class NoAnswer(VoxgateError):
    status_code = 503


class ListenRefused(Exception):
    """The call is not live anywhere, or its monitorPlan refuses this listener."""


class Bus:
    """One process's Redis connection pool and the calls it serves to other processes."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis, self._prefix = redis, prefix
        self._tasks: set[asyncio.Task[None]] = set()
        self._relays = Relays(redis, self._spawn)

    def channel(self, call_id: str, kind: str) -> str:
        return f"{self._prefix}call:{call_id}:{kind}"

    def _spawn(self, coroutine: Any) -> asyncio.Task[None]:
        """A task that outlives the call's `serving` block (cancelled only by `close`)."""
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # The process running the call.
    @contextlib.asynccontextmanager
    async def serving(self, call_id: str) -> AsyncIterator[None]:
        """Answers other processes' requests for this call while the block runs. Redis down
        must not take the call down: it runs, reachable from this process only, and is
        subscribed once Redis answers again."""
        pubsub = self.redis.pubsub()
        try:  # before the block: other processes see the call from its first moment
            await pubsub.subscribe(self.channel(call_id, "control"))
        except RedisError as error:
            log.warning("Redis is unreachable: the call is reachable from this process only",
                        call=call_id, error=repr(error))  # fmt: skip
        answering = asyncio.create_task(self._answer_all(call_id, pubsub))
        try:
            yield
        finally:
            answering.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await answering
            with contextlib.suppress(RedisError):
                await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def _answer_all(self, call_id: str, pubsub: PubSub) -> None:
        while True:  # one at a time: a call's control messages keep their order
            try:
                if not pubsub.subscribed:  # Redis was down when the call started
                    await pubsub.subscribe(self.channel(call_id, "control"))
                request = json.loads(await next_message(pubsub))
            except RedisError:  # the next read reconnects (and subscribes again)
                log.warning("lost Redis, reconnecting", call=call_id)
                await asyncio.sleep(RECONNECT_SECONDS)
                continue
            answering = self._spawn(self._reply(call_id, request))
            # Shielded: an `end-call` ends the block `serving` wraps, which cancels this loop;
            # its answer must still go out.
            await asyncio.shield(answering)

    async def _reply(self, call_id: str, request: dict[str, Any]) -> None:
        try:
            answer = await self._answer(call_id, request)
            await self.redis.publish(request["reply"], json.dumps(answer))
        except Exception:  # one bad request must not deafen the call
            log.exception("answering a relayed request failed", call=call_id)

    async def _answer(self, call_id: str, request: dict[str, Any]) -> dict[str, Any]:
        live = live_sessions.get(call_id)
        if live is None:
            return {"gone": True}
        handler = _handlers.get(str(request.get("kind")))
        if handler is not None:
            await handler(live, dict(request.get("payload") or {}))
            return {"status": 200}
        authorization = str(request.get("authorization") or "")
        if request.get("kind") == "listen":
            refused = await listen_refusal(live, authorization)
            if refused is None:
                self._relays.join(self.channel(call_id, "audio"), live)
            return {"refused": refused}
        try:
            body = str(request.get("body")).encode("latin-1")
            await control_here(live, authorization, body)
        except VoxgateError as error:
            return {"status": error.status_code, "body": error.body()}
        return {"status": 200}

    # Any other process.
    async def _ask(self, call_id: str, request: dict[str, Any]) -> dict[str, Any] | None:
        """The running process's answer, or None when no process runs the call."""
        reply = f"{self._prefix}reply:{uuid.uuid4().hex}"
        pubsub = self.redis.pubsub()
        try:
            await pubsub.subscribe(reply)
            asking = json.dumps({**request, "reply": reply})
            if await self.redis.publish(self.channel(call_id, "control"), asking) == 0:
                return None
            try:
                async with asyncio.timeout(REPLY_SECONDS):
                    answer: dict[str, Any] = json.loads(await next_message(pubsub))
            except TimeoutError:
                raise NoAnswer("The process running this call did not answer.") from None
            return None if answer.get("gone") else answer
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def control(self, call_id: str, authorization: str, body: bytes) -> bool:
        """Has the process running the call apply this control message (raising its error);
        False when the call runs nowhere."""
        # Latin-1 carries any bytes through JSON unchanged (the owner parses them as sent).
        request = {
            "kind": "control",
            "authorization": authorization,
            "body": body.decode("latin-1"),
        }
        answer = await self._ask(call_id, request)
        if answer is None:
            return False
        if answer["status"] != 200:
            raise Relayed(answer["status"], answer["body"])
        return True

    async def relay(self, call_id: str, kind: str, payload: dict[str, Any]) -> bool:
        """Has the process running the call apply `payload` with the handler registered for
        `kind`; False when the call runs nowhere."""
        return await self._ask(call_id, {"kind": kind, "payload": payload}) is not None

    @contextlib.asynccontextmanager
    async def listening(self, call_id: str, authorization: str) -> AsyncIterator[Listener]:
        """The call's audio from the process running it, as `ListenTap.listen` gives it."""
        pubsub = self.redis.pubsub()
        try:
            await pubsub.subscribe(self.channel(call_id, "audio"))  # before asking: no gap
            answer = await self._ask(call_id, {"kind": "listen", "authorization": authorization})
            if answer is None or answer.get("refused"):
                raise ListenRefused((answer or {}).get("refused") or "call is not in progress")
            queue: Listener = asyncio.Queue(QUEUE_CHUNKS)
            running = self._still_running(call_id)
            feeding = asyncio.create_task(feed(pubsub, queue, running))
            try:
                yield queue
            finally:
                feeding.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await feeding
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call]

    def _still_running(self, call_id: str) -> Callable[[], Awaitable[bool]]:
        async def running() -> bool:
            return bool(await self.running([call_id]))

        return running

    async def running(self, call_ids: list[str]) -> set[str]:
        """The calls some process runs: someone is subscribed to their control channel."""
        if not call_ids:
            return set()
        channels = [self.channel(call_id, "control") for call_id in call_ids]
        counts = await self.redis.pubsub_numsub(*channels)
        return {call_id for call_id, (_, n) in zip(call_ids, counts, strict=True) if n > 0}

    async def reachable(self) -> bool:
        """Whether Redis answers now (`/health`)."""
        try:
            async with asyncio.timeout(PING_SECONDS):
                return bool(await self.redis.ping())
        except (RedisError, TimeoutError):
            return False

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.redis.aclose()


_bus: Bus | None = None


def current() -> Bus | None:
    """This process's bus, when `VOXGATE_REDIS_URL` is set."""
    return _bus


def connect(url: str) -> Redis:
    """A connection pool to `url`. A pooled connection Redis has dropped (it restarted) fails
    its next command: that command is tried again on a new one, a few times, as SQLAlchemy's
    `pool_pre_ping` does for the database."""
    retry = Retry(ExponentialBackoff(cap=RETRY_CAP_SECONDS, base=0.05), RETRIES)
    return Redis.from_url(url, socket_connect_timeout=CONNECT_SECONDS, retry=retry)


async def start(url: str, prefix: str) -> Bus:
    """Opens the process's connection pool (app.py's lifespan); fails fast on a malformed URL.
    A Redis that does not answer does not stop the process: it serves its own calls, and
    reaches other processes' once Redis is back."""
    global _bus
    _bus = Bus(connect(url), prefix)
    if not await _bus.reachable():
        log.warning("Redis is unreachable: this process serves its own calls only until it is back")
    return _bus


async def stop() -> None:
    global _bus
    if _bus is not None:
        await _bus.close()
        _bus = None


def relayable(kind: str, handler: Handler) -> None:
    """Has the process running a call apply a `relay` of `kind` to it with `handler` (each
    process registers the same handlers, at import)."""
    if kind in ("control", "listen"):
        raise ValueError(f"{kind!r} is the bus's own kind of request")
    _handlers[kind] = handler


async def relay(call_id: str, kind: str, payload: dict[str, Any]) -> bool:
    """Hands `payload` to the process running the call (`relayable`); False when it does not get
    there: no bus, the call runs nowhere, or Redis or that process fails (logged: whoever sent
    it, a carrier's webhook, still gets its answer)."""
    if _bus is None:
        return False
    try:
        return await _bus.relay(call_id, kind, payload)
    except (RedisError, NoAnswer) as error:
        log.warning("a relayed request was lost", call=call_id, kind=kind, error=repr(error))
        return False


async def running_anywhere(call_ids: list[str]) -> set[str]:
    """Which of these calls some process runs (none known without a bus)."""
    return await _bus.running(call_ids) if _bus is not None else set()


async def runs_elsewhere(call_id: str) -> bool:
    """Whether another process runs the call already (its socket or media stream is connected
    there). Redis down: a call still runs here, only the others cannot reach it."""
    try:
        return bool(await running_anywhere([call_id]))
    except RedisError:
        return False


@contextlib.asynccontextmanager
async def serving(call_id: str) -> AsyncIterator[None]:
    """While the block runs, other processes reach this call (a no-op without a bus)."""
    if _bus is None:
        yield
        return
    async with _bus.serving(call_id):
        yield
