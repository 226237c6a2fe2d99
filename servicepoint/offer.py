"""What a location's kiosk offers now: which topics take tickets, until when, and when a
closed one is next offered. Consultation sessions drive the kiosk.

The rules, in the order they apply to an active topic:

1. A topic that no session rule of its location names is offered whenever it is active, as
   before sessions existed (an existing installation keeps working until a manager defines
   its sessions).
2. Otherwise it takes tickets from ``lead`` minutes before the start of one of its sessions
   until ``last`` minutes before that session's end (``Hours``; the settings
   ``SESSION_LEAD_MINUTES`` and ``SESSION_LAST_TICKET_MINUTES``).
3. A session with ``max_tickets`` stops when that many tickets were drawn for its topics
   in its window (``cap_reached``).
4. A session stops issuing a topic when the visitors already waiting for it, and the one who
   would draw now, can no longer be served before it ends (``full``): their number times the
   topic's minutes per visitor (``servicepoint.estimates``: its median service time, or the
   default), plus the minutes its booked appointments still hold (those not checked in by
   their start plus the grace time hold none: their slot went back to the walk-ins), shared
   among the counselors on duty who serve it (at least one: before the session starts
   nobody may sit at a desk yet), against the minutes left.

A closed topic names ``next_open``: the moment its next session starts taking tickets (None
when no session is ahead within ``LOOK_AHEAD_DAYS``). ``changes_at`` is the next moment the
clock alone opens or closes a topic, so a kiosk asks again exactly then.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servicepoint import clock
from servicepoint.models import (
    Appointment,
    AppointmentState,
    Location,
    Ticket,
    TicketState,
    Topic,
    consultation_topic,
)
from servicepoint.models import Consultation as Rule
from servicepoint.schedule import Occurrence, occurrences

if TYPE_CHECKING:  # estimates reads the queue (servicepoint.tickets), which asks this module
    from servicepoint.estimates import Estimates

# How far ahead the next opening is looked for (monthly sessions fall within it).
LOOK_AHEAD_DAYS = 35


@dataclass(frozen=True)
class Hours:
    """When tickets are issued relative to a session."""

    lead_minutes: int = 15
    last_minutes: int = 15
    # After this many minutes past its start a booked appointment nobody checked in no longer
    # holds its time (APPOINTMENT_GRACE_MINUTES).
    grace_minutes: int = 10

    @classmethod
    def from_settings(cls, config: Mapping[str, Any]) -> Hours:
        return cls(
            int(config.get("SESSION_LEAD_MINUTES", 15)),
            int(config.get("SESSION_LAST_TICKET_MINUTES", 15)),
            int(config.get("APPOINTMENT_GRACE_MINUTES", 10)),
        )

    def opens(self, occurrence: Occurrence) -> datetime:
        return occurrence.start - timedelta(minutes=self.lead_minutes)

    def closes(self, occurrence: Occurrence) -> datetime:
        return max(occurrence.end - timedelta(minutes=self.last_minutes), occurrence.start)


@dataclass(frozen=True)
class TopicOffer:
    """Whether a topic takes tickets now; if not, why and from when again."""

    open: bool
    # None when open; else "inactive", "no_session" (none now), "cap_reached" or "full".
    reason: str | None = None
    next_open: datetime | None = None
    # Open: when this session stops issuing the topic's tickets (None: no session needed).
    until: datetime | None = None
    occurrence: Occurrence | None = None

    def json(self) -> dict[str, Any]:
        return {
            "open": self.open,
            "closed_because": self.reason,
            "next_open": _iso(self.next_open),
            "open_until": _iso(self.until),
        }


@dataclass(frozen=True)
class Offer:
    """A location's offer at ``now``: per topic id, and what comes next."""

    now: datetime
    topics: dict[int, TopicOffer]
    changes_at: datetime | None = None
    upcoming: list[Occurrence] = field(default_factory=list)

    def of(self, topic: Topic) -> TopicOffer:
        return self.topics.get(topic.id, TopicOffer(False, "inactive"))

    def json(self, topic_keys: Mapping[int, str]) -> dict[str, Any]:
        """``changes_at`` and the next sessions (when nothing is open, the kiosk shows them)."""
        return {
            "changes_at": _iso(self.changes_at),
            "next_sessions": [
                {
                    "start": _iso(o.start),
                    "end": _iso(o.end),
                    "topics": [topic_keys[t] for t in o.topic_ids if t in topic_keys],
                }
                for o in self.upcoming
            ],
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def estimated_minutes(visitors: int, counselors: int, minutes_per_visitor: float) -> int:
    """Minutes ``counselors`` need to serve ``visitors`` at ``minutes_per_visitor`` each."""
    return math.ceil(visitors * minutes_per_visitor / max(counselors, 1))


def _scheduled_topic_ids(session: Session, location: Location) -> set[int]:
    return set(
        session.scalars(
            select(consultation_topic.c.topic_id)
            .join(Rule, Rule.id == consultation_topic.c.consultation_id)
            .where(Rule.location_id == location.id)
            .distinct()
        )
    )


def _issued_in(
    session: Session, location: Location, topic_ids: Iterable[int], since: datetime, until: datetime
) -> int:
    return int(
        session.scalar(
            select(func.count(Ticket.id)).where(
                Ticket.location_id == location.id,
                Ticket.topic_id.in_(list(topic_ids)),
                Ticket.issued_at >= since,
                Ticket.issued_at < until,
            )
        )
        or 0
    )


def _waiting(session: Session, location: Location, topic_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(Ticket.id)).where(
                Ticket.location_id == location.id,
                Ticket.service_day == clock.service_day(clock.now(), location.timezone),
                Ticket.state == TicketState.WAITING,
                Ticket.topic_id == topic_id,
            )
        )
        or 0
    )


