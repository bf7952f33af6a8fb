"""Ingest rules on a migrated database: counts, versions, quarantine, idempotence."""

from __future__ import annotations

import csv
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app.adapters import SourceFileError
from app.db import session_scope
from app.ingest import service
from app.models import Batch, QuarantineRow, SourceRecord, SourceRecordVersion
from app.privacy import generate_data_key, open_raw
from app.schema import System

DATA = Path(__file__).resolve().parent.parent / "data"


def _ingest(system: System, name: str, path: Path | None = None) -> service.BatchOutcome:
    path = path or DATA / name
    with session_scope() as s, path.open("rb") as fh:
        return service.ingest_file(
            s, system=system, stream=fh, filename=path.name, pushed_by="test", channel="cli"
        )


def _count(model: type) -> int:
    with session_scope() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _data_rows(name: str) -> int:
    if name.endswith(".jsonl"):
        return sum(1 for line in (DATA / name).read_text("utf-8").splitlines() if line.strip())
    encoding = "cp1252" if name.startswith("reta") else "utf-8"
    delimiter = ";" if name.startswith("reta") else ","
    with (DATA / name).open(encoding=encoding, newline="") as fh:
        return sum(1 for _ in csv.DictReader(fh, delimiter=delimiter))


@pytest.mark.parametrize(
    ("system", "name"),
    [(System.RETA, "reta.csv"), (System.SISTRA, "sistra.csv"), (System.SISTRA, "sistra.jsonl")],
)
def test_samples_give_exactly_their_rows_and_replay_changes_nothing(db, system, name):
    first = _ingest(system, name).batch
    assert first.received == _data_rows(name)
    assert first.received == first.new + first.rejected
    assert first.updated == first.unchanged == 0
    stored = _count(SourceRecord)
    assert stored == first.new

    again = _ingest(system, name).batch
    assert (again.new, again.updated) == (0, 0)
    assert again.unchanged == first.new
    assert again.rejected == first.rejected
    assert _count(SourceRecord) == stored
    assert _count(SourceRecordVersion) == stored


@pytest.mark.parametrize(
    ("system", "main", "corrections"),
    [
        (System.RETA, "reta.csv", "reta_corrections.csv"),
        (System.SISTRA, "sistra.csv", "sistra_corrections.csv"),
    ],
)
def test_corrections_create_new_versions_and_keep_the_old(db, system, main, corrections):
    _ingest(system, main)
    fixed = _ingest(system, corrections).batch
    n = _data_rows(corrections)
    assert fixed.received == n
    assert fixed.updated == n
    assert fixed.new == fixed.rejected == 0
    with session_scope() as s:
        versions = s.execute(
            select(SourceRecord.row_id, SourceRecord.version, func.count(SourceRecordVersion.id))
            .join(SourceRecordVersion, SourceRecordVersion.source_record_id == SourceRecord.id)
            .where(SourceRecord.version == 2)
            .group_by(SourceRecord.row_id, SourceRecord.version)
        ).all()
        assert len(versions) == n
        assert all(count == 2 for _, _, count in versions)
        row_id = versions[0][0]
        found = service.get_record_history(s, system=system, row_id=row_id)
        assert found is not None
        rec, history = found
        assert [v.version for v in history] == [1, 2]
        assert history[0].record != history[1].record
        assert rec.version == 2 and rec.content_hash == history[1].content_hash
        assert history[0].batch_id != history[1].batch_id
    assert _ingest(system, corrections).batch.updated == 0


def test_xlsx_and_csv_twins_give_identical_records(db):
    first = _ingest(System.RETA, "reta.xlsx").batch
    twin = _ingest(System.RETA, "reta.csv").batch
    assert twin.new == twin.updated == 0
    assert twin.unchanged == first.new


def test_sistra_csv_and_jsonl_twins_give_identical_records(db):
    first = _ingest(System.SISTRA, "sistra.csv").batch
    twin = _ingest(System.SISTRA, "sistra.jsonl").batch
    assert twin.new == twin.updated == 0
    assert twin.unchanged == first.new


def test_bad_rows_are_quarantined_with_reasons_and_good_rows_kept(db, tmp_path):
    lines = (DATA / "sistra.csv").read_text("utf-8").splitlines()
    bad = lines[1].split(",")
    bad[0] = "S-9999999999"
    bad[4] = "2017-02-31"  # FECHA_INGRESO
    path = tmp_path / "sistra_bad.csv"
    path.write_text("\n".join([lines[0], *lines[1:4], ",".join(bad)]) + "\n", "utf-8")
    outcome = _ingest(System.SISTRA, "x", path)
    assert outcome.batch.new == 3
    assert outcome.batch.rejected == 1
    [rejection] = [r for r in outcome.rejections if r.column == "FECHA_INGRESO"]
    assert rejection.row == 5
    assert rejection.row_id == "S-9999999999"
    assert rejection.reason
    with session_scope() as s:
        q = s.scalars(select(QuarantineRow)).one()
        assert q.raw["FECHA_INGRESO"] == "2017-02-31"
        assert q.raw["ID_SUJETO"] == "S-9999999999"


def test_same_row_twice_in_one_batch_is_versioned(db):
    rows = []
    with (DATA / "sistra.csv").open(encoding="utf-8", newline="") as fh:
        first = next(csv.DictReader(fh))
    changed = dict(first, EDAD="40")
    rows = [(2, first), (3, first), (4, changed)]
    with session_scope() as s:
        b = service.ingest_rows(
            s, system=System.SISTRA, rows=rows, pushed_by="test", channel="api-json"
        ).batch
    assert (b.received, b.new, b.unchanged, b.updated) == (3, 1, 1, 1)


