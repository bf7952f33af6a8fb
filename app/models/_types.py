"""Column types shared by the models."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

__all__ = ["DocumentJson", "JsonType", "UtcDateTime", "utcnow"]

JsonType = JSON().with_variant(JSONB(), "postgresql")
# Plain json on PostgreSQL too, for documents written in bulk and only ever read whole: JSONB
# would parse and re-encode each one on write (migration 0008).
DocumentJson = JSON()


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Store aware datetimes; SQLite drops the zone, so put UTC back on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value