def _booked_minutes(
    session: Session, occurrence: Occurrence, now: datetime, grace_minutes: int
) -> float:
    """The minutes of ``occurrence`` after ``now`` that its booked appointments hold (one
    not checked in by its start plus the grace time holds nothing: its slot went back to
    the walk-ins; a checked-in one waits as a ticket and is counted as such)."""
    booked = session.execute(
        select(Appointment.start, Appointment.duration_minutes).where(
            Appointment.consultation_id == occurrence.consultation_id,
            Appointment.day == occurrence.day,
            Appointment.state == AppointmentState.BOOKED,
        )
    ).all()
    minutes = 0.0
    for start, duration in booked:
        if start + timedelta(minutes=grace_minutes) < now:
            continue
        end = start + timedelta(minutes=duration)
        minutes += max(0.0, (end - max(start, now)).total_seconds() / 60)
    return minutes


def location_offer(
    session: Session,
    location: Location,
    hours: Hours | None = None,
    now: datetime | None = None,
    only: Topic | None = None,
    estimates: Estimates | None = None,
) -> Offer:
    """The location's offer at ``now`` for every active topic (or ``only`` that one);
    ``estimates`` (default: the default settings) say how long a visitor takes."""
    hours = hours or Hours()
    now = now or clock.now()
    topics = [only] if only is not None else [t for t in location.topics if t.active]
    scheduled = _scheduled_topic_ids(session, location)
    result: dict[int, TopicOffer] = {}
    if not scheduled:  # no sessions at all: everything active is offered (cheap path)
        for topic in topics:
            result[topic.id] = (
                TopicOffer(topic.active) if topic.active else TopicOffer(False, "inactive")
            )
        return Offer(now, result)
    today = clock.service_day(now, location.timezone)
    ahead = [
        o
        for o in occurrences(session, location, today, today + timedelta(days=LOOK_AHEAD_DAYS))
        if hours.closes(o) > now
    ]
    changes = [m for o in ahead for m in (hours.opens(o), hours.closes(o)) if m > now]
    for topic in topics:
        if not topic.active:
            result[topic.id] = TopicOffer(False, "inactive")
        elif topic.id not in scheduled:
            result[topic.id] = TopicOffer(True)
        else:
            if estimates is None:
                from servicepoint.estimates import Estimator

                estimates = Estimator().at(session, location)
            result[topic.id] = _topic_offer(session, location, topic, ahead, hours, now, estimates)
    upcoming: list[Occurrence] = []
    for occurrence in ahead:  # the next three times, sessions at the same time once
        if occurrence.start <= now:
            continue
        if upcoming and (upcoming[-1].start, upcoming[-1].end) == (
            occurrence.start,
            occurrence.end,
        ):
            merged = tuple(dict.fromkeys(upcoming[-1].topic_ids + occurrence.topic_ids))
            upcoming[-1] = dataclasses.replace(upcoming[-1], topic_ids=merged)
        elif len(upcoming) < 3:
            upcoming.append(occurrence)
    return Offer(now, result, min(changes, default=None), upcoming)


def _topic_offer(
    session: Session,
    location: Location,
    topic: Topic,
    ahead: list[Occurrence],
    hours: Hours,
    now: datetime,
    estimates: Estimates,
) -> TopicOffer:
    mine = [o for o in ahead if topic.id in o.topic_ids]
    reason = "no_session"
    for index, occurrence in enumerate(mine):
        opens, closes = hours.opens(occurrence), hours.closes(occurrence)
        if not opens <= now < closes:
            continue
        later = next((hours.opens(o) for o in mine[index + 1 :] if hours.opens(o) >= closes), None)
        if occurrence.max_tickets is not None and (
            _issued_in(session, location, occurrence.topic_ids, opens, occurrence.end)
            >= occurrence.max_tickets
        ):
            reason = "cap_reached"
            return TopicOffer(False, reason, later, occurrence=occurrence)
        left = (occurrence.end - max(now, occurrence.start)).total_seconds() / 60
        counselors = estimates.on_duty(topic.id)
        visitors = _waiting(session, location, topic.id) + 1
        needed = visitors * estimates.minutes_per_visitor(topic.id)
        if occurrence.bookable_share > 0:  # the time booked appointments still hold is taken
            needed += _booked_minutes(session, occurrence, now, hours.grace_minutes)
        if estimated_minutes(1, counselors, needed) > left:
            return TopicOffer(False, "full", later, occurrence=occurrence)
        return TopicOffer(True, until=closes, occurrence=occurrence)
    following = next((hours.opens(o) for o in mine if hours.opens(o) > now), None)
    return TopicOffer(False, reason, following)
