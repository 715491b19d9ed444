"""Assistants a call can be created with.

`POST /call` refuses an assistant whose model, transcriber or voice this server cannot build
(engine/providers/registry.py `check`), so a test that only needs *a* call names a model that
needs no key: a custom LLM. Building its client contacts nobody, so no server need listen.
"""

from typing import Any

MODEL: dict[str, Any] = {
    "provider": "custom-llm",
    "model": "test-model",
    "url": "http://127.0.0.1:9/v1",  # the discard port: never reached by a test that only creates
}
RUNNABLE: dict[str, Any] = {"model": MODEL}
