"""What the engine hands its `ServerMessages` port: only subscribed types, with the artifact, and
an `end-of-call-report` carrying the spec's fields and the legacy top-level copies."""

from typing import Any

from voxgate.engine.conversation import Conversation


class Sink:
    async def send_text(self, text: str) -> None:
        pass


class Server:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)


def conversation(subscribed: list[str] | None) -> tuple[Conversation, Server]:
    server = Server()
    return Conversation(Sink(), None, server, subscribed), server


async def test_defaults_send_conversation_updates_but_not_transcripts_or_model_output() -> None:
    talk, server = conversation(None)
    await talk.said("bot", "Hello there.", None)
    await talk.send("model-output", output="Hel", turnId="t")
    await talk.send("status-update", status="in-progress")
    assert [m["type"] for m in server.sent] == ["conversation-update", "status-update"]
    update = server.sent[0]
    assert update["messages"][0]["message"] == "Hello there."
    assert update["artifact"]["transcript"] == "AI: Hello there."
    assert isinstance(update["timestamp"], int)


async def test_the_final_transcript_filter_gets_its_literal_type() -> None:
    talk, server = conversation(['transcript[transcriptType="final"]'])
    await talk.send("transcript", role="user", transcriptType="partial", transcript="Hel")
    await talk.said("user", "Hello.", None)
    assert [(m["type"], m["transcript"]) for m in server.sent] == [
        ('transcript[transcriptType="final"]', "Hello.")
    ]


async def test_plain_transcript_subscribers_get_transcript() -> None:
    talk, server = conversation(["transcript"])
    await talk.said("user", "Hello.", None)
    assert [m["type"] for m in server.sent] == ["transcript"]


async def test_end_of_call_report_has_the_legacy_mirrors() -> None:
    talk, server = conversation(["end-of-call-report"])
    artifact = {
        "transcript": "AI: Hi",
        "messages": [{"role": "bot", "message": "Hi"}],
        "recordingUrl": "https://v/mono",
        "stereoRecordingUrl": "https://v/stereo",
    }
    await talk.server.end_of_call_report(
        "customer-ended-call", artifact, {"summary": "Said hi."},
        "2026-11-25T10:00:00.000Z", "2026-11-25T10:01:30.500Z",
    )  # fmt: skip
    [report] = server.sent
    assert report["type"] == "end-of-call-report"
    assert report["artifact"] == artifact and report["analysis"] == {"summary": "Said hi."}
    assert report["endedReason"] == "customer-ended-call"
    assert (report["summary"], report["transcript"], report["messages"]) == (
        "Said hi.", "AI: Hi", artifact["messages"]
    )  # fmt: skip
    assert report["recordingUrl"] == "https://v/mono"
    assert report["stereoRecordingUrl"] == "https://v/stereo"
    assert report["durationMs"] == 90500 and report["durationSeconds"] == 90.5
    assert report["durationMinutes"] == 90500 / 60000
    assert report["startedAt"] == "2026-11-25T10:00:00.000Z" and report["cost"] == 0


async def test_without_a_port_nothing_is_sent() -> None:
    talk = Conversation(Sink(), None)
    await talk.said("bot", "Hello.", None)  # no error, nowhere to send
    await talk.server.end_of_call_report(
        "customer-ended-call", {}, {}, None, "2026-11-25T10:00:00Z"
    )
