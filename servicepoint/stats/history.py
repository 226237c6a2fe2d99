"""Plausible past visits for the demo (``servicepoint demo --history DAYS``).

Written straight as visit facts, not as faked tickets: the statistics read only facts and
aggregates, and a quarter of tickets would be deleted by the retention job anyway. Every
location's open weekdays (no weekends, no public holidays) get visits with a rhythm of their
own: mornings busier than afternoons, Mondays and Tuesdays busier than Fridays, the languages
and topics of a German integration centre, bookings by staff, online and at the kiosk, late
arrivals, no-shows and people who left. Seeded: the same call writes the same history.
Days that already have facts are skipped, so running it twice adds nothing.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, selectinload

from servicepoint import clock, schedule
from servicepoint.models import Location, Membership, Role, Staff, Visit
from servicepoint.stats import facts

LANGUAGES = {
    "ar": 24,
    "uk": 20,
    "fa": 12,
    "de": 10,
    "ru": 8,
    "tr": 7,
    "prs": 4,
    "ti": 3,
    "en": 4,
    "ro": 3,
    "bg": 2,
    "pl": 1,
    "fr": 1,
    "ps": 1,
}
CHANNELS = {
    "walk_in": 58,
    "card": 14,
    "staff_booked": 13,
    "online_booked": 7,
    "kiosk_booked": 3,
    "late": 5,
}
# Per hour of the day: how many of a day's visitors arrive then.
HOURS = {8: 4, 9: 16, 10: 18, 11: 14, 12: 7, 13: 9, 14: 14, 15: 10, 16: 5, 17: 3}
WEEKDAYS = (1.25, 1.15, 1.0, 1.05, 0.7)  # Monday to Friday


def _pick(rng: random.Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _outcome(rng: random.Random, channel: str) -> str:
    booked = channel.endswith("_booked")
    roll = rng.random()
    if roll < (0.09 if booked else 0.04):
        return "no_show"
    if roll < (0.15 if booked else 0.07):
        return "cancelled"
    if not booked and roll < 0.12:
        return "left"
    return "served"


def write(session: Session, days: int, seed: int = 10) -> int:
    """Write about ``days`` days (up to yesterday) of visits for every location that has
    none on those days; returns how many facts. Builds their daily aggregates too."""
    rng = random.Random(seed)
    written = 0
    locations = session.scalars(
        select(Location).order_by(Location.id).options(selectinload(Location.topics))
    ).all()
    for number, location in enumerate(locations):
        staff = list(
            session.scalars(
                select(Staff)
                .join(Membership, Membership.staff_id == Staff.id)
                .where(
                    Membership.location_id == location.id,
                    Membership.role == Role.COUNSELOR,
                )
                .order_by(Staff.id)
            )
        )
        topics = [t for t in location.topics if t.active] or list(location.topics)
        if not topics:
            continue
        topic_weights = {t.id: max(1, 8 - 2 * i) for i, t in enumerate(topics)}
        desks: list[int | None] = [d.id for d in location.desks] or [None]
        known = set(
            session.scalars(
                select(Visit.service_day).where(Visit.location_id == location.id).distinct()
            )
        )
        today = clock.service_day(clock.now(), location.timezone)
        size = (24, 14, 11, 9)[number % 4]
        cards = [1_000_000 + number * 10_000 + i for i in range(60)]
        rows: list[dict[str, Any]] = []
        for back in range(days, 0, -1):
            day = today - timedelta(days=back)
            if day.weekday() > 4 or day in known:
                continue
            if schedule.holiday_name(location, day) is not None:
                continue
            season = 1.15 if day.month in (9, 10, 11, 1) else 0.85 if day.month in (7, 8) else 1
            expected = size * WEEKDAYS[day.weekday()] * season
            for _ in range(max(0, round(rng.gauss(expected, expected / 4)))):
                rows.append(_visit(rng, location, day, topic_weights, staff, desks, cards))
        if rows:
            session.execute(insert(Visit), rows)
            written += len(rows)
    session.flush()
    facts.aggregate_days(session, rebuild_days=0)
    return written


def _visit(
    rng: random.Random,
    location: Location,
    day: date,
    topic_weights: dict[int, int],
    staff: list[Staff],
    desks: list[int | None],
    cards: list[int],
) -> dict[str, Any]:
    channel = _pick(rng, CHANNELS)
    outcome = _outcome(rng, channel)
    counselor = rng.choice(staff) if staff and outcome in ("served", "no_show") else None
    called = outcome in ("served", "no_show")
    wait = max(0, int(rng.lognormvariate(2.4, 0.6))) if called else None
    if channel.endswith("_booked") and wait is not None:
        wait = min(wait, rng.randint(0, 12))
    return {
        "service_day": day,
        "location_id": location.id,
        "organisation_id": counselor.organisation_id if counselor else None,
        "topic_id": _pick(rng, topic_weights),
        "language": _pick(rng, LANGUAGES),
        "channel": channel,
        "outcome": outcome,
        "arrival_hour": day.weekday() * 24 + _pick(rng, HOURS),
        "wait_minutes": wait,
        "service_minutes": max(5, int(rng.gauss(24, 9))) if outcome == "served" else None,
        "recalls": 1 if called and rng.random() < 0.08 else 0,
        "desk_id": rng.choice(desks) if called else None,
        "staff_id": counselor.id if counselor else None,
        "card_id": rng.choice(cards) if channel == "card" else None,
    }
