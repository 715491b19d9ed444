"""A live call's listen audio between processes (bus.py): the process running the call relays
its listen tap's chunks to the call's audio channel for as long as a PUBLISH still reaches a
remote listener (none: no audio is published), then an empty message when the call ends; the
listening process feeds its websocket's queue from that channel.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from voxgate.control.call.registry import LiveCall
from voxgate.engine.listen import Listener

QUEUE_CHUNKS = 50  # as engine/listen.py: a listener falling behind loses chunks
ENDED = b""  # on the audio channel: the call has ended
SILENCE_SECONDS = 5.0  # no audio this long (chunks come every 100 ms): is the call still running?
Spawn = Callable[[Coroutine[Any, Any, None]], "asyncio.Task[None]"]


async def next_message(pubsub: PubSub) -> bytes:
    """The next message published on the subscribed channels."""
    data = await message_within(pubsub, None)
    assert data is not None  # with no time limit, only a message returns
    return data


async def message_within(pubsub: PubSub, timeout: float | None) -> bytes | None:
    """The next message published on the subscribed channels (None: none within `timeout`)."""
    deadline = None if timeout is None else asyncio.get_running_loop().time() + timeout
    while True:
        left = None if deadline is None else max(0.0, deadline - asyncio.get_running_loop().time())
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=left)
        if message is not None and message["type"] == "message":
            data: bytes = message["data"]
            return data
        if left == 0.0:
            return None


class Relays:
    """The running process's side: one relay per call that remote listeners hear."""

    def __init__(self, redis: Redis, spawn: Spawn) -> None:
        self._redis, self._spawn = redis, spawn
        self._joined: dict[str, asyncio.Event] = {}  # channel → "a listener joined meanwhile"

    def join(self, channel: str, live: LiveCall) -> None:
        """A remote listener has subscribed to `channel`: relays the call's audio there."""
        joined = self._joined.get(channel)
        if joined is not None:
            joined.set()  # the running relay must not stop on a PUBLISH that missed this one
            return
        joined = self._joined[channel] = asyncio.Event()
        self._spawn(self._relay(channel, live, joined))

    async def _relay(self, channel: str, live: LiveCall, joined: asyncio.Event) -> None:
        try:
            async with live.session.listen.listen() as queue:
                while (chunk := await queue.get()) is not None:
                    if await self._redis.publish(channel, chunk) == 0 and not joined.is_set():
                        return  # the last remote listener has left
                    joined.clear()
                await self._redis.publish(channel, ENDED)
        finally:
            if self._joined.get(channel) is joined:
                del self._joined[channel]


async def feed(pubsub: PubSub, queue: Listener, running: Callable[[], Awaitable[bool]]) -> None:
    """The listening process's side: the audio channel's chunks into one listener's queue,
    until the call ends (or, silent a while, `running` says its process has gone, or Redis is
    lost: the listener may come back)."""
    try:
        while (chunk := await message_within(pubsub, SILENCE_SECONDS)) != ENDED:
            if chunk is None:
                if not await running():
                    break
                continue
            with contextlib.suppress(asyncio.QueueFull):  # a slow listener loses this chunk
                queue.put_nowait(chunk)
    except RedisError:
        pass
    if queue.full():
        queue.get_nowait()  # the end must get through even to a listener behind
    queue.put_nowait(None)
