"""Typed settings from the environment (OMSTILLING_*) and `.env`."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    sensitive_absence_retention_days: int = Field(default=90, ge=1)

    @field_validator("secret_key")
    @classmethod
    def _no_placeholder(cls, value: str | None) -> str | None:
        if value is not None and (value.strip().lower() in PLACEHOLDER_SECRETS or len(value) < 16):
            raise ValueError("OMSTILLING_SECRET_KEY is a placeholder or shorter than 16 characters")
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
