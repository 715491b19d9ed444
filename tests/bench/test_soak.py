"""The soak bench runs end to end: a short soak of two calls that each hang up after one turn
and are replaced, on the instant fakes. Only its outcome is checked, never its timings."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_short_soak_completes_without_a_dropped_call() -> None:
    done = subprocess.run(
        [sys.executable, "bench/soak.py", "--calls", "2", "--minutes", "0.25", "--turns", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["dropped"] == 0, summary["why_dropped"]
    assert summary["calls"] > summary["concurrent"]  # calls that ended were replaced
    assert summary["turns"] >= summary["calls"] - summary["concurrent"]
