"""The appointment tests' day: Monday 7 December 2026 in Berlin, a weekday consultation on a
location's first topic from 10:00 to 12:00 that may be booked whole, in 30-minute slots."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from servicepoint.models import Consultation

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 12, 7)


def at(hhmm: str, day: date = MONDAY) -> datetime:
    """``hhmm`` on ``day`` in Berlin, aware."""
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=BERLIN)


def weekday_session(session, location, staff) -> Consultation:
    """Weekdays 10:00 to 12:00 on the location's first topic, held by ``staff``, all of it
    bookable in slots of 30 minutes; committed."""
    consultation = Consultation(
        location=location,
        weekdays="mon,tue,wed,thu,fri",
        start=time(10),
        end=time(12),
        topics=[location.topics[0]],
        staff=list(staff),
        slot_minutes=30,
        bookable_share=100,
    )
    session.add(consultation)
    session.commit()
    return consultation


def online_bookable(session, location):
    """The location's first topic, bookable online, in ``weekday_session`` held by no one
    in particular (the organisation's); committed. Returns the topic."""
    topic = location.topics[0]
    topic.online_booking = True
    weekday_session(session, location, [])
    return topic
