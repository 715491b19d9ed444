"""What was said, in Vapi's shapes: the artifact's `messages` and `transcript`, and the flat
client messages (`transcript`, `conversation-update`, `status-update`) sent as it happens, each
also offered to the assistant's server (server_messages.py).
"""

import contextlib
import json
import time
from typing import Any

from voxgate.engine.ports import ClientSink, ServerMessages
from voxgate.engine.server_messages import ServerMessenger

# Vapi's default `clientMessages` (VAPI-BEHAVIOUR Appendix A) that this engine emits.
DEFAULT_CLIENT_MESSAGES = frozenset(
    {"conversation-update", "model-output", "speech-update", "status-update", "tool-calls",
     "transcript", "user-interrupted", "transfer-update", "assistant.started"}
)  # fmt: skip


def _now_ms() -> float:
    return round(time.time() * 1000)


class Conversation:
    """The call's transcript, kept in Vapi's artifact shapes and mirrored to the client."""

    def __init__(
        self,
        sink: ClientSink,
        subscribed: list[str] | None,
        server: ServerMessages | None = None,
        server_subscribed: list[str] | None = None,
    ) -> None:
        self._sink = sink
        self.server = ServerMessenger(server, server_subscribed, self.artifact)
        self._subscribed = frozenset(subscribed) if subscribed is not None else None
        self.started_ms = _now_ms()
        self.messages: list[dict[str, Any]] = []
        self._openai: list[dict[str, Any]] = []
        self.variable_values: dict[str, Any] = {}  # what the assistant's templates were given
        self.assistant_activations: list[dict[str, Any]] = []  # set for a squad's call

    def use(self, assistant: dict[str, Any]) -> None:
        """Another assistant of the squad has the call: its subscriptions apply from now on."""
        subscribed = assistant.get("clientMessages")
        self._subscribed = frozenset(subscribed) if subscribed is not None else None
        self.server.use(assistant)

    def wants(self, kind: str) -> bool:
        subscribed = self._subscribed if self._subscribed is not None else DEFAULT_CLIENT_MESSAGES
        return kind in subscribed

    async def send(self, kind: str, **fields: Any) -> None:
        await self.server.send(kind, **fields)
        await self.to_client(kind, **fields)

    async def to_client(self, kind: str, **fields: Any) -> None:
        """A client message only (if subscribed), e.g. a client-side tool's `tool-calls`."""
        if self.wants(kind):
            message = {"type": kind, **fields, "timestamp": _now_ms()}
            # A client that has gone is not an error here: the socket's own path ends the call.
            with contextlib.suppress(Exception):
                await self._sink.send_text(json.dumps(message))

    def system(self, prompt: str) -> None:
        """The system prompt of the assistant that takes the call (the first one, or the next
        one of a squad), as of now."""
        now = _now_ms() if self.messages else self.started_ms
        self.messages.append(
            {"role": "system", "message": prompt, "time": now,
             "secondsFromStart": round((now - self.started_ms) / 1000, 3)}
        )  # fmt: skip
        self._openai.append({"role": "system", "content": prompt})

    async def said(self, role: str, text: str, started_ms: float | None) -> None:
        """A finished turn: `role` is `bot` or `user`, as in the artifact."""
        text = text.strip()
        if not text:
            return
        end = _now_ms()
        start = started_ms if started_ms is not None else end
        self.messages.append(
            {"role": role, "message": text, "time": start, "endTime": end,
             "secondsFromStart": round((start - self.started_ms) / 1000, 3),
             "duration": end - start}
        )  # fmt: skip
        wire_role = "assistant" if role == "bot" else "user"
        self._openai.append({"role": wire_role, "content": text})
        await self.send("transcript", role=wire_role, transcriptType="final", transcript=text)
        await self.send(
            "conversation-update", messages=self.messages, messagesOpenAIFormatted=self._openai
        )

    def _at(self) -> dict[str, Any]:
        now = _now_ms()
        return {"time": now, "secondsFromStart": round((now - self.started_ms) / 1000, 3)}

    def tool_calls(self, calls: list[dict[str, Any]]) -> None:
        """The functions the LLM called in one turn, in OpenAI's form (`id`, `type`,
        `function: {name, arguments}` with the arguments as a JSON string)."""
        self.messages.append(
            {"role": "tool_calls", "message": "", "toolCalls": calls, **self._at()}
        )
        self._openai.append({"role": "assistant", "content": "", "tool_calls": calls})

    def tool_result(self, call_id: str, name: str, text: str, *, error: bool = False) -> None:
        """What one call returned (or the error, which is what the LLM reads too)."""
        result = {"role": "tool_call_result", "toolCallId": call_id, "name": name, "result": text}
        self.messages.append({**result, **({"error": text} if error else {}), **self._at()})
        self._openai.append({"role": "tool", "tool_call_id": call_id, "content": text})

    def artifact(self) -> dict[str, Any]:
        lines = [
            f"{'AI' if m['role'] == 'bot' else 'User'}: {m['message']}"
            for m in self.messages
            if m["role"] in ("bot", "user")
        ]
        found = {
            "messages": self.messages,
            "messagesOpenAIFormatted": self._openai,
            "transcript": "\n".join(lines),
            "variableValues": self.variable_values,
        }
        if self.assistant_activations:
            found["assistantActivations"] = self.assistant_activations
        return found
