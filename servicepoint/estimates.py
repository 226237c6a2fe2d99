"""How long a visitor will likely wait, from what really happens at the location.

Two things decide it, per topic:

- **the service time**: the median of started→finished over the topic's most recent finished
  tickets at the location (at most ``ESTIMATE_RECENT_TICKETS`` of them, of the last
  ``ESTIMATE_WITHIN_DAYS`` service days); ``DEFAULT_MINUTES_PER_VISITOR`` until at least
  ``ESTIMATE_MIN_TICKETS`` exist. A ticket finished without being started has no service
  time and is not counted.
- **the counselors on duty**: the distinct staff members sitting at an active desk of the
  location (``Desk.occupant_id``) whose membership there serves the topic
  (``tickets.served_topic_ids``, the one rule of who serves what).

The wait is ``ceil(people ahead * median / counselors on duty)`` minutes: the time the
people before the visitor take at the desks serving the topic. The visitor now at each desk
is left out: the rest of their time is unknown (half a median on average) and an estimate
that errs short keeps visitors near the waiting area. With nobody on duty there is no
estimate (``None``): the visitor is told so instead of a number.

Medians change slowly and cost a scan of recent tickets, so each process keeps a location's
medians for ``ESTIMATE_CACHE_SECONDS`` (``Estimator``, one per application); who is on duty
is read afresh for each ``Estimates`` (once per snapshot round, request or commit).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, joinedload

from servicepoint import clock
from servicepoint import desks as desk_rules
from servicepoint.models import (
    Desk,
    Location,
    Membership,
    Staff,
    Ticket,
    TicketState,
)
from servicepoint.tickets import served_topic_ids, today


@dataclass(frozen=True)
class EstimateSettings:
    """The estimate's settings (``servicepoint.config``)."""

    default_minutes: float = 10
    recent: int = 50
    within_days: int = 28
    minimum: int = 5
    cache_seconds: float = 60
    # An occupant without a call or move at their desk for this long is not on duty
    # (DESK_IDLE_MINUTES, the desks' own idle rule; 0: never idle).
    idle_minutes: int = 30

    @classmethod
    def from_settings(cls, config: Mapping[str, Any]) -> EstimateSettings:
        return cls(
            default_minutes=float(config["DEFAULT_MINUTES_PER_VISITOR"]),
            recent=int(config["ESTIMATE_RECENT_TICKETS"]),
            within_days=int(config["ESTIMATE_WITHIN_DAYS"]),
            minimum=int(config["ESTIMATE_MIN_TICKETS"]),
            cache_seconds=float(config["ESTIMATE_CACHE_SECONDS"]),
            idle_minutes=int(config.get("DESK_IDLE_MINUTES", 30)),
        )


_t = Ticket.__table__.c
# Each topic's finished tickets of the location since ``:since`` (a service day), newest
# first, numbered per topic: the query keeps the ``:recent`` newest of each.
_RANKED = (
    select(
        _t.topic_id,
        _t.started_at,
        _t.finished_at,
        func.row_number()
        .over(partition_by=_t.topic_id, order_by=(_t.finished_at.desc(), _t.id.desc()))
        .label("rank"),
    )
    .where(
        _t.location_id == bindparam("location_id"),
        _t.service_day >= bindparam("since"),
        _t.state == TicketState.DONE,
        _t.started_at.is_not(None),
        _t.finished_at.is_not(None),
    )
    .subquery()
)
_RECENT_SERVICE = select(_RANKED.c.topic_id, _RANKED.c.started_at, _RANKED.c.finished_at).where(
    _RANKED.c.rank <= bindparam("recent")
)

# The location's active desks with an occupant, each with the occupant (read by the desk's
# column, not its relationship, which a session may hold from before a change) and their
# memberships and topics.
_OCCUPIED = (
    select(Desk, Staff)
    .join(Staff, Staff.id == Desk.occupant_id)
    .where(Desk.location_id == bindparam("location_id"), Desk.active, Staff.active)
    .options(joinedload(Staff.memberships).joinedload(Membership.topics))
)


