"""Soak: N concurrent websocket calls on the `instant` stack (bench/calls.py) for M minutes.

Each call talks in a loop (the fixture utterance, then the reply) for `--turns` turns, hangs up
and is replaced at once, until the time is up. A call that ends any other way than the caller's
hang-up (`customer-ended-call`), or that fails to start or answer, is a dropped call. Reported:
dropped calls, turn latency p50/p95/p99 (as bench/calls.py measures it), underruns, and the
server's RSS at the start and end of the soak with its slope per minute (least squares over a
sample a second), and the slope over the second half alone (warm-up grows early, a leak keeps
on). The last line is the summary as JSON; the exit code is 1 if a call dropped.

    .venv/bin/python bench/soak.py --calls 5 --minutes 3
"""

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import time
from typing import Any

import httpx
from caller import Caller, Turn, utterance
from calls import ENDPOINTING, FIXTURE, KEY, servers
from common import percentile, rss_mb
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

EXPECTED = "customer-ended-call"
HEADERS = {"Authorization": f"Bearer {KEY}"}


class Soak:
    def __init__(self, api: str, body: dict[str, Any], turns: int, until: float) -> None:
        self.api, self.body, self.turns, self.until = api, body, turns, until
        self.pcm, _ = utterance(FIXTURE)
        self.results: list[Turn] = []
        self.calls = 0
        self.dropped: list[str] = []  # why, per dropped call

    async def slot(self) -> None:
        """One line kept busy: a call after another until the time is up."""
        while time.monotonic() < self.until:
            self.calls += 1
            try:
                await self.one_call()
            except Exception as error:  # any failure is a dropped call
                self.dropped.append(f"{type(error).__name__}: {error}")

    async def one_call(self) -> None:
        async with httpx.AsyncClient(base_url=self.api, headers=HEADERS, timeout=60) as http:
            created = await http.post("/call", json={
                "assistant": self.body, "transport": {"provider": "vapi.websocket"}
            })  # fmt: skip
            created.raise_for_status()
            call = created.json()
            with contextlib.suppress(ConnectionClosed):  # the server hung up: its reason tells
                async with connect(call["transport"]["websocketCallUrl"], max_size=None) as ws:
                    await self.talk(Caller(ws))
            reason = await ended_reason(http, call["id"])
        if reason != EXPECTED:
            self.dropped.append(f"call {call['id']} ended: {reason}")

    async def talk(self, caller: Caller) -> None:
        listening = asyncio.create_task(caller.listen())
        microphone = asyncio.create_task(caller.microphone())
        try:
            await self.unless_closed(listening, caller.quiet(0.0, limit=30))  # the greeting
            for _ in range(self.turns):
                if time.monotonic() >= self.until:
                    break
                turn = await self.unless_closed(listening, caller.say(self.pcm, 30, 16000))
                turn.latency -= ENDPOINTING
                self.results.append(turn)
        finally:
            microphone.cancel()
            listening.cancel()

    @staticmethod
    async def unless_closed(listening: asyncio.Task[None], step: Any) -> Any:
        """Runs `step`, or stops when the server closes the call first."""
        doing = asyncio.ensure_future(step)
        done, _ = await asyncio.wait({doing, listening}, return_when=asyncio.FIRST_COMPLETED)
        if doing not in done:
            doing.cancel()
            raise ConnectionClosed(None, None)  # the server hung up; its reason is looked up
        return doing.result()


async def ended_reason(http: httpx.AsyncClient, call_id: str) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        call = (await http.get(f"/call/{call_id}")).json()
        if call["status"] == "ended":
            return str(call.get("endedReason"))
        await asyncio.sleep(0.2)
    return f"still {call['status']} 30 s after the hang-up"


async def sample_rss(pid: int, samples: list[tuple[float, float]], until: float) -> None:
    while time.monotonic() < until:
        samples.append((time.monotonic(), rss_mb(pid)))
        await asyncio.sleep(1.0)


def slope_per_minute(samples: list[tuple[float, float]]) -> float:
    if len(samples) < 3:
        return float("nan")
    times, values = [t for t, _ in samples], [v for _, v in samples]
    return statistics.linear_regression(times, values).slope * 60


async def soak(api: str, body: dict[str, Any], pid: int, options: Any) -> dict[str, Any]:
    until = time.monotonic() + options.minutes * 60
    runner, samples = Soak(api, body, options.turns, until), []
    started = time.monotonic()
    await asyncio.gather(sample_rss(pid, samples, until),
                         *(runner.slot() for _ in range(options.calls)))  # fmt: skip
    samples.append((time.monotonic(), rss_mb(pid)))
    ms = [t.latency * 1000 for t in runner.results]
    return {
        "concurrent": options.calls, "minutes": round((time.monotonic() - started) / 60, 2),
        "calls": runner.calls, "turns": len(ms), "dropped": len(runner.dropped),
        "p50_ms": round(percentile(ms, 50)), "p95_ms": round(percentile(ms, 95)),
        "p99_ms": round(percentile(ms, 99)),
        "underruns": sum(t.underruns for t in runner.results),
        "rss_start_mb": round(samples[0][1], 1), "rss_end_mb": round(samples[-1][1], 1),
        "rss_mb_per_minute": round(slope_per_minute(samples), 2),
        # Warm-up (models, caches, the allocator's arenas) grows early; a leak keeps growing.
        "rss_mb_per_minute_second_half": round(slope_per_minute(samples[len(samples) // 2 :]), 2),
        "why_dropped": runner.dropped[:5],
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=5, help="Concurrent calls.")
    parser.add_argument("--minutes", type=float, default=3.0, help="How long the soak lasts.")
    parser.add_argument("--turns", type=int, default=5, help="Turns before a call is replaced.")
    options = parser.parse_args()
    with servers("instant") as (api, body, voxgate):
        asyncio.run(Soak(api, body, 1, time.monotonic() + 60).one_call())  # warm up
        summary = asyncio.run(soak(api, body, voxgate.pid, options))
    s = summary
    print(f"{s['concurrent']} concurrent calls for {s['minutes']} min: {s['calls']} calls, "
          f"{s['turns']} turns, {s['dropped']} dropped, {s['underruns']} underruns")  # fmt: skip
    print(f"turn latency (end of speech → first reply audio - {ENDPOINTING:.1f} s): "
          f"p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms, p99 {s['p99_ms']} ms")  # fmt: skip
    print(f"server RSS {s['rss_start_mb']} → {s['rss_end_mb']} MB "
          f"({s['rss_mb_per_minute']:+.2f} MB/min; second half "
          f"{s['rss_mb_per_minute_second_half']:+.2f} MB/min)")  # fmt: skip
    for why in s["why_dropped"]:
        print(f"  dropped: {why}")
    print(json.dumps(summary))
    sys.exit(1 if s["dropped"] else 0)


if __name__ == "__main__":
    main()
