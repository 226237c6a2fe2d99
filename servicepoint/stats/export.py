"""The statistics as files: CSV (UTF-8 with a byte order mark, so spreadsheet programs read
umlauts, semicolons as in German spreadsheets) and XLSX (openpyxl), the same table as the
JSON rows (``figures.table_rows``), suppressed (every export is)."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from servicepoint.stats.figures import table_rows


def as_csv(report: dict[str, Any]) -> bytes:
    """The report's table as CSV bytes."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in table_rows(report):
        writer.writerow(row)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_xlsx(report: dict[str, Any], title: str = "Statistik") -> bytes:
    """The report as an XLSX workbook: the table, then the arrivals by hour of the week."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    for number, row in enumerate(table_rows(report)):
        sheet.append(row)
        if number == 0:
            for cell in sheet[1]:
                cell.font = Font(bold=True)
    arrivals = book.create_sheet("Ankünfte")
    arrivals.append(["", *[f"{hour:02d}" for hour in range(24)]])
    for name, hours in zip(
        ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"), report["arrivals"], strict=True
    ):
        arrivals.append([name, *hours])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
