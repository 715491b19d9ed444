"""Fake speech vendors on loopback, speaking their real websocket protocols.

- Deepgram live transcription (`/v1/listen`): `Results` messages. A fake cannot transcribe, so
  once loud audio has arrived it answers with a fixed transcript: an interim result, then a
  final one (`is_final`/`speech_final`, `from_finalize` when pipecat asked with `Finalize`).
- ElevenLabs multi-stream TTS (`/v1/text-to-speech/{voice}/multi-stream-input`): base64 PCM
  with character alignment per context, `isFinal` when a context closes.
- Cartesia TTS (`/tts/websocket`): `chunk`, `timestamps` and `done` messages per context.

The voices speak real speech: espeak-ng's, made once per text and resampled to the rate asked.
Each fake can be told to fail the way the vendor does.
"""

import asyncio
import base64
import json
import uuid
from functools import lru_cache
from typing import Any

import numpy as np
import soxr
from fastapi import FastAPI, WebSocket, WebSocketDisconnect

from voxgate.engine.providers.espeak import ESPEAK_RATE, espeak_binary

_WAV_HEADER = 44
_CHUNK_SECONDS = 0.1


@lru_cache(maxsize=32)
def speech(text: str, rate: int) -> bytes:
    """espeak-ng saying `text`, as 16-bit mono PCM at `rate`."""
    import subprocess

    wav = subprocess.run(
        [espeak_binary(), "-v", "en-us", "--stdout", text], capture_output=True, check=True
    ).stdout
    samples = np.frombuffer(wav[_WAV_HEADER:], dtype=np.int16)
    if rate != ESPEAK_RATE:
        samples = soxr.resample(samples, ESPEAK_RATE, rate).astype(np.int16)
    return samples.tobytes()


def chunks(pcm: bytes, rate: int) -> list[bytes]:
    size = int(rate * _CHUNK_SECONDS) * 2
    return [pcm[i : i + size] for i in range(0, len(pcm), size)]


def _loud(pcm: bytes) -> bool:
    samples = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype=np.int16)
    return bool(samples.size) and float(np.abs(samples.astype(np.int32)).mean()) > 300


class FakeDeepgram:
    """Deepgram's live transcription; `fail` closes the socket as Deepgram does on an internal
    error (1011) once the caller has spoken."""

    def __init__(self, transcript: str) -> None:
        self.transcript = transcript
        self.queries: list[dict[str, str]] = []
        self.keys: list[str | None] = []
        self.fail = False
        self.app = FastAPI()
        self.app.websocket("/v1/listen")(self._listen)

    def _results(self, final: bool, from_finalize: bool, start: float) -> str:
        words = self.transcript.split()
        step = 0.3
        return json.dumps({
            "type": "Results", "channel_index": [0, 1], "duration": step * len(words),
            "start": start, "is_final": final, "speech_final": final,
            "from_finalize": from_finalize,
            "channel": {"alternatives": [{
                "transcript": self.transcript, "confidence": 0.98,
                "words": [
                    {"word": w.strip(".,?!").lower(), "start": start + i * step,
                     "end": start + (i + 1) * step, "confidence": 0.98, "punctuated_word": w}
                    for i, w in enumerate(words)
                ],
            }]},
            "metadata": {"request_id": str(uuid.uuid4()), "model_uuid": str(uuid.uuid4()),
                         "model_info": {"name": "general", "version": "fake", "arch": "nova-3"}},
        })  # fmt: skip

    async def _listen(self, ws: WebSocket) -> None:
        self.queries.append(dict(ws.query_params))
        self.keys.append(ws.headers.get("authorization"))
        await ws.accept()
        heard, interim_sent, seconds = False, False, 0.0
        rate = int(ws.query_params.get("sample_rate", "16000"))
        try:
            while True:
                message = await ws.receive()
                if message["type"] == "websocket.disconnect":
                    return
                if message.get("bytes"):
                    audio = message["bytes"]
                    seconds += len(audio) / 2 / rate
                    if _loud(audio):
                        if self.fail:
                            await ws.close(code=1011, reason="NET-0000: internal error")
                            return
                        heard = True
                        if not interim_sent:
                            interim_sent = True
                            await ws.send_text(self._results(False, False, seconds))
                    continue
                control = json.loads(message.get("text") or "{}")
                if control.get("type") == "Finalize" and heard:
                    heard, interim_sent = False, False
                    await ws.send_text(self._results(True, True, seconds))
                elif control.get("type") == "CloseStream":
                    await ws.close()
                    return
        except WebSocketDisconnect:
            return


