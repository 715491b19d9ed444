"""Call latency and capacity: real websocket calls against a voxgate server in a subprocess.

Stacks (`--stack`):
- `instant`: fake Deepgram STT, fake Cartesia TTS and a fake LLM with no delay, all on loopback in
  another subprocess: what voxgate itself adds to a turn.
- `offline`: faster-whisper tiny.en, espeak-ng and a fake LLM with a 150 ms first token: voice to
  voice with no cloud at all.

Each caller says a fixture utterance per turn (paced like a microphone, silence around it). A
turn's figure is end of speech → first reply audio, minus the endpointing wait the assistant asks
for (VAD stop 0.2 s + `startSpeakingPlan.waitSeconds`). Underruns are counted on a playback
clock at the listener. Callers run in several processes so the load generator is not the limit.

    .venv/bin/python bench/calls.py --stack instant --calls 1,10,50
    .venv/bin/python bench/calls.py --stack offline --calls 1 --turns 5
    .venv/bin/python bench/calls.py --stack instant --capacity
"""

import argparse
import asyncio
import multiprocessing
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from caller import Caller, Turn, utterance
from common import ROOT, free_port, percentile, rss_mb, start, stop, voxgate_env
from websockets.asyncio.client import connect

KEY = "11111111-2222-4333-8444-555555555555"
FIXTURE = ROOT / "tests" / "fixtures" / "audio" / "weather-today.wav"
WAIT_SECONDS = 0.4
ENDPOINTING = 0.2 + WAIT_SECONDS
CALLS_PER_PROCESS = 10


def assistant(stack: str, fakes: str) -> dict[str, Any]:
    model = {"provider": "custom-llm", "model": "fake", "url": f"{fakes}/v1",
             "messages": [{"role": "system", "content": "Answer in one sentence."}]}  # fmt: skip
    body: dict[str, Any] = {
        "firstMessage": "Hello.",
        "model": model,
        "startSpeakingPlan": {"waitSeconds": WAIT_SECONDS},
        "silenceTimeoutSeconds": 600,
        "maxDurationSeconds": 3600,
    }
    if stack == "instant":
        body["transcriber"] = {"provider": "deepgram", "model": "nova-2"}
        body["voice"] = {"provider": "cartesia", "voiceId": "bench"}
        body["credentials"] = [{"provider": p, "apiKey": "bench"} for p in ("deepgram", "cartesia")]
        body["voice"]["model"] = "sonic-2"
    return body


async def one_call(api: str, body: dict[str, Any], turns: int, hold: float) -> list[Turn]:
    headers = {"Authorization": f"Bearer {KEY}"}
    async with httpx.AsyncClient(base_url=api, headers=headers, timeout=60) as http:
        call = {"assistant": body, "transport": {"provider": "vapi.websocket"}}
        created = await http.post("/call", json=call)
        created.raise_for_status()
        url = created.json()["transport"]["websocketCallUrl"]
    pcm, _ = utterance(FIXTURE)
    async with connect(url, max_size=None) as ws:
        caller = Caller(ws)
        tasks = [asyncio.create_task(caller.microphone()), asyncio.create_task(caller.listen())]
        try:
            await caller.quiet(0.0, limit=60)  # the greeting
            results = []
            for _ in range(turns):
                turn = await caller.say(pcm, limit=60, out_rate=16000)
                turn.latency -= ENDPOINTING
                results.append(turn)
            await asyncio.sleep(hold)  # keeps the call up while memory is read
            return results
        finally:
            for task in tasks:
                task.cancel()


def _process(args: tuple[str, dict[str, Any], int, int, float]) -> list[list[Turn] | str]:
    api, body, calls, turns, hold = args

    async def run() -> list[list[Turn] | str]:
        done = await asyncio.gather(
            *(one_call(api, body, turns, hold) for _ in range(calls)), return_exceptions=True
        )
        return [d if isinstance(d, list) else f"{type(d).__name__}: {d}" for d in done]

    return asyncio.run(run())


