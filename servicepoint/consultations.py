"""Managers' verbs on consultation sessions (Sprechstunden): the rules, one occurrence
cancelled or moved, the days a location is closed; and what they look like as JSON.

Like ``manage``, every verb takes typed values the surface parsed, checks all of them before
it changes anything (a refused request changes nothing) and names the ``field`` at fault.
When sessions are held is decided by ``servicepoint.schedule`` alone; these verbs only write
what it reads. Every change records ``TopicsChanged``: kiosks and the lobby learn of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from servicepoint import clock, schedule
from servicepoint.errors import Duplicate, InvalidInput, NotFound
from servicepoint.events import record
from servicepoint.manage import TopicsChanged
from servicepoint.models import (
    Closure,
    Consultation,
    ConsultationChange,
    Location,
    Organisation,
    Staff,
    Topic,
)
from servicepoint.text import NAME_LANGUAGE, clean_key, clean_text, shown

_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
MAX_EVERY_WEEKS = 52
MAX_TICKETS = 999
# The longest range of occurrences one request may ask for (days).
MAX_RANGE_DAYS = 400
# Bounds of a session's appointment slot (minutes).
MIN_SLOT_MINUTES = 5
MAX_SLOT_MINUTES = 240


# --- parsing what people type -----------------------------------------------------------


def parse_time(value: str, name: str) -> time:
    """A local time written ``HH:MM`` (24 hours), or InvalidInput naming ``name``."""
    if not _TIME.match(value):
        raise InvalidInput("bad_time", field=name, value=shown(value))
    return time.fromisoformat(value)


def parse_date(value: str, name: str) -> date:
    """A day written ``YYYY-MM-DD``, or InvalidInput naming ``name``."""
    try:
        if _DATE.match(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise InvalidInput("bad_date", field=name, value=shown(value))


def parse_range(first: str | None, last: str | None) -> tuple[date, date] | None:
    """The days ``from``..``to`` of a request for occurrences (None when neither is given),
    at most ``MAX_RANGE_DAYS`` long."""
    if first is None and last is None:
        return None
    if first is None or last is None:
        raise InvalidInput("range_needed", field="from" if first is None else "to")
    start, end = parse_date(first, "from"), parse_date(last, "to")
    if end < start:
        raise InvalidInput("range_backwards", field="to")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise InvalidInput("range_too_long", field="to", days=MAX_RANGE_DAYS)
    return start, end


# --- rules ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSpec:
    """A session rule as asked for: weekdays (``"mon"``…), local start and end, the topics'
    keys, and optionally validity, recurrence, organisation, staff, a ticket cap, titles,
    the appointment slot length and the bookable share of its counselor-time (percent)."""

    weekdays: tuple[str, ...]
    start: time
    end: time
    topic_keys: tuple[str, ...]
    valid_from: date | None = None
    valid_to: date | None = None
    every_weeks: int = 1
    week_of_month: int | None = None
    organisation_id: int | None = None
    staff_ids: tuple[int, ...] = ()
    max_tickets: int | None = None
    names: dict[str, str] = field(default_factory=dict)
    slot_minutes: int = 30
    bookable_share: int = 0


def spec_of(consultation: Consultation) -> RuleSpec:
    """The rule as it stands (a change asked for is applied to it with ``replace``)."""
    return RuleSpec(
        weekdays=tuple(consultation.weekdays.split(",")) if consultation.weekdays else (),
        start=consultation.start,
        end=consultation.end,
        topic_keys=tuple(topic.key for topic in consultation.topics),
        valid_from=consultation.valid_from,
        valid_to=consultation.valid_to,
        every_weeks=consultation.every_weeks,
        week_of_month=consultation.week_of_month,
        organisation_id=consultation.organisation_id,
        staff_ids=tuple(staff.id for staff in consultation.staff),
        max_tickets=consultation.max_tickets,
        names=dict(consultation.names),
        slot_minutes=consultation.slot_minutes,
        bookable_share=consultation.bookable_share,
    )


def _weekdays(spec: RuleSpec) -> str:
    one_day = spec.valid_from is not None and spec.valid_from == spec.valid_to
    chosen = [day for day in schedule.WEEKDAYS if day in spec.weekdays]
    if any(day not in schedule.WEEKDAYS for day in spec.weekdays) or len(chosen) != len(
        spec.weekdays
    ):
        raise InvalidInput("bad_weekdays", field="weekdays")
    if one_day:
        assert spec.valid_from is not None
        own = schedule.WEEKDAYS[spec.valid_from.weekday()]
        if chosen and chosen != [own]:
            raise InvalidInput("extra_weekday", field="weekdays", weekday=own)
        return own
    if not chosen:
        raise InvalidInput("bad_weekdays", field="weekdays")
    return ",".join(chosen)


def _topics(session: Session, location: Location, keys: tuple[str, ...]) -> list[Topic]:
    if not keys:
        raise InvalidInput("session_topics", field="topics", location=location.name)
    found = {
        topic.key: topic
        for topic in session.scalars(select(Topic).where(Topic.location_id == location.id))
    }
    topics = []
    for key in dict.fromkeys(keys):
        if key not in found:
            raise InvalidInput("session_topic_unknown", field="topics", key=shown(key))
        topics.append(found[key])
    return topics


def _staff(session: Session, location: Location, ids: tuple[int, ...]) -> list[Staff]:
    staff = []
    for staff_id in dict.fromkeys(ids):
        member = session.get(Staff, staff_id) if 0 < staff_id < 2**31 else None
        if member is None or member.membership(location.id) is None:
            raise InvalidInput("session_staff", field="staff", id=staff_id, location=location.name)
        staff.append(member)
    return staff


def _names(value: dict[str, str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for language, name in value.items():
        language = clean_key(language, "names", NAME_LANGUAGE)
        title = clean_text(name, f"names.{language}", 120, required=False)
        if title:
            names[language] = title
    if names and "de" not in names:
        raise InvalidInput("session_german_title", field="names.de")
    return names


def _rule_values(session: Session, location: Location, spec: RuleSpec) -> dict[str, Any]:
    """Every column and relation of a rule from ``spec``, all checked first."""
    weekdays = _weekdays(spec)
    if spec.end <= spec.start:
        raise InvalidInput("end_before_start", field="end")
    if (
        spec.valid_from is not None
        and spec.valid_to is not None
        and spec.valid_to < spec.valid_from
    ):
        raise InvalidInput("valid_to_before_from", field="valid_to")
    if not 1 <= spec.every_weeks <= MAX_EVERY_WEEKS:
        raise InvalidInput("bad_every_weeks", field="every_weeks", max=MAX_EVERY_WEEKS)
    if spec.week_of_month is not None:
        if spec.week_of_month not in (1, 2, 3, 4, 5, -1):
            raise InvalidInput("bad_week_of_month", field="week_of_month")
        if spec.every_weeks != 1:
            raise InvalidInput("weeks_and_month", field="week_of_month")
    if spec.max_tickets is not None and not 1 <= spec.max_tickets <= MAX_TICKETS:
        raise InvalidInput("bad_max_tickets", field="max_tickets", max=MAX_TICKETS)
    if not MIN_SLOT_MINUTES <= spec.slot_minutes <= MAX_SLOT_MINUTES:
        raise InvalidInput(
            "bad_slot_minutes", field="slot_minutes", min=MIN_SLOT_MINUTES, max=MAX_SLOT_MINUTES
        )
    if not 0 <= spec.bookable_share <= 100:
        raise InvalidInput("bad_bookable_share", field="bookable_share")
    organisation = None
    if spec.organisation_id is not None:
        organisation = (
            session.get(Organisation, spec.organisation_id)
            if 0 < spec.organisation_id < 2**31
            else None
        )
        if organisation is None:
            raise InvalidInput(
                "session_organisation", field="organisation", id=spec.organisation_id
            )
    return {
        "weekdays": weekdays,
        "start": spec.start,
        "end": spec.end,
        "valid_from": spec.valid_from,
        "valid_to": spec.valid_to,
        "every_weeks": spec.every_weeks,
        "week_of_month": spec.week_of_month,
        "organisation": organisation,
        "max_tickets": spec.max_tickets,
        "slot_minutes": spec.slot_minutes,
        "bookable_share": spec.bookable_share,
        "names": _names(spec.names),
        "topics": _topics(session, location, spec.topic_keys),
        "staff": _staff(session, location, spec.staff_ids),
    }


def get_consultation(session: Session, consultation_id: int) -> Consultation:
    """The session rule with this id, or NotFound."""
    consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        raise NotFound("no_session", id=consultation_id)
    return consultation


def rules(session: Session, location: Location, with_staff: bool = True) -> list[Consultation]:
    """The location's session rules, oldest first, with their topics (and their staff, for
    managers' views; public ones never read them)."""
    options = [selectinload(Consultation.topics)]
    if with_staff:
        options.append(selectinload(Consultation.staff))
    return list(
        session.scalars(
            select(Consultation)
            .where(Consultation.location_id == location.id)
            .options(*options)
            .order_by(Consultation.id)
        )
    )


