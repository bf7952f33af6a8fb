"""The annual report in every format, against the statistics API's own figures."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from app.reports import service
from app.reports.csvout import render_csv
from app.reports.html import render_html
from app.reports.pdf import render_pdf
from app.reports.xlsx import render_xlsx
from app.statistics.schemas import VictimQuery
from app.statistics.service import default_threshold, victim_statistics

from .conftest import YEAR, pdf_text

RISKY = ("=", "+", "-", "@")


@pytest.fixture
def figures(linked_world, session):
    stats = victim_statistics(
        session, query=VictimQuery(year_from=YEAR, year_to=YEAR), suppress_small=True
    )
    report = service.annual_report(session, year=YEAR, suppress_small=True)
    return report, stats.years[0]


def test_report_has_every_section_and_the_api_figure(figures):
    report, year = figures
    keys = [s.key for s in report.sections]
    assert keys == ["resumen", "serie", "brechas", "estimacion", "departamento", "sexo", "edad",
                    "nacionalidad", "finalidad", "tasas"]  # fmt: skip
    assert report.section("resumen").rows[0][1] == year.reconciled
    assert dict(report.headline)["Cifra publicada por RETA"] == year.reta_rows
    assert report.section("sexo").rows[-1] == ("Total", year.reconciled, 100.0)


def test_no_served_count_below_the_threshold(figures):
    report, _ = figures
    t = default_threshold()
    counts = [v for s in report.sections for r in s.rows for v in r if isinstance(v, int)]
    counts += [v for _, v in report.headline if isinstance(v, int)]
    assert counts and all(v == 0 or abs(v) >= t for v in counts)
    assert any(v is None for s in report.sections for r in s.rows for v in r)


def test_xlsx_sheets_figure_and_charts(figures):
    report, year = figures
    wb = load_workbook(io.BytesIO(render_xlsx(report)))
    assert wb.sheetnames[:3] == ["Portada", "Resumen", "Serie anual"]
    assert {"Sexo", "Nacionalidad", "Tasas por departamento"} <= set(wb.sheetnames)
    ws = wb["Resumen"]
    assert ws["A5"].value.startswith("Víctimas conciliadas") and ws["B5"].value == year.reconciled
    assert all(len(wb[n]._charts) == 1 for n in wb.sheetnames[1:])
    for sheet in wb:
        for row in sheet.iter_rows(values_only=True):
            for v in row:
                assert not (isinstance(v, str) and v.startswith(RISKY)), v


def test_csv_parses_with_the_figure(figures):
    report, year = figures
    text = render_csv(report).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    found = [r for r in rows if r["seccion"] == "resumen" and r["fila"].startswith("Víctimas conc")]
    assert found[0]["valor"] == str(year.reconciled)
    assert all(not v.startswith(RISKY) or v.lstrip("-").isdigit() for r in rows for v in r.values())


def test_html_is_self_contained_with_svg(figures):
    report, year = figures
    page = render_html(report).decode("utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="es">' in page
    assert page.count("<svg") >= 8 and "<desc>" in page and "<caption>" in page
    assert f"<strong>{year.reconciled}</strong>" in page
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")
    assert "https://" not in page


def test_pdf_has_the_figure(figures):
    report, year = figures
    content = render_pdf(report)
    assert content.startswith(b"%PDF")
    assert content.count(b"/Type /Page\n") + content.count(b"/Type /Page ") >= 3
    assert f"({year.reconciled})" in pdf_text(content)