def _alignment(text: str, pcm_seconds: float) -> dict[str, list[Any]]:
    step = pcm_seconds * 1000 / max(1, len(text))
    return {
        "chars": list(text),
        "charStartTimesMs": [round(i * step) for i in range(len(text))],
        "charDurationsMs": [round(step)] * len(text),
    }


class FakeElevenLabs:
    """ElevenLabs' multi-stream-input websocket. `fail`: the first text gets ElevenLabs' error
    message and a policy-violation close, and later connections are refused (the account
    cannot speak any more)."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.spoken: list[str] = []
        self.fail = False
        self._failed = False
        self.app = FastAPI()
        self.app.websocket("/v1/text-to-speech/{voice_id}/multi-stream-input")(self._stream)

    async def _stream(self, ws: WebSocket, voice_id: str) -> None:
        self.urls.append(str(ws.url))
        if self._failed:
            await ws.close(code=1008)  # before accepting: the handshake is refused (403)
            return
        await ws.accept()
        rate = int(ws.query_params.get("output_format", "pcm_16000").removeprefix("pcm_"))
        pending: dict[str, str] = {}
        try:
            while True:
                msg = json.loads(await ws.receive_text())
                if msg.get("close_socket"):
                    await ws.close()
                    return
                context = msg.get("context_id", "")
                if msg.get("text", "").strip():
                    if self.fail:
                        self._failed = True
                        error = {"message": "The quota for this voice was exceeded.",
                                 "error": "quota_exceeded", "code": 1008}  # fmt: skip
                        await ws.send_text(json.dumps(error))
                        await ws.close(code=1008, reason="quota_exceeded")
                        return
                    pending[context] = pending.get(context, "") + msg["text"]
                if msg.get("flush") or msg.get("close_context"):
                    await self._speak(ws, context, pending.pop(context, ""), rate)
                if msg.get("close_context"):
                    await ws.send_text(json.dumps({"isFinal": True, "contextId": context}))
        except WebSocketDisconnect:
            return

    async def _speak(self, ws: WebSocket, context: str, text: str, rate: int) -> None:
        text = text.strip()
        if not text:
            return
        self.spoken.append(text)
        pcm = await asyncio.to_thread(speech, text, rate)
        pieces = chunks(pcm, rate)
        for index, piece in enumerate(pieces):
            message: dict[str, Any] = {
                "audio": base64.b64encode(piece).decode(),
                "contextId": context,
                "isFinal": None,
            }
            if index == 0:  # ElevenLabs aligns the text with its first audio of it
                message["alignment"] = _alignment(text, len(pcm) / 2 / rate)
            await ws.send_text(json.dumps(message))


class FakeCartesia:
    """Cartesia's TTS websocket. `fail`: every transcript gets Cartesia's `error` message."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.keys: list[str | None] = []
        self.fail = False
        self.app = FastAPI()
        self.app.websocket("/tts/websocket")(self._stream)

    async def _stream(self, ws: WebSocket) -> None:
        self.keys.append(ws.headers.get("x-api-key"))
        await ws.accept()
        try:
            while True:
                msg = json.loads(await ws.receive_text())
                self.requests.append(msg)
                context = msg.get("context_id", "")
                if msg.get("cancel"):
                    continue
                text = str(msg.get("transcript") or "").strip()
                if text and self.fail:
                    error = {"type": "error", "context_id": context, "status_code": 500,
                             "done": True, "error": "Internal server error"}  # fmt: skip
                    await ws.send_text(json.dumps(error))
                    continue
                if text:
                    await self._speak(ws, context, text, msg["output_format"]["sample_rate"])
                if not msg.get("continue", True):
                    done = {"type": "done", "context_id": context, "status_code": 200, "done": True}
                    await ws.send_text(json.dumps(done))
        except WebSocketDisconnect:
            return

    async def _speak(self, ws: WebSocket, context: str, text: str, rate: int) -> None:
        pcm = await asyncio.to_thread(speech, text, rate)
        words = text.split()
        span = len(pcm) / 2 / rate
        step = span / max(1, len(words))
        stamps = {"words": words, "start": [i * step for i in range(len(words))],
                  "end": [(i + 1) * step for i in range(len(words))]}  # fmt: skip
        await ws.send_text(json.dumps({"type": "timestamps", "context_id": context,
                                       "status_code": 206, "done": False,
                                       "word_timestamps": stamps}))  # fmt: skip
        for piece in chunks(pcm, rate):
            data = base64.b64encode(piece).decode()
            chunk = {"type": "chunk", "context_id": context, "status_code": 206, "done": False,
                     "data": data, "step_time": _CHUNK_SECONDS}  # fmt: skip
            await ws.send_text(json.dumps(chunk))