def create_consultation(session: Session, location: Location, spec: RuleSpec) -> Consultation:
    """A new session rule of ``location`` (a one-day rule is an extra session)."""
    consultation = Consultation(location=location, **_rule_values(session, location, spec))
    session.add(consultation)
    session.flush()
    record(session, TopicsChanged(location.id))
    return consultation


def update_consultation(
    session: Session, consultation: Consultation, spec: RuleSpec
) -> Consultation:
    """Replace the rule's values with ``spec`` (its changes of single days stay; those that
    no longer fall on an occurrence are ignored by the schedule)."""
    values = _rule_values(session, consultation.location, spec)
    for name, value in values.items():
        setattr(consultation, name, value)
    session.flush()
    record(session, TopicsChanged(consultation.location_id))
    return consultation


def delete_consultation(session: Session, consultation: Consultation) -> None:
    """Remove the rule and its changes."""
    location_id = consultation.location_id
    session.execute(
        delete(ConsultationChange).where(ConsultationChange.consultation_id == consultation.id)
    )
    session.delete(consultation)
    session.flush()
    record(session, TopicsChanged(location_id))


# --- one occurrence -----------------------------------------------------------------------


def _is_occurrence(session: Session, consultation: Consultation, day: date) -> bool:
    """Whether the rule holds a session on ``day`` apart from its own change of that day."""
    if day not in schedule.rule_days(consultation, day, day):
        return False
    location = consultation.location
    if not schedule.is_extra(consultation) and schedule.holiday_name(location, day):
        return False
    closed = session.scalar(
        select(Closure.id).where(Closure.location_id == location.id, Closure.day == day)
    )
    return closed is None


