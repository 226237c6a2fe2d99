"""When a location's consultation sessions (Sprechstunden) are held: the occurrences of its
rules with their exceptions applied, in the location's time zone.

The rules, in the order they apply:

1. A rule (:class:`~servicepoint.models.Consultation`) recurs on its ``weekdays`` between
   ``valid_from`` and ``valid_to`` (both included; ``None`` is open).
2. ``every_weeks`` N > 1 keeps every N-th week, counted in whole weeks from the Monday of
   ``valid_from`` (a rule without ``valid_from`` counts from :data:`WEEK_ANCHOR`).
3. ``week_of_month`` n keeps the n-th such weekday of its month (days ``7(n-1)+1`` to
   ``7n``); -1 keeps the last. With ``week_of_month`` set, ``every_weeks`` is not used.
4. A rule valid on one day only (``valid_from == valid_to``) is an **extra session**: it is
   held on that day whatever its weekdays say, and on a public holiday too.
5. A :class:`~servicepoint.models.ConsultationChange` cancels one occurrence or holds it at
   other times (``changed``); a change for a day that is no occurrence of its rule is ignored.
6. The location's public holidays (``Location.holidays``, e.g. ``"DE-NW"``: the ``holidays``
   package's country and subdivision) remove every occurrence but extra sessions.
7. A :class:`~servicepoint.models.Closure` removes every occurrence of its day, extra sessions
   too: a closure is a manager's explicit word that the location is shut that day.

Start and end are local wall-clock times: a session at 12:45 is at 12:45 on both sides of a
daylight-saving change (``zoneinfo`` gives each day its own offset).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holiday_calendars
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from servicepoint.models import Closure, Consultation, ConsultationChange, Location

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The Monday from which every_weeks counts for a rule without valid_from.
WEEK_ANCHOR = date(2000, 1, 3)


@dataclass(frozen=True)
class Occurrence:
    """One session held on one day: its rule, its day, when it starts and ends (aware, in the
    location's zone), what it offers and who holds it; ``changed`` when a change moved its
    times, ``extra`` when it is a one-day extra session."""

    consultation_id: int
    day: date
    start: datetime
    end: datetime
    topic_ids: tuple[int, ...]
    organisation_id: int | None
    max_tickets: int | None
    changed: bool
    extra: bool
    # The percentage of its counselor-time that appointments may take (0: walk-ins only).
    bookable_share: int = 0


def weekday_numbers(weekdays: str) -> set[int]:
    """The weekdays of a rule's ``weekdays`` text ("mon,thu") as numbers (Monday 0)."""
    return {WEEKDAYS.index(name) for name in weekdays.split(",") if name in WEEKDAYS}


def is_extra(consultation: Consultation) -> bool:
    """Whether the rule is a one-day extra session (held on a public holiday too)."""
    return consultation.valid_from is not None and consultation.valid_from == consultation.valid_to


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def in_week_of_month(day: date, week_of_month: int) -> bool:
    """Whether ``day`` is the ``week_of_month``-th of its weekday in its month (-1: the last)."""
    if week_of_month == -1:
        return (day + timedelta(days=7)).month != day.month
    return (day.day - 1) // 7 + 1 == week_of_month


def rule_days(consultation: Consultation, first_day: date, last_day: date) -> Iterator[date]:
    """The days from ``first_day`` to ``last_day`` on which the rule alone holds a session
    (rules 1 to 4): before changes, holidays and closures."""
    if is_extra(consultation):
        assert consultation.valid_from is not None
        if first_day <= consultation.valid_from <= last_day:
            yield consultation.valid_from
        return
    first = max(first_day, consultation.valid_from or first_day)
    last = min(last_day, consultation.valid_to or last_day)
    weekdays = weekday_numbers(consultation.weekdays)
    anchor = _monday(consultation.valid_from or WEEK_ANCHOR)
    every = max(1, consultation.every_weeks or 1)
    day = first
    while day <= last:
        if day.weekday() in weekdays:
            if consultation.week_of_month is not None:
                held = in_week_of_month(day, consultation.week_of_month)
            else:
                held = ((day - anchor).days // 7) % every == 0
            if held:
                yield day
        day += timedelta(days=1)


@lru_cache(maxsize=64)
def _holidays(code: str, year: int) -> dict[date, str]:
    country, _, subdivision = code.partition("-")
    calendar = holiday_calendars.country_holidays(
        country, subdiv=subdivision or None, years=year, language="de"
    )
    return dict(calendar.items())


def holiday_name(location: Location, day: date) -> str | None:
    """The (German) name of the public holiday that closes ``location`` on ``day``, if any."""
    if not location.holidays:
        return None
    return _holidays(location.holidays, day.year).get(day)


def at(day: date, moment: time, timezone: str) -> datetime:
    """``moment`` on ``day`` as an aware datetime in ``timezone`` (that day's offset)."""
    return datetime.combine(day, moment, tzinfo=ZoneInfo(timezone))


def occurrences(
    session: Session, location: Location, first_day: date, last_day: date
) -> list[Occurrence]:
    """Every session the location holds from ``first_day`` to ``last_day`` (both included),
    exceptions applied (the module's rules), sorted by start (then by rule)."""
    if last_day < first_day:
        return []
    rules = list(
        session.scalars(
            select(Consultation)
            .where(Consultation.location_id == location.id)
            .options(selectinload(Consultation.topics))
            .order_by(Consultation.id)
        )
    )
    if not rules:
        return []
    changes = {
        (change.consultation_id, change.day): change
        for change in session.scalars(
            select(ConsultationChange).where(
                ConsultationChange.consultation_id.in_([rule.id for rule in rules]),
                ConsultationChange.day >= first_day,
                ConsultationChange.day <= last_day,
            )
        )
    }
    closed = set(
        session.scalars(
            select(Closure.day).where(
                Closure.location_id == location.id,
                Closure.day >= first_day,
                Closure.day <= last_day,
            )
        )
    )
    found: list[Occurrence] = []
    for rule in rules:
        extra = is_extra(rule)
        topic_ids = tuple(topic.id for topic in rule.topics)
        for day in rule_days(rule, first_day, last_day):
            if day in closed or (not extra and holiday_name(location, day) is not None):
                continue
            start, end, changed = rule.start, rule.end, False
            change = changes.get((rule.id, day))
            if change is not None:
                if change.cancelled:
                    continue
                start = change.start or start
                end = change.end or end
                changed = True
            found.append(
                Occurrence(
                    consultation_id=rule.id,
                    day=day,
                    start=at(day, start, location.timezone),
                    end=at(day, end, location.timezone),
                    topic_ids=topic_ids,
                    organisation_id=rule.organisation_id,
                    max_tickets=rule.max_tickets,
                    changed=changed,
                    extra=extra,
                    bookable_share=rule.bookable_share,
                )
            )
    found.sort(key=lambda occurrence: (occurrence.start, occurrence.consultation_id))
    return found
