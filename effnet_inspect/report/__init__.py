"""The static HTML report (see pages.py for the files it writes): write_report for a whole report, write_compare
for one standalone compare page."""

from effnet_inspect.report.pages import Report, compare_html, write_compare, write_report

__all__ = ["Report", "compare_html", "write_compare", "write_report"]
