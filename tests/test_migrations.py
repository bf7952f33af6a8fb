"""The Alembic migrations produce exactly the schema the models declare."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from app.db import Base, get_engine
from app.migrate import current_revision, head_revision


def test_database_is_at_head_and_matches_the_models(db):
    assert current_revision() == head_revision()
    with get_engine().connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
