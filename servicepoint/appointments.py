"""Appointments: free slots computed from the consultation sessions, and the staff's verbs
to book, move and cancel (check-in, the calling order, client cards and online booking
build on these).

**Slots.** For a location, a topic and a day, every occurrence of that day
(``schedule.occurrences``) whose topics include the topic and whose rule has a
``bookable_share`` above 0 is cut into slots of its rule's ``slot_minutes``, from its start;
a remainder shorter than a slot is not offered. Free slots are computed on every request,
never stored.

**Capacity.** A session's counselor-time is ``n`` counselors (the rule's staff, at least 1)
times its length. ``bookable_share`` percent of it may be booked, the rest stays for
walk-ins. Slot ``i`` (counted from 0) of an occurrence offers

    capacity(i) = floor((i + 1) · n · share / 100) - floor(i · n · share / 100)

parallel appointments: ``n · share / 100`` per slot on average, spread evenly when that is
not a whole number (one counselor, 50 %: every second slot takes one appointment; three
counselors, 50 %: 1, 2, 1, 2, …). Up to any slot, never more than the share of the
counselor-time so far is bookable, and never more than ``n`` at once. A slot's free count is
its capacity minus the live appointments (``booked``, ``checked_in``, ``called``,
``serving``) and the unexpired holds of the online booking page (``servicepoint.booking``)
of the same rule that overlap it; an appointment booked under an earlier slot length counts
in every slot it overlaps.

**Time.** A slot that starts before now plus ``lead_minutes`` (``APPOINTMENT_LEAD_MINUTES``)
is not offered. **Counselors.** An appointment with a counselor needs a member of the
location serving the topic (``tickets.served_topic_ids``), a member of the rule's staff when
the rule names staff, and the counselor free: no live appointment of theirs overlaps (in any
session). Without a counselor, the appointment is with the session's organisation.

**The last slot.** Every verb that counts takes a lock on the location's day before it
reads: on PostgreSQL a transaction-scoped advisory lock (``pg_advisory_xact_lock``, released
at the commit or rollback), on SQLite the writer lock every unit of work already holds
(``db.py``: ``BEGIN IMMEDIATE``). Two bookings of the last slot are serialised; the second
counts the first and is refused (409 ``slot_taken``).

**Codes.** Six digits, random, unique per location and service day (a unique constraint;
a code already used that day is drawn again). The status link's ``token`` has 128 bits like a
ticket's. No name is stored; the optional contact for reminders belongs to online booking.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session, selectinload

from servicepoint import clock, schedule
from servicepoint.errors import Conflict, InvalidInput, NotFound
from servicepoint.models import (
    Appointment,
    AppointmentChannel,
    AppointmentContact,
    AppointmentHold,
    AppointmentState,
    Consultation,
    Location,
    Staff,
    Topic,
)
from servicepoint.tickets import served_topic_ids

# States in which an appointment takes its slot (and its counselor's time).
LIVE_STATES = (
    AppointmentState.BOOKED,
    AppointmentState.CHECKED_IN,
    AppointmentState.CALLED,
    AppointmentState.SERVING,
)
CODE_DIGITS = 6
CODE_TRIES = 50
# Distinguishes this module's advisory locks from any other use of them (PostgreSQL).
_LOCK_NAMESPACE = 0x41


class SlotTaken(Conflict):
    """Nothing is free at that time any more (another booking took the last place)."""

    code = "slot_taken"


class CounselorBusy(Conflict):
    """The counselor has another appointment at that time."""

    code = "counselor_busy"


class AppointmentNotBooked(Conflict):
    """The appointment is no longer only booked (checked in, over or cancelled)."""

    code = "appointment_not_booked"


@dataclass(frozen=True)
class Slot:
    """One bookable time of one session: its rule, start and end (aware, the location's
    zone), how many appointments it takes at once, how many it has, and how many more
    (``free``; for one counselor at most 1, and 0 while they are busy)."""

    consultation_id: int
    start: datetime
    end: datetime
    capacity: int
    taken: int
    free: int


def slot_capacities(counselors: int, share: int, count: int) -> list[int]:
    """The parallel appointments of each of ``count`` slots of a session held by
    ``counselors`` of whom ``share`` percent of the time may be booked (the module's rule)."""
    units = max(1, counselors) * max(0, min(100, share))
    return [(i + 1) * units // 100 - i * units // 100 for i in range(count)]


def lock_day(session: Session, location_id: int, day: date) -> None:
    """Serialise the counting bookings of one location and day (the module's rule)."""
    if session.get_bind().dialect.name == "postgresql":
        key = (_LOCK_NAMESPACE << 56) | (location_id << 24) | (day.toordinal() & 0xFFFFFF)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _overlaps(appointment: Appointment | AppointmentHold, start: datetime, end: datetime) -> bool:
    return appointment.start < end and appointment.end > start


def _live(session: Session, location: Location, day: date) -> list[Appointment]:
    return list(
        session.scalars(
            select(Appointment).where(
                Appointment.location_id == location.id,
                Appointment.day == day,
                Appointment.state.in_(LIVE_STATES),
            )
        )
    )


def _holds(session: Session, location: Location, day: date) -> list[AppointmentHold]:
    """The day's holds of the online booking page that have not expired: each takes a
    place like a live appointment (``servicepoint.booking``)."""
    return list(
        session.scalars(
            select(AppointmentHold).where(
                AppointmentHold.location_id == location.id,
                AppointmentHold.day == day,
                AppointmentHold.expires_at > clock.now(),
            )
        )
    )


def _rules(session: Session, ids: set[int]) -> dict[int, Consultation]:
    if not ids:
        return {}
    return {
        rule.id: rule
        for rule in session.scalars(
            select(Consultation)
            .where(Consultation.id.in_(ids))
            .options(selectinload(Consultation.staff))
        )
    }


def _may_hold(rule: Consultation, staff: Staff | None) -> bool:
    return staff is None or not rule.staff or any(s.id == staff.id for s in rule.staff)


def all_slots(
    session: Session,
    location: Location,
    topic: Topic,
    day: date,
    staff: Staff | None = None,
    *,
    ignore: Appointment | None = None,
) -> list[Slot]:
    """Every slot of ``day`` for ``topic`` (past ones and full ones too), by start: with
    ``staff``, only those of sessions they may hold and ``free`` counting their own time;
    ``ignore`` is an appointment being moved (its own place counts as free)."""
    held = [o for o in schedule.occurrences(session, location, day, day) if topic.id in o.topic_ids]
    rules = _rules(session, {o.consultation_id for o in held})
    live = [a for a in _live(session, location, day) if ignore is None or a.id != ignore.id]
    holds = _holds(session, location, day) if held else []
    slots: list[Slot] = []
    for occurrence in held:
        rule = rules[occurrence.consultation_id]
        if rule.bookable_share <= 0 or not _may_hold(rule, staff):
            continue
        length = timedelta(minutes=max(1, rule.slot_minutes))
        count = int((occurrence.end - occurrence.start) / length)
        capacities = slot_capacities(len(rule.staff), rule.bookable_share, count)
        for index, capacity in enumerate(capacities):
            start = occurrence.start + index * length
            end = start + length
            taken = sum(
                1 for a in live if a.consultation_id == rule.id and _overlaps(a, start, end)
            ) + sum(1 for h in holds if h.consultation_id == rule.id and _overlaps(h, start, end))
            free = max(0, capacity - taken)
            if staff is not None:
                busy = any(a.staff_id == staff.id and _overlaps(a, start, end) for a in live)
                free = 0 if busy else min(free, 1)
            slots.append(Slot(rule.id, start, end, capacity, taken, free))
    slots.sort(key=lambda slot: (slot.start, slot.consultation_id))
    return slots


def earliest_start(lead_minutes: int) -> datetime:
    """The first moment a slot may start to be offered now."""
    return clock.now() + timedelta(minutes=max(0, lead_minutes))


def free_slots(
    session: Session,
    location: Location,
    topic: Topic,
    day: date,
    staff: Staff | None = None,
    lead_minutes: int = 5,
) -> list[Slot]:
    """The slots of ``day`` that can be booked now for ``topic`` (with ``staff``: with that
    counselor), by start: not before now plus ``lead_minutes``, with a place free."""
    earliest = earliest_start(lead_minutes)
    return [
        slot
        for slot in all_slots(session, location, topic, day, staff)
        if slot.free > 0 and slot.start >= earliest
    ]


# --- verbs ----------------------------------------------------------------------------


def check_counselor(location: Location, topic: Topic, staff: Staff) -> None:
    """Refuse (``staff_id``) a counselor who is inactive, no member of the location or does
    not serve ``topic`` there."""
    if (
        not staff.active
        or staff.membership(location.id) is None
        or topic.id not in served_topic_ids(location, staff)
    ):
        raise InvalidInput(
            "appointment_counselor",
            field="staff_id",
            name=staff.display_name,
            topic=topic.name("de"),
            location=location.name,
        )


def _choose_slot(
    session: Session,
    location: Location,
    topic: Topic,
    start: datetime,
    staff: Staff | None,
    lead_minutes: int,
    ignore: Appointment | None = None,
) -> Slot:
    """The slot at ``start`` that can take one more appointment, or the refusal that says
    why none can (checked after the day's lock is taken)."""
    if topic.location_id != location.id:
        raise InvalidInput("appointment_topic_elsewhere", field="topic", location=location.name)
    if staff is not None:
        check_counselor(location, topic, staff)
    if start < earliest_start(lead_minutes):
        raise InvalidInput("appointment_past", field="start")
    day = clock.service_day(start, location.timezone)
    lock_day(session, location.id, day)
    # A slot of capacity 0 is kept for walk-ins: not bookable at all.
    anyone = [
        s
        for s in all_slots(session, location, topic, day, ignore=ignore)
        if s.start == start and s.capacity > 0
    ]
    if not anyone:
        raise InvalidInput(
            "appointment_no_slot",
            field="start",
            time=clock.local(start, location.timezone).strftime("%d.%m.%Y %H:%M"),
        )
    if staff is None:
        found = [s for s in anyone if s.free > 0]
        if not found:
            raise SlotTaken("slot_taken", field="start")
        return found[0]
    theirs = [
        s
        for s in all_slots(session, location, topic, day, staff, ignore=ignore)
        if s.start == start and s.capacity > 0
    ]
    if not theirs:
        raise InvalidInput("appointment_not_in_session", field="staff_id", name=staff.display_name)
    if any(s.free > 0 for s in theirs):
        return next(s for s in theirs if s.free > 0)
    # Distinguish a full slot from a busy counselor: the former names the time, the latter them.
    if any(s.free > 0 for s in anyone if s.consultation_id in {t.consultation_id for t in theirs}):
        raise CounselorBusy("counselor_busy", field="staff_id", name=staff.display_name)
    raise SlotTaken("slot_taken", field="start")


def _new_code(session: Session, location_id: int, day: date) -> str:
    """A random code of ``CODE_DIGITS`` digits no appointment of that location and day has
    (drawn again on a collision; the unique constraint backs it)."""
    taken = set(
        session.scalars(
            select(Appointment.code).where(
                Appointment.location_id == location_id, Appointment.day == day
            )
        )
    )
    for _ in range(CODE_TRIES):
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        if code not in taken:
            return code
    raise Conflict("appointment_codes_exhausted")  # a million codes a day: never in practice


def book(
    session: Session,
    location: Location,
    topic: Topic,
    start: datetime,
    staff: Staff | None = None,
    language: str = "de",
    channel: str = AppointmentChannel.STAFF,
    booked_by: Staff | None = None,
    lead_minutes: int = 5,
) -> Appointment:
    """Book ``topic`` at ``location`` at ``start`` (a slot's start), with ``staff`` or with
    the session's organisation; refused, naming the field, when the slot is not free, not in
    a bookable session, in the past, or the counselor may not or cannot take it."""
    if start.tzinfo is None:
        raise InvalidInput("bad_start", field="start", value=start.isoformat())
    if channel not in tuple(AppointmentChannel):
        raise InvalidInput("bad_channel", field="channel")
    slot = _choose_slot(session, location, topic, start, staff, lead_minutes)
    day = clock.service_day(start, location.timezone)
    rule = session.get(Consultation, slot.consultation_id)
    assert rule is not None
    organisation_id = rule.organisation_id
    if organisation_id is None and staff is not None:
        organisation_id = staff.organisation_id
    appointment = Appointment(
        location_id=location.id,
        topic_id=topic.id,
        consultation_id=rule.id,
        staff_id=staff.id if staff is not None else None,
        organisation_id=organisation_id,
        day=day,
        start=slot.start,
        duration_minutes=int((slot.end - slot.start).total_seconds() // 60),
        language=language,
        channel=channel,
        state=AppointmentState.BOOKED,
        code=_new_code(session, location.id, day),
        created_at=clock.now(),
        created_by_id=booked_by.id if booked_by is not None else None,
    )
    session.add(appointment)
    session.flush()
    return appointment


def _check_booked(appointment: Appointment) -> None:
    if appointment.state != AppointmentState.BOOKED:
        raise AppointmentNotBooked("appointment_not_booked", code=appointment.code)


def move(
    session: Session, appointment: Appointment, start: datetime, lead_minutes: int = 5
) -> Appointment:
    """Move a booked appointment to ``start`` (same topic and counselor), checked like a new
    booking with its own place counted free; a new day gets a new code."""
    _check_booked(appointment)
    if start.tzinfo is None:
        raise InvalidInput("bad_start", field="start", value=start.isoformat())
    location, topic = appointment.location, appointment.topic
    slot = _choose_slot(
        session, location, topic, start, appointment.staff, lead_minutes, ignore=appointment
    )
    day = clock.service_day(start, location.timezone)
    if day != appointment.day:
        appointment.code = _new_code(session, location.id, day)
        appointment.day = day
    appointment.start = slot.start
    appointment.duration_minutes = int((slot.end - slot.start).total_seconds() // 60)
    appointment.consultation_id = slot.consultation_id
    session.flush()
    return appointment


def cancel(session: Session, appointment: Appointment) -> Appointment:
    """Cancel a booked appointment: its slot is free again; the row is kept (``cancelled``),
    its contact for reminders (online booking) is deleted."""
    _check_booked(appointment)
    appointment.state = AppointmentState.CANCELLED
    session.execute(
        delete(AppointmentContact).where(AppointmentContact.appointment_id == appointment.id)
    )
    session.flush()
    return appointment


# --- reading ----------------------------------------------------------------------------


def get_appointment(session: Session, appointment_id: int) -> Appointment:
    """The appointment with this id, or NotFound."""
    appointment = session.get(Appointment, appointment_id) if 0 < appointment_id < 2**31 else None
    if appointment is None:
        raise NotFound("no_appointment", id=appointment_id)
    return appointment


def day_list(session: Session, location: Location, day: date) -> list[Appointment]:
    """The location's appointments of ``day`` (every state), by start."""
    return list(
        session.scalars(
            select(Appointment)
            .where(Appointment.location_id == location.id, Appointment.day == day)
            .options(selectinload(Appointment.topic), selectinload(Appointment.staff))
            .order_by(Appointment.start, Appointment.id)
        )
    )


def slot_json(slot: Slot, timezone: str) -> dict[str, Any]:
    return {
        "start": clock.local(slot.start, timezone).isoformat(),
        "end": clock.local(slot.end, timezone).isoformat(),
        "free": slot.free,
        "session": slot.consultation_id,
    }


def appointment_json(appointment: Appointment) -> dict[str, Any]:
    """An appointment as staff see it (times in the location's zone, with offset)."""
    timezone = appointment.location.timezone
    return {
        "id": appointment.id,
        "code": appointment.code,
        "token": appointment.token,
        "date": appointment.day.isoformat(),
        "start": clock.local(appointment.start, timezone).isoformat(),
        "end": clock.local(appointment.end, timezone).isoformat(),
        "duration_minutes": appointment.duration_minutes,
        "state": appointment.state,
        "topic": appointment.topic.key,
        "staff": (
            {"id": appointment.staff.id, "display_name": appointment.staff.display_name}
            if appointment.staff is not None
            else None
        ),
        "organisation": appointment.organisation_id,
        "session": appointment.consultation_id,
        "language": appointment.language,
        "channel": appointment.channel,
        "created_at": appointment.created_at.isoformat(),
    }
