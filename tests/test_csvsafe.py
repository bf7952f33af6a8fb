"""Spreadsheet formulas in exported cells come out inert."""

from __future__ import annotations

from app.csvsafe import safe_cell


def test_formulas_are_neutralised_and_numbers_kept():
    assert safe_cell('=HYPERLINK("http://x","clic")') == '\'=HYPERLINK("http://x","clic")'
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("+51 999") == "'+51 999"
    assert safe_cell("-12") == "-12"
    assert safe_cell(None) == ""
    assert safe_cell("QUISPE") == "QUISPE"
