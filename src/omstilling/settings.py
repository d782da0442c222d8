"""Typed settings from the environment (OMSTILLING_*) and `.env`."""

from __future__ import annotations

import re
from functools import lru_cache
from ipaddress import ip_network

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from omstilling.domain.dial import DEFAULT_TEMPLATE, parse_template
from omstilling.domain.kpi import DEFAULT_THRESHOLD, MAX_WAIT_BUCKET, Targets

# An origin as a browser sends it: scheme, host and an optional port; no path.
_ORIGIN = re.compile(
    r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?|https?://\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?"
)
PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret", "please-change"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="OMSTILLING_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field(
        default="sqlite:///./omstilling.db",
        description="SQLAlchemy URL; sqlite:///file.db or postgresql://...",
    )
    secret_key: str | None = Field(default=None, description="Signs sessions; required to serve")
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(default=1, ge=1, description="Server processes; above 1 needs PostgreSQL")
    sensitive_absence_retention_days: int = Field(default=90, ge=1)
    caller_hash_key: str | None = Field(
        default=None, description="Key for hashing expired caller numbers (keep it outside the DB)"
    )
    caller_number_retention_days: int = Field(default=90, ge=1)
    # Messages and callbacks (omstilling.messages, omstilling.mail).
    message_retention_days: int = Field(default=30, ge=1, description="Keep closed messages")
    smtp_url: str | None = Field(
        default=None, description="smtp://host:port or smtp://user:pass@host:587; unset: no mail"
    )
    smtp_from: str = Field(default="omstilling@localhost", description="Sender of message mails")
    smtp_timeout: float = Field(default=10.0, gt=0)
    message_fallback_email: str | None = Field(
        default=None, description="Shared address when a unit has no leader or owner with mail"
    )
    message_webhook_url: str | None = Field(default=None, description="POST a JSON notice here")
    base_url: str = Field(default="http://127.0.0.1:8000", description="For links in mails")
    cookie_secure: bool = Field(
        default=True,
        description="Send the session cookie over HTTPS only (browsers treat "
        "http://127.0.0.1 and localhost as secure)",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or networks of the reverse proxies whose "
        "X-Forwarded-For names the client (e.g. 10.0.0.5,10.1.0.0/24); empty: none",
    )
    public_search_origins: str = Field(
        default="",
        description="Comma-separated origins (e.g. https://www.randers.dk) whose pages may "
        "call /api/v1/public/search from the browser (CORS); * for any; empty: none",
    )
    public_search_per_minute: int = Field(
        default=60, ge=1, description="Public searches per minute from one client address"
    )
    session_idle_minutes: int = Field(default=120, ge=5)
    session_absolute_hours: int = Field(default=12, ge=1)
    oidc_issuer: str | None = Field(default=None, description="OpenID Connect issuer URL")
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_label: str = "Log ind med kommunens login"
    accessibility_statement_url: str | None = Field(
        default=None,
        description="The accessibility statement's address (Digitaliseringsstyrelsen's WAS-Tool "
        "publishes it); /tilgaengelighed redirects there; unset: a page says it is not there yet",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        for part in value.split(","):
            if part.strip():
                try:
                    ip_network(part.strip(), strict=False)
                except ValueError:
                    raise ValueError(f"not an address or network: {part.strip()!r}") from None
        return value

    @field_validator("accessibility_statement_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            return None
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("OMSTILLING_ACCESSIBILITY_STATEMENT_URL must be an http(s) address")
        return value

    @field_validator("public_search_origins")
    @classmethod
    def _origins(cls, value: str) -> str:
        for part in value.split(","):
            origin = part.strip()
            if origin and origin != "*" and not _ORIGIN.fullmatch(origin):
                raise ValueError(f"not an origin (scheme://host[:port]): {origin!r}")
        return value

    @field_validator("secret_key")
    @classmethod
    def _no_placeholder(cls, value: str | None) -> str | None:
        if value is not None and (value.strip().lower() in PLACEHOLDER_SECRETS or len(value) < 16):
            raise ValueError("OMSTILLING_SECRET_KEY is a placeholder or shorter than 16 characters")
        return value

    # Dial links (issue 16 item 3): every number the console shows links to its softphone.
    dial_uri: str = Field(
        default=DEFAULT_TEMPLATE,
        description="URI template of a number's link: {e164}, {digits}, {national}, {extension}",
    )
    dial_uri_fallback: str = Field(
        default=DEFAULT_TEMPLATE,
        description="For a number without what OMSTILLING_DIAL_URI names (an extension)",
    )

    @field_validator("dial_uri", "dial_uri_fallback")
    @classmethod
    def _dial_template(cls, value: str, info: ValidationInfo) -> str:
        parse_template(
            value,
            f"OMSTILLING_{str(info.field_name).upper()}",
            fallback=info.field_name != "dial_uri",
        )
        return value

    # Service targets (domain.kpi.Targets; issue 16 item 7): what the report measures
    # against; the statistics page and `omstilling report` may name others for one report.
    service_threshold_seconds: int = Field(
        default=DEFAULT_THRESHOLD,
        ge=0,
        le=MAX_WAIT_BUCKET,
        description="A call answered within this many seconds counts as answered in time",
    )
    service_level_target: float = Field(
        default=0.80, ge=0, le=1, description="Target share of answered calls answered in time"
    )
    answer_rate_target: float = Field(
        default=0.95, ge=0, le=1, description="Target share of calls answered"
    )
    abandon_rate_max: float = Field(
        default=0.05, ge=0, le=1, description="Target: lost calls stay under this share"
    )

    # Presence from calendars (issue 15; omstilling.calendars, docs/calendars.md).
    calendar_poll: bool = Field(
        default=True, description="omstilling serve polls the calendar feeds (one process)"
    )
    calendar_poll_seconds: int = Field(default=300, ge=10, description="Between two polls")
    calendar_timeout_seconds: float = Field(default=20.0, gt=0, le=300)
    calendar_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    calendar_concurrency: int = Field(default=16, ge=1, le=256, description="Feeds at a time")
    calendar_days_ahead: int = Field(default=14, ge=1, le=366)
    calendar_parse_processes: int = Field(
        default=1, ge=0, le=64, description="Worker processes that parse feeds (0: in-process)"
    )
    calendar_allow_loopback: bool = Field(
        default=False,
        description="Allow feeds on loopback and link-local addresses (tests, one machine)",
    )
    calendar_words: str = Field(
        default="",
        description="Words in a summary or category that give a code, e.g. "
        "'ferie=vacation; kursus=course'; empty: the built-in list (docs/calendars.md)",
    )

    @field_validator("calendar_words")
    @classmethod
    def _calendar_words(cls, value: str) -> str:
        from omstilling.domain.calendar_rules import parse_words

        parse_words(value)  # ValueError names the rule that is wrong
        return value

    def targets(
        self,
        threshold: int | None = None,
        service_level: float | None = None,
        answer_rate: float | None = None,
        max_abandon_rate: float | None = None,
    ) -> Targets:
        """The service targets; a report may name any of them for itself (None: the
        setting)."""

        def pick(given: float | None, setting: float) -> float:
            return setting if given is None else given

        return Targets(
            service_level=pick(service_level, self.service_level_target),
            threshold_seconds=self.service_threshold_seconds if threshold is None else threshold,
            answer_rate=pick(answer_rate, self.answer_rate_target),
            max_abandon_rate=pick(max_abandon_rate, self.abandon_rate_max),
        )


def origins(setting: str) -> frozenset[str]:
    """The origins of `public_search_origins` (a browser sends them without a trailing /)."""
    return frozenset(p.strip().rstrip("/") for p in setting.split(",") if p.strip())


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
