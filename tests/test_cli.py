"""The `intertrata` command on a migrated database."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from typer.testing import CliRunner

from app.cli import app

DATA = Path(__file__).resolve().parent / "data"
runner = CliRunner()


def test_ingest_json_summary_and_replay(db):
    first = runner.invoke(app, ["ingest", "reta", str(DATA / "reta.csv"), "--json"])
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout.strip().splitlines()[-1])
    for key in ("received", "new", "updated", "unchanged", "rejected"):
        assert key in summary
    assert summary["received"] == summary["new"] + summary["rejected"]
    again = json.loads(
        runner.invoke(app, ["ingest", "reta", str(DATA / "reta.csv"), "--json"]).stdout
    )
    assert (again["new"], again["updated"]) == (0, 0)


def test_ingest_prints_a_table_without_json(db):
    r = runner.invoke(app, ["ingest", "sistra", str(DATA / "sistra.jsonl")])
    assert r.exit_code == 0, r.output
    assert "recibidas" in r.stdout


def test_ingest_of_a_malformed_file_fails_cleanly(db, tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_text("no,es,un,export\n1,2,3,4\n", encoding="utf-8")
    r = runner.invoke(app, ["ingest", "sistra", str(bad), "--json"])
    assert r.exit_code == 2
    assert json.loads(r.stdout)["error"]


def test_keys_create_prints_the_key_alone_on_the_last_line(db):
    r = runner.invoke(app, ["keys", "create", "--role", "agency", "--system", "RETA"])
    assert r.exit_code == 0, r.output
    token = r.stdout.strip().splitlines()[-1]
    assert token.startswith("itk_") and " " not in token
    listed = runner.invoke(app, ["keys", "list"])
    assert token.split("_")[1] in listed.stdout and token.split("_", 2)[2] not in listed.stdout
    assert runner.invoke(app, ["keys", "create", "--role", "agency"]).exit_code == 2


def test_db_upgrade_is_idempotent(db):
    r = runner.invoke(app, ["db", "upgrade"])
    assert r.exit_code == 0
    assert "al día" in r.stdout


def test_link_and_exports(db, tmp_path):
    runner.invoke(app, ["ingest", "reta", str(DATA / "reta.csv"), "--no-link"])
    runner.invoke(app, ["ingest", "sistra", str(DATA / "sistra.csv"), "--no-link"])
    r = runner.invoke(app, ["link", "--json"])
    assert r.exit_code == 0, r.output
    run = json.loads(r.stdout)
    assert run["persons"] > 0 and run["mode"] == "full"
    assert json.loads(runner.invoke(app, ["link", "--json"]).stdout) is None
    for kind, column in (("persons", "person_id"), ("cases", "case_id")):
        path = tmp_path / f"{kind}.csv"
        assert runner.invoke(app, ["export", kind, "--out", str(path)]).exit_code == 0
        lines = path.read_text("utf-8").splitlines()
        assert lines[0] == f"system,row_id,{column}"
        assert len(lines) - 1 == 54 + 66


def test_dedupe_command_reports_bad_columns(tmp_path):
    src = tmp_path / "l.csv"
    src.write_text("id,n\n1,Ana\n", encoding="utf-8")
    r = runner.invoke(
        app,
        [
            "dedupe",
            str(src),
            "--id-column",
            "id",
            "--map",
            "given_name=x",
            "--out",
            str(tmp_path / "o.csv"),
        ],
    )
    assert r.exit_code == 2


def test_data_key_is_printed_and_postgresql_without_one_is_refused(monkeypatch):
    from app.config import get_settings

    key = runner.invoke(app, ["keys", "data-key"]).stdout.strip()
    assert len(base64.b64decode(key)) == 32
    monkeypatch.setenv("INTERTRATA_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("INTERTRATA_DATA_KEY", "")
    get_settings.cache_clear()
    try:
        r = runner.invoke(app, ["link", "--json"])
    finally:
        get_settings.cache_clear()
    assert r.exit_code == 2
    assert "INTERTRATA_DATA_KEY" in r.output


def test_cli_start_up_imports_no_report_statistics_or_linkage_code():
    # `intertrata ingest` pays for every module app.cli imports at start-up.
    import subprocess
    import sys

    code = (
        "import sys, app.cli; "
        "print(sorted(m for m in ('numpy', 'reportlab', 'openpyxl', 'app.matching', "
        "'app.linkage.service', 'app.reports.service', 'app.statistics.service') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_spelled_out_constants_match_their_modules():
    from app import cli
    from app.linkage.dedupe import FIELDS
    from app.reports import cli as report_cli
    from app.reports.ctdc import DEFAULT_K
    from app.reports.render import FORMATS

    assert cli.DEDUPE_FIELDS == FIELDS
    assert tuple(FORMATS) == report_cli.FORMATS
    assert report_cli.DEFAULT_K == DEFAULT_K
