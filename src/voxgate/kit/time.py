"""UTC timestamps as Vapi writes them: ISO-8601 with milliseconds and a Z."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, truncated to milliseconds so a returned timestamp round-trips through filters."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def iso(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