def read_medians(
    session: Session, location: Location, settings: EstimateSettings
) -> dict[int, float]:
    """Each topic's median service time in minutes, for topics with at least
    ``settings.minimum`` finished tickets among the recent ones (one statement)."""
    since = today(location) - timedelta(days=settings.within_days)
    durations: dict[int, list[float]] = {}
    values = {"location_id": location.id, "since": since, "recent": settings.recent}
    for topic_id, started, finished in session.execute(_RECENT_SERVICE, values):
        minutes = (_aware(finished) - _aware(started)).total_seconds() / 60
        durations.setdefault(topic_id, []).append(max(0.0, minutes))
    return {
        topic_id: statistics.median(found)
        for topic_id, found in durations.items()
        if len(found) >= max(1, settings.minimum)
    }


def _aware(moment: datetime) -> datetime:
    # Read through a subquery, SQLite's timestamps come back as stored (UTC, naive).
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def counselors_on_duty(
    session: Session, location: Location, idle_minutes: int = 30
) -> dict[int, int]:
    """How many counselors on duty serve each topic of ``location`` now (topics nobody
    serves are left out): present at a desk by the desks' idle rule (``idle_minutes``)."""
    desks = location.__dict__.get("desks")  # already read with the location: no statement
    if desks is not None and not any(d.occupant_id is not None and d.active for d in desks):
        return {}
    rows = session.execute(_OCCUPIED, {"location_id": location.id}).unique().all()
    # Present by the desks' own rule: not gone idle, or with a ticket at the desk.
    busy = desk_rules.busy_desks(session, [desk for desk, _staff in rows], idle_minutes)
    now = clock.now()
    counts: dict[int, int] = {}
    for desk, staff in rows:
        if not desk_rules.present(desk, idle_minutes, now, desk.id in busy):
            continue
        for topic_id in served_topic_ids(location, staff):
            counts[topic_id] = counts.get(topic_id, 0) + 1
    return counts


def wait_minutes(ahead: int, median: float, on_duty: int) -> int | None:
    """``ceil(ahead * median / on_duty)`` minutes; None when nobody is on duty."""
    if on_duty <= 0:
        return None
    return math.ceil(round(ahead * median / on_duty, 6))


class Estimator:
    """The estimate's settings and each location's medians, kept briefly (one per app)."""

    def __init__(self, settings: EstimateSettings | None = None) -> None:
        self.settings = settings or EstimateSettings()
        # location id → (read at, medians)
        self._medians: dict[int, tuple[datetime, dict[int, float]]] = {}

    def medians(self, session: Session, location: Location) -> dict[int, float]:
        """The location's medians (``read_medians``), read again after ``cache_seconds``."""
        now = clock.now()
        kept = self._medians.get(location.id)
        if kept is not None:
            read_at, medians = kept
            if read_at <= now < read_at + timedelta(seconds=self.settings.cache_seconds):
                return medians
        medians = read_medians(session, location, self.settings)
        if self.settings.cache_seconds > 0:
            self._medians[location.id] = (now, medians)
        return medians

    def forget(self) -> None:
        """Read every location's medians again next time."""
        self._medians.clear()

    def at(self, session: Session, location: Location) -> Estimates:
        """The estimates of ``location`` now (nothing is read until asked)."""
        return Estimates(session, location, self)


class Estimates:
    """One location's estimates as of now; its medians and counselors on duty are each read
    once, when first needed, and shared by every ticket asked about."""

    def __init__(self, session: Session, location: Location, estimator: Estimator) -> None:
        self.session = session
        self.location = location
        self.estimator = estimator
        self._medians: dict[int, float] | None = None
        self._on_duty: dict[int, int] | None = None

    def minutes_per_visitor(self, topic_id: int) -> float:
        """The topic's median service time, or the configured default without enough data."""
        if self._medians is None:
            self._medians = self.estimator.medians(self.session, self.location)
        return self._medians.get(topic_id, self.estimator.settings.default_minutes)

    def on_duty(self, topic_id: int) -> int:
        """How many counselors on duty serve the topic now."""
        if self._on_duty is None:
            self._on_duty = counselors_on_duty(
                self.session, self.location, self.estimator.settings.idle_minutes
            )
        return self._on_duty.get(topic_id, 0)

    def wait(self, topic_id: int, ahead: int) -> int | None:
        """Minutes until a visitor of the topic with ``ahead`` people before them is likely
        called; None when nobody on duty serves the topic."""
        on_duty = self.on_duty(topic_id)
        if on_duty <= 0:
            return None
        if ahead <= 0:
            return 0  # next in line: no median needed
        return wait_minutes(ahead, self.minutes_per_visitor(topic_id), on_duty)
