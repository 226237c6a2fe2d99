"""Staff JSON API of the statistics: ``GET /api/v1/stats`` and its exports
``/api/v1/stats/export.csv`` and ``.xlsx``, the same parameters and rules.

``?location=SLUG`` (none: every location the staff member sees figures of), ``from``/``to``
(``YYYY-MM-DD``, both included; default: this quarter), ``by=topic,language,…`` (any of
``figures.DIMENSIONS``), ``suppressed=1`` (what the reporting role sees). Managers (and
admins) see their locations' figures in full, counselors as a dimension included; the
``reporting`` role sees every location's, small numbers hidden and no counselors. Every export
is suppressed; the figures and every export speak the requesting staff member's language
(headings, the total, the channels, the sheets and the file's name: ``stats.export``; the
topics, grouped by their German names: ``figures.count``); the rows and numbers are the
same.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response, current_app, request
from sqlalchemy import select

from admin import api_bp as api
from admin.language import staff_language
from servicepoint import access, clock
from servicepoint.access import Permission
from servicepoint.consultations import parse_date
from servicepoint.errors import InvalidInput, NotSignedIn
from servicepoint.models import Location, Staff
from servicepoint.stats import export, figures
from servicepoint.text import shown
from servicepoint.tickets import get_location
from servicepoint.web import current_staff, db_session, require

MAX_DAYS = 3 * 366 + 1


def quarter_of(day: date) -> tuple[date, date]:
    """The first and last day of ``day``'s quarter."""
    first = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    following = date(first.year + (first.month + 2) // 12, (first.month + 2) % 12 + 1, 1)
    return first, following - timedelta(days=1)


def _range() -> tuple[date, date]:
    raw_from, raw_to = request.args.get("from"), request.args.get("to")
    default_first, default_last = quarter_of(clock.now().date())
    first = parse_date(raw_from, "from") if raw_from else default_first
    last = parse_date(raw_to, "to") if raw_to else default_last
    if last < first:
        raise InvalidInput("range_backwards", field="to")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput("range_too_long", field="to", days=MAX_DAYS)
    return first, last


def _by() -> tuple[str, ...]:
    raw = request.args.get("by", "")
    chosen: list[str] = []
    for name in (part.strip() for part in raw.split(",")):
        if not name:
            continue
        if name not in figures.DIMENSIONS:
            raise InvalidInput(
                "stats_dimension",
                field="by",
                value=shown(name),
                known=", ".join(figures.DIMENSIONS),
            )
        if name not in chosen:
            chosen.append(name)
    return tuple(chosen)


def _locations(staff: Staff) -> tuple[tuple[int, ...] | None, bool, str]:
    """The locations asked for (None: all), whether the staff member sees them in full, and
    the file name's part for them."""
    slug = request.args.get("location", "")
    if slug:
        location = get_location(db_session(), slug)
        require(Permission.VIEW_STATS, location)
        full = access.allowed(staff, Permission.VIEW_STATS_DETAIL, location)
        return (location.id,), full, location.slug
    if not access.allowed(staff, Permission.VIEW_STATS):
        require(Permission.VIEW_STATS)
    if staff.is_admin:
        return None, True, "all"
    if staff.role == "reporting":
        return None, False, "all"
    every = db_session().scalars(select(Location).order_by(Location.id)).all()
    ids = tuple(loc.id for loc in every if access.allowed(staff, Permission.VIEW_STATS_DETAIL, loc))
    return ids, True, "all"


def _report(for_export: bool) -> tuple[dict[str, object], str, str]:
    """The figures asked for, the file name's stem and the staff member's language."""
    staff = current_staff()
    if staff is None:
        raise NotSignedIn("not_signed_in")
    location_ids, full, name = _locations(staff)
    first, last = _range()
    by = _by()
    suppressed = for_export or not full or request.args.get("suppressed") in ("1", "true")
    if suppressed and figures.INTERNAL & set(by):
        raise InvalidInput("stats_internal", field="by", value="counselor")
    language = staff_language(staff)  # the figures and exports follow the staff pages'
    query = figures.Query(location_ids, first, last, by, language)
    counted = figures.count(db_session(), query)
    min_group = int(current_app.config.get("STATS_MIN_GROUP", 5))
    report = figures.report(counted, suppressed, min_group)
    stem = export.file_stem(language)
    return report, f"{stem}-{name}-{first.isoformat()}-{last.isoformat()}", language


@api.get("/stats")
def stats_view():
    """The figures as JSON rows (``figures.report``)."""
    report = _report(for_export=False)[0]
    return report


@api.get("/stats/export.csv")
def stats_csv():
    """The figures as CSV (suppressed), headed in the staff member's language."""
    report, name, language = _report(for_export=True)
    return Response(
        export.as_csv(report, language),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@api.get("/stats/export.xlsx")
def stats_xlsx():
    """The figures as an XLSX workbook (suppressed), in the staff member's language."""
    report, name, language = _report(for_export=True)
    return Response(
        export.as_xlsx(report, language),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )
