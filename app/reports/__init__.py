"""Reports for the secretariat (annual, GLOTIP) and CTDC exports, from the statistics."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.reports.render import FORMATS, render
    from app.reports.schemas import Chart, CtdcExport, Report, Section
    from app.reports.service import annual_report, ctdc_export, glotip_report

__all__ = [
    "FORMATS",
    "Chart",
    "CtdcExport",
    "Report",
    "Section",
    "annual_report",
    "ctdc_export",
    "glotip_report",
    "render",
]

# Imported on first use: the renderers load ReportLab and openpyxl, which commands that never
# write a report (`intertrata ingest`) should not pay for at start-up.
_HOME = {
    "FORMATS": "app.reports.render",
    "render": "app.reports.render",
    "Chart": "app.reports.schemas",
    "CtdcExport": "app.reports.schemas",
    "Report": "app.reports.schemas",
    "Section": "app.reports.schemas",
    "annual_report": "app.reports.service",
    "ctdc_export": "app.reports.service",
    "glotip_report": "app.reports.service",
}


def __getattr__(name: str) -> Any:
    """Import a public name of the package on first use."""
    if name in _HOME:
        return getattr(import_module(_HOME[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