def test_file_error_rejects_the_whole_batch(db, tmp_path):
    path = tmp_path / "sistra.csv"
    path.write_bytes((DATA / "sistra.csv").read_bytes() + b"\xff\xfe broken\n")
    with pytest.raises(SourceFileError):
        _ingest(System.SISTRA, "x", path)
    assert _count(SourceRecord) == 0
    assert _count(Batch) == 0


def test_logs_never_carry_names_or_documents(db, caplog):
    caplog.set_level(logging.DEBUG)
    _ingest(System.RETA, "reta.csv")
    _ingest(System.SISTRA, "sistra.csv")
    text = caplog.text.upper()
    assert "batch" in caplog.text
    with (DATA / "sistra.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            for col in ("APELLIDO_PATERNO", "NUMERO_DOCUMENTO"):
                value = (row[col] or "").strip().upper()
                if len(value) >= 4:
                    assert value not in text


def _documents(*names: str) -> set[str]:
    """Document numbers of sample files, as they appear in the files (at least 6 characters)."""
    values: set[str] = set()
    for name in names:
        reta = name.startswith("reta")
        with (DATA / name).open(encoding="cp1252" if reta else "utf-8", newline="") as fh:
            for row in csv.DictReader(fh, delimiter=";" if reta else ","):
                value = (row["NRO_DOC" if reta else "NUMERO_DOCUMENTO"] or "").strip()
                if len(value) >= 6:
                    values.add(value)
    return values


def test_stored_rows_carry_no_document_number_in_clear(db, tmp_path):
    lines = (DATA / "reta.csv").read_text("cp1252").splitlines()
    header = lines[0].split(";")
    bad = next(line.split(";") for line in lines[1:] if line.split(";")[header.index("NRO_DOC")])
    bad[header.index("ID_REGISTRO")] = "R-BAD"
    bad[header.index("FECHA_DENUNCIA")] = "no es una fecha"
    path = tmp_path / "reta_bad.csv"
    path.write_text(f"{lines[0]}\n{';'.join(bad)}\n", "cp1252")
    _ingest(System.RETA, "reta.csv")
    _ingest(System.SISTRA, "sistra.csv")
    rejected = _ingest(System.RETA, "x", path).batch
    assert rejected.rejected == 1
    documents = _documents("reta.csv", "sistra.csv")
    assert len(documents) > 20
    with session_scope() as s:
        stored = [
            a + b
            for sql in (
                "SELECT CAST(record AS TEXT), CAST(raw AS TEXT) FROM source_record_versions",
                "SELECT CAST(raw AS TEXT), '' FROM quarantine_rows",
            )
            for a, b in s.execute(text(sql))
        ]
        blob = "\n".join(stored)
        assert len(stored) == _count(SourceRecordVersion) + 1
        assert [d for d in documents if d in blob] == []
        assert blob.count("enc:v1:") > 2 * len(documents)
        # ...and they open back for those allowed to read them.
        [q] = service.quarantined_rows(s, batch_id=rejected.id)
        assert open_raw(q.raw)["NRO_DOC"] == bad[header.index("NRO_DOC")]


def test_parallel_parsing_stores_what_serial_parsing_stores(db, monkeypatch):
    # Small chunks, so that the sample spreads over both worker processes and several windows.
    monkeypatch.setattr(service, "_PARSE_CHUNK", 7)
    path = DATA / "sistra.csv"
    with session_scope() as s, path.open("rb") as fh:
        first = service.ingest_file(
            s,
            system=System.SISTRA,
            stream=fh,
            filename=path.name,
            pushed_by="test",
            channel="cli",
            workers=2,
        ).batch
    assert first.received == _data_rows("sistra.csv") == first.new + first.rejected
    with session_scope() as s:
        numbers = s.scalars(
            select(SourceRecordVersion.row_number).order_by(SourceRecordVersion.id)
        ).all()
    assert list(numbers) == sorted(numbers)  # chunks come back in file order
    # Parsed serially, the same file is unchanged row for row: same records, same hashes.
    again = _ingest(System.SISTRA, "sistra.csv").batch
    assert (again.new, again.updated, again.unchanged) == (0, 0, first.new)
    assert again.rejected == first.rejected


def _reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True  # not (or no longer) a child of this process: already waited for
    return False


def test_parse_pool_workers_are_children_reaped_on_exit():
    assert service.parse_pool(1).__enter__() is None
    with service.parse_pool(2) as pool:
        assert pool is not None
        parents = {pool.executor.submit(os.getppid).result() for _ in range(4)}
        pids = set(pool.executor.submit(os.getpid).result() for _ in range(8))
        # Forked by this process (their CPU is counted as its children's once reaped), and
        # started with this process's modules: the parser is already imported there.
        assert parents == {os.getpid()}
    assert pids and all(_reaped(pid) for pid in pids)


def test_preparing_a_row_does_not_import_the_linker(tmp_path):
    # Every parser process would pay for NumPy and the linker (about 0.7 s of CPU each).
    code = (
        "import sys\n"
        "from app.adapters import read_rows\n"
        "from app.ingest import service\n"
        "from app.schema import System\n"
        f"fh = open({str(DATA / 'reta.csv')!r}, 'rb')\n"
        "items = list(read_rows(System.RETA, fh, 'reta.csv'))\n"
        "prepared = service._prepare_chunk(System.RETA, items)\n"
        "assert any(p.state[-1] for p in prepared if isinstance(p, service._Parsed))\n"
        "print(sorted(m for m in sys.modules if m.startswith(('numpy', 'app.matching'))))\n"
    )
    env = {**os.environ, "INTERTRATA_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    env["INTERTRATA_DATA_KEY"] = generate_data_key()
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