def run_calls(api: str, body: dict[str, Any], calls: int, turns: int, hold: float,
              server_pid: int) -> tuple[list[Turn], list[str], float]:  # fmt: skip
    """Runs `calls` concurrent calls; returns their turns, failures and the server's peak RSS."""
    shares = [CALLS_PER_PROCESS] * (calls // CALLS_PER_PROCESS)
    if calls % CALLS_PER_PROCESS:
        shares.append(calls % CALLS_PER_PROCESS)
    with multiprocessing.Pool(len(shares)) as pool:
        pending = pool.map_async(_process, [(api, body, n, turns, hold) for n in shares])
        peak = 0.0
        while not pending.ready():
            peak = max(peak, rss_mb(server_pid))
            time.sleep(0.2)
        results = [r for share in pending.get() for r in share]
    turns_out = [t for r in results if isinstance(r, list) for t in r]
    return turns_out, [r for r in results if isinstance(r, str)], peak


def report(calls: int, turns: list[Turn], failures: list[str], rss: float, idle: float) -> None:
    ms = [t.latency * 1000 for t in turns]
    underruns = sum(t.underruns for t in turns)
    per_call = (rss - idle) / calls
    print(f"{calls:>6}{len(turns):>7}{percentile(ms, 50):>9.0f}{percentile(ms, 99):>9.0f}"
          f"{underruns:>11}{len(failures):>9}{rss:>10.0f}{per_call:>10.1f}")  # fmt: skip
    for failure in failures[:3]:
        print(f"        failed: {failure}")


@contextmanager
def servers(stack: str) -> Iterator[tuple[str, dict[str, Any], subprocess.Popen[bytes]]]:
    """The fakes and a voxgate server in subprocesses: its URL, the assistant for `stack`, and
    the voxgate process (for its memory); both are stopped on the way out."""
    data = Path(tempfile.mkdtemp(prefix="voxgate-bench-"))
    fakes_port, vox_port = free_port(), free_port()
    delay = "0" if stack == "instant" else "0.15"
    fakes = start([sys.executable, "bench/fakes.py", "--port", str(fakes_port), "--delay", delay],
                  voxgate_env(data, KEY), fakes_port)  # fmt: skip
    env = voxgate_env(data, KEY)
    fakes_url = f"http://127.0.0.1:{fakes_port}"
    env.update({"VOXGATE_PUBLIC_URL": f"http://127.0.0.1:{vox_port}",
                "VOXGATE_DEEPGRAM_BASE_URL": fakes_url.replace("http", "ws"),
                "VOXGATE_CARTESIA_BASE_URL": fakes_url.replace("http", "ws")})  # fmt: skip
    voxgate = start([str(Path(sys.executable).parent / "voxgate"), "serve", "--port",
                     str(vox_port)], env, vox_port)  # fmt: skip
    try:
        yield f"http://127.0.0.1:{vox_port}", assistant(stack, fakes_url), voxgate
    finally:
        stop(voxgate, fakes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stack", choices=("instant", "offline"), default="instant")
    parser.add_argument("--calls", default="1,10,50", help="Comma-separated concurrency levels.")
    parser.add_argument("--turns", type=int, default=3, help="Turns per call.")
    parser.add_argument(
        "--capacity", action="store_true", help="Raise the calls until one fails or underruns."
    )
    options = parser.parse_args()

    with servers(options.stack) as (api, body, voxgate):
        run_calls(api, body, 1, 1, 0, voxgate.pid)  # warm up: models loaded, code paths hot
        idle = rss_mb(voxgate.pid)
        print(
            f"stack {options.stack}; latency = end of speech → first reply audio - "
            f"{ENDPOINTING:.1f} s endpointing; server idle RSS {idle:.0f} MB"
        )
        print(f"{'calls':>6}{'turns':>7}{'p50 ms':>9}{'p99 ms':>9}{'underruns':>11}"
              f"{'failed':>9}{'RSS MB':>10}{'MB/call':>10}")  # fmt: skip
        levels = [int(n) for n in options.calls.split(",")]
        if options.capacity:
            levels = [10, 20, 30, 40, 50, 60, 80, 100, 120, 150, 200]
        for calls in levels:
            turns, failures, rss = run_calls(api, body, calls, options.turns, 1.0, voxgate.pid)
            report(calls, turns, failures, rss, idle)
            if options.capacity and (failures or any(t.underruns for t in turns)):
                break


if __name__ == "__main__":
    main()