def change_occurrence(
    session: Session,
    consultation: Consultation,
    day: date,
    cancelled: bool = False,
    start: time | None = None,
    end: time | None = None,
    reason: str = "",
) -> ConsultationChange:
    """Cancel the rule's occurrence on ``day``, or hold it from ``start`` to ``end``
    instead; a change already made for that day is replaced."""
    if not _is_occurrence(session, consultation, day):
        raise InvalidInput("not_an_occurrence", field="date", date=day.isoformat())
    if cancelled:
        start = end = None
    elif start is None or end is None:
        raise InvalidInput("change_what", field="start" if start is None else "end")
    elif end <= start:
        raise InvalidInput("end_before_start", field="end")
    reason = clean_text(reason, "reason", 200, required=False)
    change = session.scalar(
        select(ConsultationChange).where(
            ConsultationChange.consultation_id == consultation.id, ConsultationChange.day == day
        )
    )
    if change is None:
        change = ConsultationChange(consultation=consultation, day=day)
        session.add(change)
    change.cancelled, change.start, change.end, change.reason = cancelled, start, end, reason
    session.flush()
    record(session, TopicsChanged(consultation.location_id))
    return change


def remove_change(session: Session, consultation: Consultation, day: date) -> None:
    """Hold the occurrence on ``day`` as the rule says again."""
    change = session.scalar(
        select(ConsultationChange).where(
            ConsultationChange.consultation_id == consultation.id, ConsultationChange.day == day
        )
    )
    if change is None:
        raise NotFound("no_change", field="date", date=day.isoformat())
    session.delete(change)
    session.flush()
    record(session, TopicsChanged(consultation.location_id))


