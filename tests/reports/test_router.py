"""GET /v1/reports/...: roles, media types, Spanish file names; and the report CLI."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from app.reports.cli import report_app
from app.reports.router import router

from .conftest import YEAR


@pytest.fixture
def api(db):
    from app.main import create_app

    app = create_app()
    if not any(getattr(r, "path", "").startswith("/v1/reports") for r in app.routes):
        app.include_router(router)
    with TestClient(app) as c:
        yield c


def test_roles(api, as_role, linked_world):
    url = f"/v1/reports/annual/{YEAR}"
    assert api.get(url).status_code == 401
    assert api.get(url, headers=as_role("analyst")).status_code == 403
    assert api.get(url, headers=as_role("reviewer")).status_code == 403
    assert api.get("/v1/reports/ctdc", headers=as_role("analyst")).status_code == 403
    assert api.get(f"/v1/reports/glotip/{YEAR}", headers=as_role("analyst")).status_code == 403
    assert api.get(url, headers=as_role("admin"), params={"format": "html"}).status_code == 200


@pytest.mark.parametrize(
    ("fmt", "media", "magic"),
    [
        ("pdf", "application/pdf", b"%PDF"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
        ("csv", "text/csv; charset=utf-8", "\ufeffseccion".encode()),
        ("html", "text/html; charset=utf-8", b"<!DOCTYPE html>"),
    ],
)
def test_annual_downloads(api, as_role, linked_world, fmt, media, magic):
    r = api.get(
        f"/v1/reports/annual/{YEAR}", params={"format": fmt}, headers=as_role("secretariat")
    )
    assert r.status_code == 200
    assert r.headers["content-type"] == media
    assert r.headers["content-disposition"] == (
        f'attachment; filename="informe-anual-{YEAR}.{fmt}"'
    )
    assert r.content.startswith(magic)


def test_missing_year_and_bad_format(api, as_role, linked_world):
    h = as_role("secretariat")
    assert api.get("/v1/reports/annual/1999", headers=h).status_code == 404
    assert (
        api.get(f"/v1/reports/annual/{YEAR}", params={"format": "doc"}, headers=h).status_code
        == 422
    )


def test_ctdc_and_glotip_downloads(api, as_role, linked_world):
    h = as_role("secretariat")
    r = api.get("/v1/reports/ctdc", params={"k": 11}, headers=h)
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="victimas-ctdc-k11.csv"' in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) + int(r.headers["x-registros-suprimidos"]) == int(
        r.headers["x-registros-total"]
    )
    assert api.get("/v1/reports/ctdc", params={"k": 1}, headers=h).status_code == 422
    g = api.get(f"/v1/reports/glotip/{YEAR}", headers=h)
    assert g.status_code == 200
    wb = load_workbook(io.BytesIO(g.content))
    assert wb.sheetnames == ["Portada", "Por forma de explotación",
                             "Por ciudadanía"]  # fmt: skip


def test_cli_writes_the_files(linked_world, tmp_path):
    runner = CliRunner()
    out = tmp_path / "informe.xlsx"
    result = runner.invoke(report_app, ["annual", str(YEAR), "--format", "xlsx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert load_workbook(out).sheetnames[0] == "Portada"
    result = runner.invoke(report_app, ["ctdc", "--k", "11", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (
        (tmp_path / "victimas-ctdc-k11.csv")
        .read_text(encoding="utf-8-sig")
        .startswith("yearOfRegistration,")
    )
    result = runner.invoke(report_app, ["glotip", str(YEAR), "--out", str(tmp_path / "g.csv")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "g.csv").stat().st_size > 0
    bad = runner.invoke(report_app, ["annual", str(YEAR), "--format", "doc", "--out", str(out)])
    assert bad.exit_code != 0
