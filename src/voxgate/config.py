"""Server settings, read from the environment (prefix VOXGATE_) and an optional .env file."""

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from limits import parse
from pydantic import Field, SecretStr, field_validator, model_validator
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
    phone_ring_timeout_seconds: float = Field(
        default=900.0,
        gt=0,
        description="An outbound phone call still queued or ringing this long after it was "
        "dialed, with no final status from its carrier, ends (customer-did-not-answer).",
    )
    database_retry_seconds: float = Field(
        default=60.0,
        ge=0,
        description="While the database is unreachable, a live call's writes (its start, its "
        "end and artifact, its server messages) are retried this long before given up.",
    )
    post_call_lease_seconds: float = Field(
        default=120.0,
        gt=0,
        description="A call's post-call work (analysis, end-of-call-report) is held this long by "
        "the process running it; left unfinished that long (the process died), another process "
        "takes it (the sweep looks every quarter of it, 30 s at most).",
    )
    # Carriers' REST APIs (issue 5): their own by default, a fake on loopback in the tests.
    twilio_api_url: str = Field(
        default="https://api.twilio.com", description="Twilio's REST API root (scheme and host)."
    )
    vonage_api_url: str = Field(
        default="https://api.nexmo.com",
        description="Vonage's API root: its Applications (v2) and Voice (v1) APIs.",
    )
    vonage_rest_url: str = Field(
        default="https://rest.nexmo.com", description="Vonage's Numbers API root."
    )
    telnyx_api_url: str = Field(
        default="https://api.telnyx.com", description="Telnyx's REST API root (scheme and host)."
    )
    # Limits and shutdown (issue 6).
    max_concurrent_calls_per_org: int | None = Field(
        default=None,
        gt=0,
        description="Calls an org may have queued, ringing, in progress or forwarding at once; "
        "a create beyond it is a 429 (unset: unlimited).",
    )
    rate_limit: str | None = Field(
        default=None,
        description='Requests per API key, in the `limits` library\'s notation ("100/second", '
        '"1000 per minute"); beyond it a 429 with Retry-After (unset: off).',
    )
    rate_limit_storage: str = Field(
        default="async+memory://",
        description="Where the rate limit's counts live (a `limits` storage URI): this "
        "process's memory, or e.g. async+redis://host:6379 shared by several processes.",
    )
    max_body_bytes: int = Field(
        default=10 * 1024 * 1024, gt=0, description="A request body larger than this is a 413."
    )
    max_upload_bytes: int = Field(
        default=100 * 1024 * 1024, gt=0, description="The largest `POST /file` upload."
    )
    drain_seconds: float = Field(
        default=25.0,
        ge=0,
        description="On SIGTERM, live calls may go on this long; the rest then end "
        "(worker-shutdown).",
    )
    url_allowlist: str = Field(
        default="",
        description="Comma-separated hosts, IPs or CIDRs that URLs fetched for users may reach "
        "although private, loopback or link-local (kit/urls.py: the SSRF guard).",
    )
    cors_allowed_origins: str = Field(
        default="",
        description="Comma-separated origins (https://app.example.com, or *) whose pages may "
        "call the API from a browser: CORS headers and preflight answers for them. Empty: no "
        "CORS headers, browsers on other origins are refused by the browser itself.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Fernet key(s), comma-separated, that encrypt stored secrets (the first "
        "encrypts, every one decrypts); unset: one generated into data_dir/secret.key.",
    )

    # Several processes (issue 6): where they find each other's live calls (control/call/bus.py).
    redis_url: str | None = Field(
        default=None,
        description="Redis shared by several `voxgate serve` processes (redis://host:6379/0): "
        "a live call's control and listen URLs then work on any of them, and server messages "
        "and scheduled calls are jobs of a queue there (worker/jobs.py). Unset: one process.",
    )
    redis_prefix: str = Field(
        default="voxgate:", description="Prefix of voxgate's Redis channel and queue names."
    )
    call_heartbeat_seconds: float = Field(
        default=5.0,
        gt=0,
        description="With Redis, how often a process writes that its live calls are alive "
        "(one UPDATE of their `alive_at`), so the others can tell it from a dead one.",
    )
    call_lease_seconds: float = Field(
        default=20.0,
        gt=0,
        description="With Redis, a live call no process claims there is ended "
        "(…-worker-died) only once its heartbeat is this old: a process cut off from Redis "
        "alone keeps its calls. Several heartbeats long.",
    )
    log_level: str = "info"
    log_format: Literal["console", "json"] = Field(
        default="console",
        description="`json`: one JSON object a line (a call's lines carry call_id and org_id).",
    )
    metrics_token: str | None = Field(
        default=None,
        description="When set, GET /metrics requires `Authorization: Bearer <token>`.",
    )
    host: str = "127.0.0.1"
    port: int = 8000

    @field_validator("rate_limit")
    @classmethod
    def _rate_limit_parses(cls, value: str | None) -> str | None:
        if value:
            parse(value)  # a ValueError names the notation it expected
        return value or None

    @model_validator(mode="after")
    def _lease_outlasts_heartbeats(self) -> "Settings":
        if self.call_lease_seconds <= 2 * self.call_heartbeat_seconds:
            raise ValueError("call_lease_seconds must be more than two call_heartbeat_seconds")
        return self

    @property
    def cors_origins(self) -> list[str]:
        return [
            origin.strip().rstrip("/")
            for origin in self.cors_allowed_origins.split(",")
            if origin.strip()
        ]

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