# --- closures -----------------------------------------------------------------------------


def closures(session: Session, location: Location, first: date | None = None) -> list[Closure]:
    """The location's closures (from ``first`` on), by day."""
    query = select(Closure).where(Closure.location_id == location.id)
    if first is not None:
        query = query.where(Closure.day >= first)
    return list(session.scalars(query.order_by(Closure.day)))


def add_closure(session: Session, location: Location, day: date, reason: str = "") -> Closure:
    """Close ``location`` on ``day`` (every session of the day, extra sessions too)."""
    reason = clean_text(reason, "reason", 200, required=False)
    if session.scalar(
        select(Closure.id).where(Closure.location_id == location.id, Closure.day == day)
    ):
        raise Duplicate(
            "closure_exists", field="date", date=day.isoformat(), location=location.name
        )
    closure = Closure(location=location, day=day, reason=reason)
    session.add(closure)
    session.flush()
    record(session, TopicsChanged(location.id))
    return closure


def get_closure(session: Session, closure_id: int) -> Closure:
    """The closure with this id, or NotFound."""
    closure = session.get(Closure, closure_id)
    if closure is None:
        raise NotFound("no_closure", id=closure_id)
    return closure


def remove_closure(session: Session, closure: Closure) -> None:
    """Open the location on that day again."""
    location_id = closure.location_id
    session.delete(closure)
    session.flush()
    record(session, TopicsChanged(location_id))


# --- JSON ---------------------------------------------------------------------------------


def title(consultation: Consultation, language: str) -> str:
    """What a session is called in ``language``: its own title, else its topics' names."""
    names = consultation.names or {}
    own = names.get(language) or names.get("de")
    if own:
        return own
    return " · ".join(topic.name(language) for topic in consultation.topics)


def _hhmm(moment: time | None) -> str | None:
    return moment.strftime("%H:%M") if moment is not None else None


def organisation_json(organisation: Organisation | None) -> dict[str, Any] | None:
    if organisation is None:
        return None
    return {"id": organisation.id, "name": organisation.name, "short_name": organisation.short_name}


def rule_json(consultation: Consultation, language: str = "de") -> dict[str, Any]:
    """A rule as managers edit it (with its staff: never published)."""
    return {
        "id": consultation.id,
        "title": title(consultation, language),
        "names": dict(consultation.names or {}),
        "weekdays": consultation.weekdays.split(",") if consultation.weekdays else [],
        "start": _hhmm(consultation.start),
        "end": _hhmm(consultation.end),
        "valid_from": consultation.valid_from.isoformat() if consultation.valid_from else None,
        "valid_to": consultation.valid_to.isoformat() if consultation.valid_to else None,
        "every_weeks": consultation.every_weeks,
        "week_of_month": consultation.week_of_month,
        "extra": schedule.is_extra(consultation),
        "topics": [topic.key for topic in consultation.topics],
        "organisation": organisation_json(consultation.organisation),
        "staff": [{"id": s.id, "display_name": s.display_name} for s in consultation.staff],
        "max_tickets": consultation.max_tickets,
        "slot_minutes": consultation.slot_minutes,
        "bookable_share": consultation.bookable_share,
    }


def closure_json(closure: Closure) -> dict[str, Any]:
    return {"id": closure.id, "date": closure.day.isoformat(), "reason": closure.reason}


def occurrence_json(
    occurrence: schedule.Occurrence,
    consultation: Consultation,
    language: str = "de",
    reason: str = "",
) -> dict[str, Any]:
    """One occurrence as the API, the programme and the lobby show it (no staff names)."""
    return {
        "date": occurrence.day.isoformat(),
        "start": occurrence.start.strftime("%H:%M"),
        "end": occurrence.end.strftime("%H:%M"),
        "starts_at": occurrence.start.isoformat(),
        "ends_at": occurrence.end.isoformat(),
        "topics": [topic.key for topic in consultation.topics],
        "organisation": organisation_json(consultation.organisation),
        "title": title(consultation, language),
        "changed": occurrence.changed,
        "extra": occurrence.extra,
        "reason": reason,
        "session": occurrence.consultation_id,
    }


