"""The optional offline voice `piper` (piper-tts is GPL: only in `voxgate[piper]`).

Voice models come from a local directory, `VOXGATE_PIPER_VOICES_DIR` (`<voiceId>.onnx` beside
its `.onnx.json`): pipecat would download a missing one, which a call must never wait for."""

import os
from pathlib import Path
from typing import Any

from pipecat.services.tts_service import TTSService

from voxgate.engine.providers.keys import MissingKey, env_name
from voxgate.engine.providers.support import service_module

DEFAULT_VOICE = "en_US-joe-medium"


def voices_dir() -> Path:
    configured = os.environ.get(env_name("piper", "VOICES_DIR"))
    if not configured:
        raise MissingKey(f"voice.provider `piper` needs {env_name('piper', 'VOICES_DIR')}: "
                         "a directory of piper voice models")  # fmt: skip
    return Path(configured)


def piper(assistant: dict[str, Any]) -> TTSService:
    module = service_module("pipecat.services.piper.tts", "voice", "piper", "piper")
    voice = str(assistant["voice"].get("voiceId") or DEFAULT_VOICE)
    directory = voices_dir()
    if not (directory / f"{voice}.onnx").is_file():
        raise MissingKey(f"piper voice `{voice}` is not in {directory} (no downloads at call "
                         f"time: put {voice}.onnx and {voice}.onnx.json there)")  # fmt: skip
    service: TTSService = module.PiperTTSService(
        download_dir=directory, settings=module.PiperTTSService.Settings(voice=voice)
    )
    return service
