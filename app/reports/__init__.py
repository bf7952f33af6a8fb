"""Reports for the secretariat (annual, GLOTIP) and CTDC exports, from the statistics."""

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
