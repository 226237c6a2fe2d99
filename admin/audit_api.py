"""Staff JSON API of the audit trail: who changed what, when (``servicepoint.audit``).

Managers see the entries and ticket moves of the locations they manage; admins see all,
and the changes that belong to no location (organisations, staff accounts).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import request

from admin import api_bp as api
from servicepoint import access, audit, tickets
from servicepoint.access import Permission
from servicepoint.consultations import parse_date
from servicepoint.errors import InvalidInput
from servicepoint.web import MAX_ID, db_session, require

# Days without a location named are UTC days (a location's are its own).
UTC_ZONE = "UTC"


def _whole_number(name: str, low: int = 1) -> int | None:
    value = request.args.get(name)
    if value is None or value == "":
        return None
    if not value.isascii() or not value.isdigit() or not low <= int(value) <= MAX_ID:
        raise InvalidInput("out_of_range", field=name)
    return int(value)


@api.get("/audit")
def audit_trail():
    """``?location=&from=&to=&staff=&kind=&page=``: one page (50, newest first) of the
    audit trail and the tickets' moves; ``from``/``to`` are days (both included) in the
    location's time zone (UTC without one)."""
    session = db_session()
    slug = request.args.get("location") or None
    zone = UTC_ZONE
    if slug is not None:
        location = tickets.get_location(session, slug)
        require(Permission.MANAGE, location)
        scope: frozenset[int] | None = frozenset({location.id})
        zone = location.timezone
    else:
        scope = access.managed_location_ids(require(Permission.MANAGE))
    kind = request.args.get("kind") or None
    if kind is not None and kind not in audit.KINDS:
        raise InvalidInput("audit_kind", field="kind")
    first, last = request.args.get("from"), request.args.get("to")
    start = _midnight(parse_date(first, "from"), zone) if first else None
    end = _midnight(parse_date(last, "to") + timedelta(days=1), zone) if last else None
    if start is not None and end is not None and end <= start:
        raise InvalidInput("range_backwards", field="to")
    page = _whole_number("page") or 1
    if page > audit.MAX_PAGE:
        raise InvalidInput("out_of_range", field="page")
    entries, more = audit.browse(
        session,
        audit.Query(
            locations=scope,
            start=start,
            end=end,
            staff_id=_whole_number("staff"),
            kind=kind,
            page=page,
        ),
    )
    return {"entries": entries, "page": page, "more": more, "kinds": list(audit.KINDS)}


def _midnight(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(), tzinfo=ZoneInfo(zone))
