"""Server settings, read from the environment (prefix VOXGATE_) and an optional .env file."""

from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VOXGATE_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Files, recordings, the SQLite DB.")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL; defaults to a SQLite file in data_dir.",
    )
    public_url: str = Field(
        default="http://localhost:8000",
        description="Base URL clients reach this server on; websocket and monitor URLs use it.",
    )
    api_key: str | None = Field(default=None, description="Seed private key for the default org.")
    default_transcriber: dict[str, Any] = Field(
        default={"provider": "faster-whisper", "model": "tiny.en"},
        description="JSON: the transcriber of an assistant that names none (offline by default).",
    )
    default_voice: dict[str, Any] = Field(
        default={"provider": "espeak", "voiceId": "en-us"},
        description="JSON: the voice of an assistant that names none (offline by default).",
    )
    # Provider keys and URLs (`VOXGATE_<PROVIDER>_API_KEY`, `_BASE_URL`) are one per vendor, so
    # they are read by name where services are built: engine/providers/keys.py.
    websocket_connect_timeout_seconds: float = Field(
        default=60.0,
        gt=0,
        description="A websocket call whose client has not connected this long after it was "
        "created ends (call.in-progress.error-providerfault-transport-never-connected).",
    )
    # Carriers' REST APIs (issue 5): their own by default, a fake on loopback in the tests.
    twilio_api_url: str = Field(
        default="https://api.twilio.com", description="Twilio's REST API root (scheme and host)."
    )
    # Several processes (issue 6): where they find each other's live calls (control/call/bus.py).
    redis_url: str | None = Field(
        default=None,
        description="Redis shared by several `voxgate serve` processes (redis://host:6379/0): "
        "a live call's control and listen URLs then work on any of them. Unset: one process.",
    )
    redis_prefix: str = Field(
        default="voxgate:", description="Prefix of voxgate's Redis channel names."
    )
    log_level: str = "info"
    host: str = "127.0.0.1"
    port: int = 8000

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'voxgate.db').resolve()}"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"


@lru_cache
def get_settings() -> Settings:
    return Settings()