def programme(
    session: Session, location: Location, first: date, last: date, language: str = "de"
) -> dict[str, Any]:
    """The occurrences from ``first`` to ``last`` with what a calendar shows beside them:
    cancelled occurrences (to restore), public holidays and closures of those days."""
    found = schedule.occurrences(session, location, first, last)
    by_id = {rule.id: rule for rule in rules(session, location)}
    changes = list(
        session.scalars(
            select(ConsultationChange).where(
                ConsultationChange.consultation_id.in_(list(by_id)),
                ConsultationChange.day >= first,
                ConsultationChange.day <= last,
            )
        )
    )
    reasons = {(c.consultation_id, c.day): c.reason for c in changes}
    cancelled = [
        {
            "date": change.day.isoformat(),
            "session": change.consultation_id,
            "title": title(by_id[change.consultation_id], language),
            "start": _hhmm(by_id[change.consultation_id].start),
            "end": _hhmm(by_id[change.consultation_id].end),
            "reason": change.reason,
        }
        for change in sorted(changes, key=lambda c: (c.day, c.consultation_id))
        if change.cancelled and _is_occurrence(session, by_id[change.consultation_id], change.day)
    ]
    holidays = []
    day = first
    while day <= last:
        name = schedule.holiday_name(location, day)
        if name:
            holidays.append({"date": day.isoformat(), "name": name})
        day += timedelta(days=1)
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "occurrences": [
            occurrence_json(
                o,
                by_id[o.consultation_id],
                language,
                reasons.get((o.consultation_id, o.day), ""),
            )
            for o in found
        ],
        "cancelled": cancelled,
        "holidays": holidays,
        "closures": [closure_json(c) for c in closures(session, location, first) if c.day <= last],
    }


# --- the lobby ------------------------------------------------------------------------------

# How far ahead, and how many, sessions the lobby shows.
LOBBY_DAYS = 7
LOBBY_SESSIONS = 3


def _public_titles(consultation: Consultation, topics: list[Topic]) -> dict[str, str]:
    """The session's title per language, naming only ``topics`` when it has none of its own."""
    if consultation.names:
        return dict(consultation.names)
    languages = {code for topic in topics for code in topic.names} | {"de"}
    return {code: " · ".join(topic.name(code) for topic in topics) for code in sorted(languages)}


def next_sessions(
    session: Session,
    location: Location,
    now: datetime,
    limit: int = LOBBY_SESSIONS,
    days: int = LOBBY_DAYS,
) -> list[dict[str, Any]]:
    """The next sessions the lobby shows (those running now first): at most ``limit`` within
    ``days`` days, each with ``day`` ("today", "tomorrow" or its weekday), times and titles
    per language. Discreet topics are never named there; a session only of discreet topics
    is left out (``Topic.discreet``)."""
    today = clock.service_day(now, location.timezone)
    found = [
        o
        for o in schedule.occurrences(session, location, today, today + timedelta(days=days))
        if o.end > now
    ]
    if not found:
        return []
    by_id = {rule.id: rule for rule in rules(session, location, with_staff=False)}
    shown_sessions: list[dict[str, Any]] = []
    for occurrence in found:
        rule = by_id[occurrence.consultation_id]
        topics = [topic for topic in rule.topics if not topic.discreet and topic.active]
        if not topics:
            continue
        offset = (occurrence.day - today).days
        shown_sessions.append(
            {
                "date": occurrence.day.isoformat(),
                "day": "today"
                if offset == 0
                else "tomorrow"
                if offset == 1
                else schedule.WEEKDAYS[occurrence.day.weekday()],
                "start": occurrence.start.strftime("%H:%M"),
                "end": occurrence.end.strftime("%H:%M"),
                "now": occurrence.start <= now,
                "titles": _public_titles(rule, topics),
                "topics": [topic.key for topic in topics],
                "changed": occurrence.changed,
                "session": occurrence.consultation_id,
            }
        )
        if len(shown_sessions) == limit:
            break
    return shown_sessions
