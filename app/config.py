"""Settings, read from the environment (and a `.env` file if present).

Every setting is documented in README.md; a test checks that none is missing.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.domain.room import Limits

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Configuration of one Common Ground server."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'data' / 'common-ground.db'}",
        description="SQLAlchemy URL: sqlite:///path (default) or postgresql+psycopg://…",
    )
    broker_url: str = Field(
        default="memory://", description="Realtime hub: memory:// (one process) or redis://…"
    )
    host: str = Field(default="127.0.0.1", description="Interface `python -m app` binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `python -m app` binds to.")
    public_url: str | None = Field(
        default=None,
        description="Base URL phones use to reach the server (for the QR code), "
        "e.g. http://192.168.1.20:8000. Default: the URL the page was requested on.",
    )
    facilitator_passcode: SecretStr | None = Field(
        default=None, description="If set, creating a room needs this passcode."
    )
    workshops_dir: Path = Field(
        default=PROJECT_ROOT / "workshops", description="Folder of workshop definitions (*.toml)."
    )
    allowed_origins: list[str] = Field(
        default_factory=list,
        description="Other origins allowed to open websockets and post forms "
        '(JSON list, e.g. ["https://workshop.example.org"]); the server\'s own origin '
        "and PUBLIC_URL always are.",
    )
    max_body_bytes: int = Field(
        default=65_536, ge=1024, description="Largest request body accepted (HTTP 413 beyond)."
    )
    cookie_secure: bool | None = Field(
        default=None,
        description="Mark cookies Secure: unset = automatically when the request came over "
        "HTTPS (directly or via a trusted proxy's X-Forwarded-Proto); true/false to force.",
    )
    ws_ping_interval_seconds: float = Field(
        default=20.0, gt=0, description="`python -m app` pings every websocket this often."
    )
    ws_ping_timeout_seconds: float = Field(
        default=20.0, gt=0, description="A socket not answering a ping within this is closed."
    )
    ws_per_message_deflate: bool = Field(
        default=False,
        description="Compress websocket messages (permessage-deflate). Measured at 300 "
        "participants: a note move 926 → 85 B and a phase change 270 → 19 KB per phone, "
        "but each socket holds ~45 KiB more (docs/benchmarks.md). Off by default; on for "
        "large rooms on thin Wi-Fi.",
    )
    max_title_length: int = Field(default=120, ge=1, description="Room title limit (characters).")
    max_name_length: int = Field(default=60, ge=1, description="Participant name limit.")
    max_text_length: int = Field(
        default=280, ge=1, description="Note, contribution and reason limit."
    )
    max_statement_length: int = Field(
        default=2000,
        ge=1,
        description="Limit of a statement the facilitator drafts (purpose, each goal, a "
        "grid row's joint statement).",
    )
    max_participants: int = Field(default=300, ge=1, description="Participants per room.")
    write_burst: int = Field(
        default=20, ge=1, description="Grid statements a participant may add in a burst."
    )
    write_interval_seconds: float = Field(
        default=2.0, gt=0, description="After a burst, one more statement every this many seconds."
    )
    unknown_code_burst: int = Field(
        default=20, ge=1, description="Unknown room codes one address may try in a burst."
    )
    unknown_code_interval_seconds: float = Field(
        default=3.0, gt=0, description="After the burst, one more try every this many seconds."
    )
    join_burst: int = Field(
        default=60,
        ge=1,
        description="Joins to one room one client address may make in a burst (a school "
        "behind one NAT address), before it is paced (429 with Retry-After).",
    )
    join_interval_seconds: float = Field(
        default=0.2, gt=0, description="After the burst, one more join every this many seconds."
    )
    max_sockets_per_token: int = Field(
        default=8, ge=1, description="Live sockets one token (a phone, the facilitator) may hold."
    )
    max_sockets_per_address: int = Field(
        default=1000, ge=1, description="Live sockets one client address may hold."
    )
    token_outbox_bytes: int = Field(
        default=1024 * 1024,
        ge=64 * 1024,
        description="Text queued for one token's sockets together, beyond each socket's own "
        "bound; past it the socket holding most is closed 1013.",
    )
    max_concurrent_replays: int = Field(
        default=4, ge=1, description="Sockets replaying the log (since=…) at once, per worker."
    )
    header_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="`python -m app` closes a connection whose request headers are not "
        "complete within this.",
    )
    max_pending_connections_per_address: int = Field(
        default=64,
        ge=1,
        description="`python -m app`: connections one address may hold before sending "
        "complete headers.",
    )
    backup_dir: Path | None = Field(
        default=None,
        description="Where SQLite backups go (default: backups/ beside the database).",
    )
    backup_interval_minutes: float = Field(
        default=15.0,
        ge=0,
        description="An online backup of the SQLite database every this many minutes, and "
        "one at shutdown (0: none).",
    )
    backup_keep: int = Field(default=48, ge=1, description="Backups kept (the newest).")
    retention_days: int = Field(
        default=30, ge=1, description="Rooms untouched this many days are deleted, every row."
    )
    request_burst: int = Field(
        default=2000, ge=10, description="HTTP requests one address may make in a burst."
    )
    requests_per_second: float = Field(
        default=60.0, gt=0, description="After the burst, this many requests a second per address."
    )
    migrate_on_start: bool = Field(
        default=True, description="Upgrade the database schema when the app starts."
    )
    time_zone: str = Field(
        default="Europe/London",
        description="IANA time zone of the times documents and screens show (signatures).",
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (e.g. Europe/London)") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @field_validator("facilitator_passcode")
    @classmethod
    def _no_blank_passcode(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            return None
        return value

    @property
    def limits(self) -> Limits:
        return Limits(
            title=self.max_title_length,
            setting=self.max_title_length,
            name=self.max_name_length,
            text=self.max_text_length,
            participants=self.max_participants,
            statement=self.max_statement_length,
        )
