"""Two agencies pushing batches at the same time: every row once, versions in order, no loss."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from sqlalchemy import func, select

from app.config import get_settings
from app.db import session_scope
from app.models import Batch, SourceRecord, SourceRecordVersion

DATA = Path(__file__).resolve().parent.parent / "data"
BATCHES = 20


def test_concurrent_pushes_keep_every_row_once_and_every_version(client, make_key, monkeypatch):
    monkeypatch.setenv("INTERTRATA_LINK_AFTER_INGEST", "false")
    get_settings.cache_clear()
    rows = [json.loads(x) for x in (DATA / "sistra.jsonl").read_text("utf-8").splitlines()]
    tokens = [make_key("agency", "SISTRA"), make_key("agency", "SISTRA")]
    # Both agencies push the middle rows: each push a new content (a new age) for them.
    slices = [rows[:40], rows[20:]]
    errors: list[str] = []

    def pusher(k: int) -> None:
        headers = {"Authorization": f"Bearer {tokens[k]}"}
        for i in range(BATCHES):
            batch = [dict(r, EDAD=10 + 2 * i + k) for r in slices[k]]
            r = client.post("/v1/sources/SISTRA/batches", headers=headers, json=batch)
            if r.status_code != 201:
                errors.append(f"{k}:{i}:{r.status_code}")

    threads = [threading.Thread(target=pusher, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    get_settings.cache_clear()
    assert not errors
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(Batch)) == 2 * BATCHES
        assert s.scalar(select(func.count()).select_from(SourceRecord)) == len(rows)
        for rec in s.scalars(select(SourceRecord)):
            versions = s.scalars(
                select(SourceRecordVersion)
                .where(SourceRecordVersion.source_record_id == rec.id)
                .order_by(SourceRecordVersion.version)
            ).all()
            assert [v.version for v in versions] == list(range(1, len(versions) + 1))
            assert rec.version == versions[-1].version
            assert rec.content_hash == versions[-1].content_hash
            shared = rows.index(next(r for r in rows if r["ID_SUJETO"] == rec.row_id))
            expected = 2 * BATCHES if 20 <= shared < 40 else BATCHES
            assert len(versions) == expected  # every distinct content kept, none lost
