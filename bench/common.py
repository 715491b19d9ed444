"""What the benchmarks share: free ports, servers in subprocesses, percentiles, process memory."""

import os
import socket
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start(args: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """Starts a server and waits until its port accepts connections."""
    proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"server on port {port} did not start")


def stop(*procs: subprocess.Popen[bytes]) -> None:
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def voxgate_env(data: Path, key: str) -> dict[str, str]:
    env = {**os.environ, "VOXGATE_DATA_DIR": str(data), "VOXGATE_API_KEY": key,
           "VOXGATE_LOG_LEVEL": "warning", "HF_HUB_OFFLINE": "1",
           # The benchmarks' fakes are on loopback, which the SSRF guard refuses otherwise.
           "VOXGATE_URL_ALLOWLIST": "127.0.0.1,localhost,::1"}  # fmt: skip
    env.pop("VOXGATE_DATABASE_URL", None)
    return env
