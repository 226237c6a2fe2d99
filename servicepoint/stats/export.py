"""The statistics as files: CSV (UTF-8 with a byte order mark, so spreadsheet programs read
umlauts, semicolons as in German spreadsheets) and XLSX (openpyxl), the same table as the
JSON rows (``figures.table_rows``), suppressed (every export is).

Headings, the total's label, the channels' names, the sheets' names and the weekdays are in
the requesting staff member's language (``language``: ``staff.stats.*`` of the catalog),
the topics too (named so by ``figures.count``); the rows, figures, language codes and
periods are the same in every language."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from servicepoint import i18n
from servicepoint.stats.figures import table_rows

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def labelled_rows(report: dict[str, Any], language: str) -> Iterable[list[Any]]:
    """``figures.table_rows`` with its heading, total and channels named in ``language``."""
    by = report["by"]

    def text(key: str) -> str:
        return i18n.text(language, f"staff.stats.{key}")

    rows = list(table_rows(report))
    yield [*(text(f"by.{d}") for d in by), *(text(c) for c in report["columns"])]
    channel = by.index("channel") if "channel" in by else None
    for row in rows[1:-1]:
        if channel is not None:
            row[channel] = _channel_name(language, row[channel])
        yield row
    total = rows[-1]
    if by:
        total[0] = text("total")
    yield total


def _channel_name(language: str, channel: Any) -> Any:
    try:
        return i18n.text(language, f"staff.stats.channel.{channel}")
    except KeyError:  # a channel the catalog does not name yet: as stored
        return channel


def file_stem(language: str) -> str:
    """The first word of an export's file name ("statistik", "statistics")."""
    return i18n.text(language, "staff.stats.file")


def as_csv(report: dict[str, Any], language: str = i18n.REFERENCE) -> bytes:
    """The report's table as CSV bytes."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in labelled_rows(report, language):
        writer.writerow(row)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_xlsx(report: dict[str, Any], language: str = i18n.REFERENCE) -> bytes:
    """The report as an XLSX workbook: the table, then the arrivals by hour of the week."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = i18n.text(language, "staff.stats.title")[:31]
    for number, row in enumerate(labelled_rows(report, language)):
        sheet.append(row)
        if number == 0:
            for cell in sheet[1]:
                cell.font = Font(bold=True)
    arrivals = book.create_sheet(i18n.text(language, "staff.stats.arrivals")[:31])
    arrivals.append(["", *[f"{hour:02d}" for hour in range(24)]])
    for day, hours in zip(WEEKDAYS, report["arrivals"], strict=True):
        arrivals.append([i18n.text(language, f"staff.stats.day.{day}"), *hours])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
