"""API throughput and p99: voxgate's GET/POST /assistant beside a bare Starlette endpoint.

Both servers run in subprocesses under the same uvicorn (one worker each, SQLite for voxgate);
the load comes from this process with httpx at 1, 16 and 64 concurrent clients. The ratio
voxgate/baseline is the figure to watch: it stays comparable across machines.

    .venv/bin/python bench/api.py [--seconds 5]
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from common import free_port, start, stop, voxgate_env

ASSISTANT = {
    "name": "Bench",
    "firstMessage": "Hello!",
    "model": {"provider": "openai", "model": "gpt-4o-mini", "temperature": 0.3},
    "voice": {"provider": "11labs", "voiceId": "burt"},
}


Request = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


async def load(client: httpx.AsyncClient, request: Request, clients: int, seconds: float):
    latencies: list[float] = []
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < stop:
            started = time.perf_counter()
            response = await request(client)
            response.raise_for_status()
            latencies.append(time.perf_counter() - started)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    elapsed = time.perf_counter() - began
    p99 = statistics.quantiles(latencies, n=100)[98] if len(latencies) > 1 else latencies[0]
    return len(latencies) / elapsed, p99 * 1000


async def main(seconds: float) -> None:
    data = Path(tempfile.mkdtemp(prefix="voxgate-bench-"))
    key = "11111111-2222-4333-8444-555555555555"
    env = voxgate_env(data, key)
    vox_port, base_port = free_port(), free_port()
    bin_dir = Path(sys.executable).parent
    voxgate = start([str(bin_dir / "voxgate"), "serve", "--port", str(vox_port)], env, vox_port)
    uvicorn_args = ["-m", "uvicorn", "--app-dir", "bench", "baseline_app:app"]
    baseline = start(
        [sys.executable, *uvicorn_args, "--port", str(base_port), "--log-level", "warning"],
        env,
        base_port,
    )
    try:
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        headers = {"Authorization": f"Bearer {key}"}
        async with (
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{vox_port}", headers=headers,
                              limits=limits) as vox,
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{base_port}", limits=limits) as base,
        ):  # fmt: skip
            assistant_id = (await vox.post("/assistant", json=ASSISTANT)).json()["id"]
            cases: list[tuple[str, httpx.AsyncClient, Request, httpx.AsyncClient, Request]] = [
                ("GET /assistant/{id}", vox, lambda c: c.get(f"/assistant/{assistant_id}"),
                 base, lambda c: c.get("/item")),
                ("POST /assistant", vox, lambda c: c.post("/assistant", json=ASSISTANT),
                 base, lambda c: c.post("/item", json=ASSISTANT)),
            ]  # fmt: skip
            print(f"{'operation':<22}{'clients':>8}{'voxgate rps':>13}{'p99 ms':>9}"
                  f"{'baseline rps':>14}{'p99 ms':>9}{'ratio':>8}")  # fmt: skip
            for name, vclient, vreq, bclient, breq in cases:
                for clients in (1, 16, 64):
                    await load(vclient, vreq, clients, min(1.0, seconds))  # warm up
                    v_rps, v_p99 = await load(vclient, vreq, clients, seconds)
                    b_rps, b_p99 = await load(bclient, breq, clients, seconds)
                    print(f"{name:<22}{clients:>8}{v_rps:>13.0f}{v_p99:>9.1f}"
                          f"{b_rps:>14.0f}{b_p99:>9.1f}{v_rps / b_rps:>8.2f}")  # fmt: skip
    finally:
        stop(voxgate, baseline)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0, help="Measured seconds per case.")
    asyncio.run(main(parser.parse_args().seconds))
