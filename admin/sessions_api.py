"""Staff JSON API of consultation sessions (Sprechstunden): rules, single occurrences,
closures, and the occurrences of a range. Managers of the location only
(``Permission.MANAGE`` at it); the verbs are ``servicepoint.consultations``."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Response, request

from admin import api_bp as api
from servicepoint import consultations, tickets
from servicepoint.access import Permission
from servicepoint.consultations import RuleSpec, parse_date, parse_time
from servicepoint.errors import InvalidInput
from servicepoint.models import Consultation, Location
from servicepoint.text import TOPIC_KEY, clean_key
from servicepoint.web import db_session, field, json_body, request_language, require


def _language() -> str:
    return request_language() or "de"


def _location(slug: str) -> Location:
    location = tickets.get_location(db_session(), slug)
    require(Permission.MANAGE, location)
    return location


def _consultation(consultation_id: int) -> Consultation:
    consultation = consultations.get_consultation(db_session(), consultation_id)
    require(Permission.MANAGE, consultation.location)
    return consultation


def _optional_date(body: dict[str, Any], name: str, current: Any) -> Any:
    if name not in body:
        return current
    value = field(body, name, str, default=None, max_length=10)
    return parse_date(value, name) if value is not None else None


def _optional_int(body: dict[str, Any], name: str, current: Any) -> Any:
    if name not in body:
        return current
    return field(body, name, int, default=None)


def _string_list(body: dict[str, Any], name: str, error: str) -> tuple[str, ...]:
    values: list[Any] = field(body, name, list)
    if not all(isinstance(v, str) for v in values):
        raise InvalidInput(error, field=name)
    return tuple(v.strip() for v in values)


def _spec(body: dict[str, Any], current: RuleSpec | None) -> RuleSpec:
    """The rule the body asks for: every field given replaces ``current``'s (a new rule
    starts from nothing: ``weekdays``, ``start``, ``end`` and ``topics`` are then required;
    a one-day rule needs no weekdays)."""
    changes: dict[str, Any] = {}
    one_day = body.get("valid_from") is not None and body.get("valid_from") == body.get("valid_to")
    if body.get("weekdays") is not None or (current is None and not one_day):
        changes["weekdays"] = tuple(
            day.lower() for day in _string_list(body, "weekdays", "bad_weekdays")
        )
    elif current is None:
        changes["weekdays"] = ()
    for name in ("start", "end"):
        if name in body or current is None:
            changes[name] = parse_time(field(body, name, str, max_length=5), name)
    if "topics" in body or current is None:
        changes["topic_keys"] = tuple(
            clean_key(key, "topics", TOPIC_KEY)
            for key in _string_list(body, "topics", "session_topic_keys")
        )
    base = current or RuleSpec(
        weekdays=(), start=changes["start"], end=changes["end"], topic_keys=()
    )
    changes["valid_from"] = _optional_date(body, "valid_from", base.valid_from)
    changes["valid_to"] = _optional_date(body, "valid_to", base.valid_to)
    if "every_weeks" in body:
        changes["every_weeks"] = field(body, "every_weeks", int, default=1)
    changes["week_of_month"] = _optional_int(body, "week_of_month", base.week_of_month)
    changes["organisation_id"] = _optional_int(body, "organisation", base.organisation_id)
    changes["max_tickets"] = _optional_int(body, "max_tickets", base.max_tickets)
    for name in ("slot_minutes", "bookable_share"):
        if name in body:
            changes[name] = field(body, name, int)
    if "staff" in body:
        ids: list[Any] = field(body, "staff", list, default=[])
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in ids):
            raise InvalidInput("session_staff_ids", field="staff")
        changes["staff_ids"] = tuple(ids)
    if "names" in body:
        names: dict[Any, Any] = field(body, "names", dict, default={})
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in names.items()):
            raise InvalidInput("names_object", field="names")
        changes["names"] = names
    spec = dataclasses.replace(base, **changes)
    if (
        body.get("weekdays") is None
        and spec.valid_from is not None
        and spec.valid_from == spec.valid_to
    ):
        spec = dataclasses.replace(spec, weekdays=())  # a one-day rule is held on its own day
    return spec


@api.get("/locations/<slug>/sessions")
def sessions_view(slug: str):
    """The location's session rules; with ``?from=YYYY-MM-DD&to=YYYY-MM-DD`` (at most
    ``MAX_RANGE_DAYS`` days) their occurrences, cancelled occurrences, holidays and closures."""
    session = db_session()
    location = _location(slug)
    days = consultations.parse_range(request.args.get("from"), request.args.get("to"))
    if days is not None:
        return consultations.programme(session, location, days[0], days[1], _language())
    return {
        "sessions": [
            consultations.rule_json(rule, _language())
            for rule in consultations.rules(session, location)
        ]
    }


@api.post("/locations/<slug>/sessions")
def create_session(slug: str):
    """``{"weekdays", "start", "end", "topics", "valid_from"?, "valid_to"?, "every_weeks"?,
    "week_of_month"?, "organisation"?, "staff"?, "max_tickets"?, "names"?, "slot_minutes"?,
    "bookable_share"?}``."""
    session = db_session()
    location = _location(slug)
    consultation = consultations.create_consultation(session, location, _spec(json_body(), None))
    return consultations.rule_json(consultation, _language()), 201


@api.patch("/sessions/<id:consultation_id>")
def update_session(consultation_id: int):
    """Any field of the rule; ``null`` clears an optional one."""
    session = db_session()
    consultation = _consultation(consultation_id)
    spec = _spec(json_body(), consultations.spec_of(consultation))
    consultations.update_consultation(session, consultation, spec)
    return consultations.rule_json(consultation, _language())


@api.delete("/sessions/<id:consultation_id>")
def delete_session(consultation_id: int):
    """Remove the rule with its changes."""
    consultations.delete_consultation(db_session(), _consultation(consultation_id))
    return Response(status=204)


@api.post("/sessions/<id:consultation_id>/changes")
def change_session_day(consultation_id: int):
    """One occurrence: ``{"date", "cancelled": true}`` or ``{"date", "start", "end"}``, with
    an optional ``"reason"``."""
    session = db_session()
    consultation = _consultation(consultation_id)
    body = json_body()
    day = parse_date(field(body, "date", str, max_length=10), "date")
    cancelled = field(body, "cancelled", bool, default=False)
    start = field(body, "start", str, default=None, max_length=5)
    end = field(body, "end", str, default=None, max_length=5)
    change = consultations.change_occurrence(
        session,
        consultation,
        day,
        cancelled=cancelled,
        start=parse_time(start, "start") if start is not None and not cancelled else None,
        end=parse_time(end, "end") if end is not None and not cancelled else None,
        reason=field(body, "reason", str, default=""),
    )
    return {
        "session": consultation.id,
        "date": change.day.isoformat(),
        "cancelled": change.cancelled,
        "start": change.start.strftime("%H:%M") if change.start else None,
        "end": change.end.strftime("%H:%M") if change.end else None,
        "reason": change.reason,
    }, 201


@api.delete("/sessions/<id:consultation_id>/changes")
def undo_session_day(consultation_id: int):
    """``?date=YYYY-MM-DD`` (or ``{"date"}``): the occurrence is held as the rule says."""
    session = db_session()
    consultation = _consultation(consultation_id)
    raw = request.args.get("date")
    if raw is None:
        raw = field(json_body() if request.content_length else {}, "date", str, max_length=10)
    consultations.remove_change(session, consultation, parse_date(raw, "date"))
    return Response(status=204)


@api.get("/locations/<slug>/closures")
def closures_view(slug: str):
    """The location's closures, by day (``?from=YYYY-MM-DD``: from that day on)."""
    location = _location(slug)
    first = request.args.get("from")
    rows = consultations.closures(
        db_session(), location, parse_date(first, "from") if first else None
    )
    return {"closures": [consultations.closure_json(c) for c in rows]}


@api.post("/locations/<slug>/closures")
def create_closure(slug: str):
    """``{"date", "reason"?}``: the location is closed that day."""
    session = db_session()
    location = _location(slug)
    body = json_body()
    closure = consultations.add_closure(
        session,
        location,
        parse_date(field(body, "date", str, max_length=10), "date"),
        field(body, "reason", str, default=""),
    )
    return consultations.closure_json(closure), 201


@api.delete("/closures/<id:closure_id>")
def delete_closure(closure_id: int):
    """Open the location on that day again."""
    session = db_session()
    closure = consultations.get_closure(session, closure_id)
    require(Permission.MANAGE, closure.location)
    consultations.remove_closure(session, closure)
    return Response(status=204)
