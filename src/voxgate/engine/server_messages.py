"""Server messages (VAPI-BEHAVIOUR §5.2) as the engine emits them: the types the assistant's
`serverMessages` subscribe to (Vapi's defaults when unset), with the live artifact, handed to
the `ServerMessages` port; and the `end-of-call-report` with §5.4's legacy top-level mirrors.
"""

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from voxgate.engine.ports import ServerMessages

# Vapi's default `serverMessages` (Appendix A); `transcript` and `model-output` are opt-in.
DEFAULT_SERVER_MESSAGES = frozenset(
    {"conversation-update", "end-of-call-report", "function-call", "hang", "speech-update",
     "status-update", "tool-calls", "transfer-destination-request",
     "handoff-destination-request", "user-interrupted", "assistant.started"}
)  # fmt: skip
FINAL_TRANSCRIPTS = 'transcript[transcriptType="final"]'  # the filter form of `transcript`
ZERO_COST_BREAKDOWN = {"transport": 0, "stt": 0, "llm": 0, "tts": 0, "vapi": 0, "total": 0}


def _now_ms() -> int:
    return round(time.time() * 1000)


def _ms(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000


class ServerMessenger:
    """Filters and sends one call's server messages; without a port it sends nothing."""

    def __init__(
        self,
        port: ServerMessages | None,
        subscribed: list[str] | None,
        artifact: Callable[[], dict[str, Any]],
    ) -> None:
        self._port = port
        self._subscribed = (
            frozenset(subscribed) if subscribed is not None else DEFAULT_SERVER_MESSAGES
        )
        self._artifact = artifact
        self.assistant: dict[str, Any] | None = None  # the last `use`'s (None: the port's own)

    def use(self, assistant: dict[str, Any]) -> None:
        """Another assistant of the squad has the call: its `serverMessages` and its server
        (VAPI-BEHAVIOUR §5.1: the active member's) apply from now on."""
        self.assistant = assistant
        subscribed = assistant.get("serverMessages")
        self._subscribed = (
            frozenset(subscribed) if subscribed is not None else DEFAULT_SERVER_MESSAGES
        )
        if self._port is not None:
            self._port.use_assistant(assistant)

    def _type(self, kind: str, fields: dict[str, Any]) -> str | None:
        """The type this message goes out as, or None when nobody subscribed to it. A final
        transcript's subscriber who used the filter form gets the filter's literal type."""
        if kind in self._subscribed:
            return kind
        if kind == "transcript" and fields.get("transcriptType") == "final":
            return FINAL_TRANSCRIPTS if FINAL_TRANSCRIPTS in self._subscribed else None
        return None

    async def send(self, kind: str, **fields: Any) -> None:
        message_type = self._type(kind, fields)
        if self._port is None or message_type is None:
            return
        artifact = fields.pop("artifact", None) or self._artifact()
        await self._port.send(
            {"type": message_type, **fields, "timestamp": _now_ms(), "artifact": artifact}
        )

    async def request(
        self,
        kind: str,
        *,
        tool_server: dict[str, Any] | None = None,
        timeout_seconds: float | None = None,
        **fields: Any,
    ) -> dict[str, Any] | None:
        """A message that needs a reply (§5.2 "Resp"), awaited: the reply, or None when nobody
        answers usefully. A tool's own server is always asked; otherwise the type must be
        subscribed, as for any message."""
        if self._port is None or (tool_server is None and self._type(kind, fields) is None):
            return None
        artifact = fields.pop("artifact", None) or self._artifact()
        message = {"type": kind, **fields, "timestamp": _now_ms(), "artifact": artifact}
        return await self._port.request(
            message, tool_server=tool_server, timeout_seconds=timeout_seconds
        )

    async def has_server(self, tool_server: dict[str, Any] | None = None) -> bool:
        return self._port is not None and await self._port.has_server(tool_server)

    async def end_of_call_report(
        self,
        reason: str,
        artifact: dict[str, Any],
        analysis: dict[str, Any],
        started_at: str | None,
        ended_at: str,
    ) -> None:
        """After the call has ended (and its analysis is done): the stored artifact and
        analysis, with the top-level copies existing webhook servers read."""
        report: dict[str, Any] = {
            "endedReason": reason, "artifact": artifact, "analysis": analysis,
            "endedAt": ended_at, "cost": 0, "costs": [], "costBreakdown": ZERO_COST_BREAKDOWN,
            "transcript": artifact.get("transcript", ""), "messages": artifact.get("messages", []),
        }  # fmt: skip
        for name in ("recordingUrl", "stereoRecordingUrl"):
            if artifact.get(name):
                report[name] = artifact[name]
        if analysis.get("summary"):
            report["summary"] = analysis["summary"]
        if started_at:
            duration_ms = max(0, round(_ms(ended_at) - _ms(started_at)))
            report.update(
                startedAt=started_at, durationMs=duration_ms,
                durationSeconds=duration_ms / 1000, durationMinutes=duration_ms / 60000,
            )  # fmt: skip
        await self.send("end-of-call-report", **report)
