"""Configuration from the environment (names are a contract: DESIGN.md)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.backlog import DEFAULT_LIMIT as DEFAULT_WEBHOOK_BACKLOG


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    data_dir: Path = Field(Path("./var"), validation_alias="MADOGUCHI_DATA_DIR")
    corpus_dir: Path = Field(Path("./corpus"), validation_alias="MADOGUCHI_CORPUS_DIR")
    admin_token: str | None = Field(None, validation_alias="MADOGUCHI_ADMIN_TOKEN")
    db_url: str | None = Field(None, validation_alias="MADOGUCHI_DB_URL")
    # Key for hashing channel user ids in the query log; generated and kept under data_dir when unset.
    log_secret: str | None = Field(None, validation_alias="MADOGUCHI_LOG_SECRET")
    log_retention_days: int = Field(90, validation_alias="MADOGUCHI_LOG_RETENTION_DAYS")
    # Most answers a channel may owe before its webhook answers 503 (bot.backlog explains the default).
    webhook_backlog: int = Field(DEFAULT_WEBHOOK_BACKLOG, ge=1, validation_alias="MADOGUCHI_WEBHOOK_BACKLOG")

    line_channel_secret: str | None = Field(None, validation_alias="LINE_CHANNEL_SECRET")
    line_channel_access_token: str | None = Field(None, validation_alias="LINE_CHANNEL_ACCESS_TOKEN")
    line_api_base_url: str = Field("https://api.line.me", validation_alias="LINE_API_BASE_URL")

    telegram_bot_token: str | None = Field(None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_webhook_secret: str | None = Field(None, validation_alias="TELEGRAM_WEBHOOK_SECRET")
    telegram_api_base_url: str = Field("https://api.telegram.org/bot", validation_alias="TELEGRAM_API_BASE_URL")

    @classmethod
    def from_args(cls, args) -> Settings:
        """Settings from the environment, with a command's --corpus taking precedence."""
        settings = cls()
        if getattr(args, "corpus", None):
            settings.corpus_dir = Path(args.corpus)
        return settings

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{(self.data_dir / 'madoguchi.sqlite3').resolve()}"

    @property
    def line_enabled(self) -> bool:
        return bool(self.line_channel_secret and self.line_channel_access_token)

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_bot_token and self.telegram_webhook_secret)
