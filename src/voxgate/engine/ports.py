"""What the engine needs from the outside world, as Protocols the control side implements.

The engine never touches the database or the web framework: a session is handed a `CallStore`
to record the call's lifecycle and artifacts, and a `ClientSocket` to talk to the caller.
"""

from dataclasses import dataclass
from typing import Any, Literal, Protocol

# A call's downloadable artifacts, named as the download endpoints are (`/call/{id}/<name>`).
ArtifactName = Literal[
    "mono-recording", "stereo-recording", "customer-recording", "assistant-recording", "call-logs"
]


@dataclass(frozen=True)
class PostCall:
    """What a call's post-call work (after_call.py) needs besides the call's stored record: the
    assistant that had the call at its end, as it ran (its `analysisPlan`, `serverMessages`,
    `server`, credentials), and whether to analyse the call."""

    assistant: dict[str, Any]
    analyse: bool


class CallStore(Protocol):
    """Writes to one stored call."""

    async def update(self, changes: dict[str, Any]) -> None:
        """Set these top-level fields of the call's document (e.g. `status`, `endedAt`)."""

    async def end(self, changes: dict[str, Any], post_call: PostCall) -> None:
        """Writes the call's end (`changes`, as `update`) and, in the same write, that its
        post-call work is due. The control side runs that work (after_call.py's `after_call`)
        once the call's session is over, here or on the job queue, and keeps it due until it
        is done: a process dying after the end does not lose it."""

    async def save_artifact(self, name: ArtifactName, data: bytes) -> str:
        """Keep one of the call's artifacts (a WAV file, the log lines); returns the URL a client
        downloads it from."""


class ClientSink(Protocol):
    """Where the client's text frames (flat JSON client messages) go."""

    async def send_text(self, text: str) -> None: ...


@dataclass(frozen=True)
class Keypress:
    """A key the caller pressed on a phone's keypad (0-9, * or #), as its carrier reported it."""

    key: str


class ClientSocket(ClientSink, Protocol):
    """The caller's connection: binary frames are audio, text frames are JSON messages; a
    carrier's leg also reports the caller's keypresses."""

    async def receive(self) -> bytes | str | Keypress | None:
        """The next frame from the client; None once the client has gone."""

    async def send_bytes(self, data: bytes) -> None: ...

    async def close(self, code: int = 1000) -> None: ...

    async def clear(self) -> None:
        """The caller barged in: audio sent but not yet played is dropped where the client can
        (a carrier's media stream buffers seconds of it); a no-op where it cannot."""


class PhoneLine(Protocol):
    """A phone call's carrier leg (telephony/<carrier>/): what only the phone network can do.
    A websocket call has none; the engine refuses what needs one."""

    # Whether a warm transfer's destination hears something before the caller is bridged (the
    # carrier plays it: Twilio's whisper); without, every transfer is blind and nothing is made
    # for the destination to hear (no summary is asked of the LLM).
    whispers: bool

    async def transfer(self, destination: dict[str, Any]) -> None:
        """Hands the caller to a `number` or `sip` transfer destination (VAPI-BEHAVIOUR §7):
        the carrier dials it and this leg's media ends without the caller being hung up on.
        Raises `TransferFailed` when the carrier refuses."""


class TransferFailed(Exception):
    """The carrier refused a transfer; the message says why (the LLM reads it)."""


class ServerMessages(Protocol):
    """The assistant's webhook server (VAPI-BEHAVIOUR §5): where server messages go."""

    async def send(self, message: dict[str, Any]) -> None:
        """Hands one message (`type`, `timestamp`, its own fields, `artifact`) over for delivery
        and returns at once: a webhook server never holds up the call. The control side adds
        `call`, `assistant` and `customer` and takes a copy before returning."""

    async def request(
        self,
        message: dict[str, Any],
        *,
        tool_server: dict[str, Any] | None = None,
        timeout_seconds: float | None = None,
    ) -> dict[str, Any] | None:
        """Sends one message that needs a reply (`tool-calls`, `transfer-destination-request`…)
        and waits for it, within the target's `timeoutSeconds` unless `timeout_seconds` says
        otherwise. `tool_server` (a tool's own `server`) comes first in the precedence. None
        when there is no server or no usable reply (a timeout, a non-2xx, not a JSON object)."""

    async def has_server(self, tool_server: dict[str, Any] | None = None) -> bool:
        """Whether a message would reach a server at all (a `function` tool with none anywhere
        goes to the client instead, VAPI-BEHAVIOUR §7.2.6)."""

    def use_assistant(self, assistant: dict[str, Any]) -> None:
        """Another assistant of a squad has the call: messages sent from now on carry it as
        `assistant` and go to its server (VAPI-BEHAVIOUR §5.1: the active member's)."""
