"""The exposure report as files: a self-contained HTML page, JSON and CSV."""

from safezone.adapters.exposure_report.html_page import render_exposure_page
from safezone.adapters.exposure_report.tables import report_csv, report_json

__all__ = ["render_exposure_page", "report_csv", "report_json"]
