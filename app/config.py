"""Settings read from the environment (prefix INTERTRATA_)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


def _default_database_url() -> str:
    return f"sqlite:///{Path.cwd() / 'var' / 'intertrata.db'}"


class Settings(BaseSettings):
    """Runtime configuration of the service and the CLI."""

    model_config = SettingsConfigDict(env_prefix="INTERTRATA_", extra="ignore")

    database_url: str = ""
    max_upload_bytes: int = 50 * 1024 * 1024
    max_json_rows: int = 100_000
    log_level: str = "INFO"
    link_after_ingest: bool = True
    # Keep the linker's inputs, table and blocking index in memory between runs of one
    # process (the server links after every push); false: read and rebuild them every run.
    link_cache: bool = True
    stats_threshold: int = 5
    auth_failures_per_minute: int = 30
    # Processes that parse a large file in `intertrata ingest`; 0 means one per core.
    ingest_workers: int = 0
    # Base64 of 32 random bytes; encrypts document numbers at rest (see app/privacy).
    data_key: str = Field("", repr=False)
    # Signs the UI's cookies; every worker and host of one service must share it. When unset,
    # it is read from (or created once in) secret_key_file, default var/secret-key.
    secret_key: str = Field("", repr=False)
    secret_key_file: str = ""
    ui_session_hours: float = 8.0

    def resolved_secret_key_file(self) -> Path:
        """Return the file that keeps the secret key when none is given."""
        return (
            Path(self.secret_key_file)
            if self.secret_key_file
            else Path.cwd() / "var" / "secret-key"
        )

    def resolved_database_url(self) -> str:
        """Return the configured database URL, or the embedded SQLite default."""
        return self.database_url or _default_database_url()


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings."""
    return Settings()
