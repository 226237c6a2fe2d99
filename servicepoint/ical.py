"""A location's consultation sessions as an iCalendar feed (``/locations/<slug>/sessions.ics``),
for calendar programs and web pages: public, read-only, no staff names.

One VEVENT per rule, its times with the location's TZID (and a VTIMEZONE): an RRULE says how
it recurs (``WEEKLY`` with ``INTERVAL`` and ``BYDAY``; ``MONTHLY`` with ``BYDAY=2TU`` or
``-1FR``; none for a one-day extra session), ``UNTIL`` ends it at ``valid_to``. Within the
feed's window (from :data:`PAST_DAYS` before today to :data:`FUTURE_DAYS` after it), every
day the rule names but ``servicepoint.schedule`` does not hold — a cancelled occurrence, a
public holiday, a closure — is an ``EXDATE``, and a moved occurrence is a second VEVENT with
the same UID and a ``RECURRENCE-ID``. So a calendar that expands the feed finds exactly
``schedule.occurrences`` in the window; the feed is re-read by subscribers, so the window
moves on with it. A rule begins (``DTSTART``) at its first occurrence in the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from icalendar import Calendar, Event
from sqlalchemy.orm import Session

from servicepoint import clock, consultations, schedule
from servicepoint.models import Consultation, Location

PAST_DAYS = 31
FUTURE_DAYS = 400
_ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def window(location: Location) -> tuple[date, date]:
    """The days whose exceptions the feed lists (around the location's today)."""
    today = clock.service_day(clock.now(), location.timezone)
    return today - timedelta(days=PAST_DAYS), today + timedelta(days=FUTURE_DAYS)


def _rrule(rule: Consultation, location: Location) -> dict[str, object] | None:
    if schedule.is_extra(rule):
        return None
    days = sorted(schedule.weekday_numbers(rule.weekdays))
    recurrence: dict[str, object]
    if rule.week_of_month is not None:
        recurrence = {
            "freq": "monthly",
            "byday": [f"{rule.week_of_month}{_ICAL_DAYS[d]}" for d in days],
        }
    else:
        recurrence = {"freq": "weekly", "byday": [_ICAL_DAYS[d] for d in days], "wkst": "MO"}
        if rule.every_weeks > 1:
            recurrence["interval"] = rule.every_weeks
    if rule.valid_to is not None:
        # With a TZID on DTSTART, UNTIL is in UTC (RFC 5545): the end of the last day.
        last = schedule.at(rule.valid_to, time(23, 59, 59), location.timezone)
        recurrence["until"] = last.astimezone(UTC)
    return recurrence


@dataclass(frozen=True)
class _Details:
    """What every VEVENT of one rule says alike."""

    uid: str
    summary: str
    description: str
    place: str
    timezone: str
    stamp: datetime


def _event(details: _Details, day: date, start: time, end: time) -> Event:
    item = Event()
    item.add("uid", details.uid)
    item.add("dtstamp", details.stamp)
    item.add("dtstart", schedule.at(day, start, details.timezone))
    item.add("dtend", schedule.at(day, end, details.timezone))
    item.add("summary", details.summary)
    if details.description:
        item.add("description", details.description)
    item.add("location", details.place)
    return item


def feed(session: Session, location: Location) -> bytes:
    """The location's sessions as an iCalendar document (UTF-8)."""
    first, last = window(location)
    held = {
        (o.consultation_id, o.day): o for o in schedule.occurrences(session, location, first, last)
    }
    stamp = clock.now().astimezone(UTC).replace(microsecond=0)
    calendar = Calendar()
    calendar.add("prodid", "-//servicepoint//Sprechstunden//DE")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{location.name} · Sprechstunden")
    calendar.add("x-wr-timezone", location.timezone)
    for rule in consultations.rules(session, location, with_staff=False):
        days = list(schedule.rule_days(rule, first, last))
        if not days:
            continue
        details = _Details(
            uid=f"session-{rule.id}@{location.slug}.servicepoint",
            summary=consultations.title(rule, "de"),
            description=rule.organisation.name if rule.organisation is not None else "",
            place=", ".join(p for p in (location.name, location.address) if p),
            timezone=location.timezone,
            stamp=stamp,
        )
        main = _event(details, days[0], rule.start, rule.end)
        recurrence = _rrule(rule, location)
        if recurrence is not None:
            main.add("rrule", recurrence)
        dropped = [
            schedule.at(day, rule.start, location.timezone)
            for day in days
            if (rule.id, day) not in held
        ]
        if dropped:
            main.add("exdate", dropped)
        calendar.add_component(main)
        for day in days:
            occurrence = held.get((rule.id, day))
            if occurrence is not None and occurrence.changed:
                moved = _event(details, day, occurrence.start.time(), occurrence.end.time())
                moved.add("recurrence-id", schedule.at(day, rule.start, location.timezone))
                calendar.add_component(moved)
    calendar.add_missing_timezones(first_date=first - timedelta(days=366), last_date=last)
    document: bytes = calendar.to_ical()
    return document
