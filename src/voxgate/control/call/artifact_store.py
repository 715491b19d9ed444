"""A call's artifacts on local disk: `<data_dir>/recordings/<call id>/<file>`, and their URLs.

Each artifact is written to a temporary file in the same directory and renamed into place (an
atomic rename on one file system), so a download never sees half a file. The URL a call's
`artifact` holds is the artifact's download endpoint on `VOXGATE_PUBLIC_URL`.
"""

import os
import shutil
import tempfile
from pathlib import Path
from typing import get_args

from starlette.concurrency import run_in_threadpool

from voxgate.config import get_settings
from voxgate.engine.ports import ArtifactName

ARTIFACT_NAMES: tuple[ArtifactName, ...] = get_args(ArtifactName)
ARTIFACT_PATH = "/call/{id}/{name}"  # the download endpoints, one per name

# The file each artifact is kept in, and the media type it is served with.
FILES: dict[ArtifactName, tuple[str, str]] = {
    "mono-recording": ("mono.wav", "audio/wav"),
    "stereo-recording": ("stereo.wav", "audio/wav"),
    "customer-recording": ("customer.wav", "audio/wav"),
    "assistant-recording": ("assistant.wav", "audio/wav"),
    "call-logs": ("call-logs.jsonl", "application/x-ndjson"),
}


def call_dir(call_id: str) -> Path:
    return get_settings().data_dir / "recordings" / call_id


def artifact_path(call_id: str, name: ArtifactName) -> Path:
    return call_dir(call_id) / FILES[name][0]


def artifact_url(call_id: str, name: ArtifactName) -> str:
    return get_settings().public_url.rstrip("/") + ARTIFACT_PATH.format(id=call_id, name=name)


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".", delete=False) as staged:
        try:
            staged.write(data)
            staged.flush()
            os.fsync(staged.fileno())
            staged.close()
            os.replace(staged.name, target)
        except BaseException:
            Path(staged.name).unlink(missing_ok=True)
            raise


async def save_artifact(call_id: str, name: ArtifactName, data: bytes) -> str:
    """Stores one artifact of the call; returns its download URL."""
    await run_in_threadpool(_write, artifact_path(call_id, name), data)
    return artifact_url(call_id, name)


def remove_artifacts(call_id: str) -> None:
    """Forgets a deleted call's artifacts (what is already gone stays gone)."""
    shutil.rmtree(call_dir(call_id), ignore_errors=True)
