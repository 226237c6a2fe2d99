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
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session, selectinload

from servicepoint import clock, schedule, tickets
from servicepoint.errors import Conflict, InvalidInput, NotFound
from servicepoint.events import LocationEvent, record
from servicepoint.models import (
    Appointment,
    AppointmentChannel,
    AppointmentContact,
    AppointmentHold,
    AppointmentState,
    ClientCard,
    Consultation,
    Location,
    Membership,
    Staff,
    Ticket,
    Topic,
)
from servicepoint.stats import facts
from servicepoint.text import shown
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


@dataclass(frozen=True)
class AppointmentChanged(LocationEvent):
    """An appointment was booked, moved, cancelled, checked in (``checked_in`` or ``late``)
    or missed (``no_show``): staff views of the location update their day lists, and its
    counselor hears at once when their visitor has arrived."""

    appointment_id: int
    kind: str


def _changed(session: Session, appointment: Appointment, kind: str) -> None:
    record(
        session,
        AppointmentChanged(appointment.location_id, appointment.id, kind),
        keep=appointment,
    )


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


def counselors(session: Session, location: Location, topic: Topic | None = None) -> list[Staff]:
    """The active members of ``location`` (any role there) who serve ``topic`` there (every
    member when None), by name: whom a follow-up may be booked with."""
    members = session.scalars(
        select(Staff)
        .join(Membership, Membership.staff_id == Staff.id)
        .where(Membership.location_id == location.id, Staff.active)
        .options(selectinload(Staff.memberships).selectinload(Membership.topics))
        .order_by(Staff.display_name, Staff.id)
    ).all()
    if topic is None:
        return list(members)
    return [m for m in members if topic.id in served_topic_ids(location, m)]


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
    card: ClientCard | None = None,
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
        card_id=card.id if card is not None else None,
    )
    if card is not None:
        card.last_used_at = clock.now()
    session.add(appointment)
    session.flush()
    _changed(session, appointment, "booked")
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
    _changed(session, appointment, "moved")
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
    facts.appointment_ended(session, appointment)
    _changed(session, appointment, "cancelled")
    return appointment


class AppointmentNotCancelled(Conflict):
    """Only a cancelled appointment can be booked again (``restore``)."""

    code = "appointment_not_cancelled"


def restore(session: Session, appointment: Appointment, lead_minutes: int = 5) -> Appointment:
    """Undo a cancellation made by mistake: the appointment is booked again at its time, with
    its code, checked like a new booking (the time still ahead, its slot still free, the
    counselor still holding it); refused, changing nothing, otherwise. An online booking's
    contact went with the cancellation: no reminder is sent for it any more."""
    if appointment.state != AppointmentState.CANCELLED:
        raise AppointmentNotCancelled("appointment_not_cancelled", code=appointment.code)
    slot = _choose_slot(
        session,
        appointment.location,
        appointment.topic,
        appointment.start,
        appointment.staff,
        lead_minutes,
        ignore=appointment,
    )
    appointment.state = AppointmentState.BOOKED
    appointment.consultation_id = slot.consultation_id
    session.flush()
    facts.appointment_reopened(session, appointment)
    _changed(session, appointment, "restored")
    return appointment


# --- check-in, late and absent -----------------------------------------------------------
# Only a booked appointment checks in; one at the centre already answers with its ticket.
AT_THE_CENTRE = (AppointmentState.CHECKED_IN, AppointmentState.CALLED, AppointmentState.SERVING)


class NoAppointment(NotFound):
    """No appointment has this code (at this place, near today) or link."""

    code = "no_appointment_code"


class BadAppointmentCode(InvalidInput):
    """What was typed cannot be an appointment's code."""

    code = "bad_appointment_code"


class AppointmentElsewhere(Conflict):
    """The code or link is of an appointment at another location."""

    code = "appointment_elsewhere"


class AppointmentOtherDay(Conflict):
    """The appointment is on another day."""

    code = "appointment_other_day"


class AppointmentTooEarly(Conflict):
    """Check-in opens ``early_minutes`` before the start."""

    code = "appointment_too_early"


class AppointmentOver(Conflict):
    """The appointment was cancelled, served, or missed (its session is over)."""

    code = "appointment_over"


@dataclass(frozen=True)
class CheckInRules:
    """When an appointment checks in (settings ``APPOINTMENT_CHECKIN_EARLY_MINUTES``,
    ``APPOINTMENT_GRACE_MINUTES``) and the letter of the appointment series
    (``APPOINTMENT_PREFIX``)."""

    early_minutes: int = 30
    grace_minutes: int = 10
    prefix: str = "T"

    @classmethod
    def from_settings(cls, config: Mapping[str, object]) -> CheckInRules:
        prefix = str(config.get("APPOINTMENT_PREFIX", "T") or "T").strip()[:1].upper() or "T"
        return cls(
            early_minutes=int(str(config.get("APPOINTMENT_CHECKIN_EARLY_MINUTES", 30))),
            grace_minutes=int(str(config.get("APPOINTMENT_GRACE_MINUTES", 10))),
            prefix=prefix,
        )


@dataclass(frozen=True)
class CheckedIn:
    """A check-in's ticket; ``late``: issued after the grace time, as a walk-in meant for the
    counselor; ``repeated``: the appointment had checked in before (same ticket)."""

    appointment: Appointment
    ticket: Ticket
    late: bool
    repeated: bool = False


def _when(appointment: Appointment) -> tuple[str, str]:
    """The appointment's date and time as the location's clock shows them."""
    local = clock.local(appointment.start, appointment.location.timezone)
    return local.strftime("%d.%m.%Y"), local.strftime("%H:%M")


def find_for_check_in(
    session: Session, location: Location, code: str | None = None, token: str | None = None
) -> Appointment:
    """The appointment a visitor shows at ``location``'s kiosk: by the slip's link
    (``token``) or its 6-digit ``code`` (today's at this location first). A code of another
    day or place is named as such (``appointment_other_day`` with its date and time,
    ``appointment_elsewhere`` with the location); an unknown one is NotFound."""
    if token is not None:
        found = session.scalar(select(Appointment).where(Appointment.token == token))
        if found is None:
            raise NoAppointment("no_appointment_code", field="token")
        if found.location_id != location.id:
            raise AppointmentElsewhere(
                "appointment_elsewhere", field="token", location=found.location.name
            )
        return found
    digits = (code or "").strip().replace(" ", "")
    if len(digits) != CODE_DIGITS or not digits.isdigit():
        raise BadAppointmentCode("bad_appointment_code", field="code", digits=CODE_DIGITS)
    day = tickets.today(location)
    candidates = list(
        session.scalars(
            select(Appointment)
            .where(Appointment.code == digits, Appointment.day >= day - timedelta(days=7))
            .order_by(Appointment.day, Appointment.start)
        )
    )
    here_today = [a for a in candidates if a.location_id == location.id and a.day == day]
    if here_today:
        return here_today[0]
    here = [a for a in candidates if a.location_id == location.id]
    live_here = [a for a in here if a.state in LIVE_STATES]
    if live_here:
        upcoming = [a for a in live_here if a.day > day]
        other = upcoming[0] if upcoming else live_here[-1]
        day_shown, time_shown = _when(other)
        raise AppointmentOtherDay(
            "appointment_other_day", field="code", date=day_shown, time=time_shown
        )
    if here:  # of a recent day here, and over: missed, cancelled or served
        raise AppointmentOver(
            "appointment_over", field="code", terms={"state": f"appointment.{here[-1].state}"}
        )
    elsewhere = [a for a in candidates if a.day == day and a.state in LIVE_STATES]
    if elsewhere:
        raise AppointmentElsewhere(
            "appointment_elsewhere", field="code", location=elsewhere[0].location.name
        )
    raise NoAppointment("no_appointment_code", field="code", code=shown(digits))


def session_end(session: Session, appointment: Appointment) -> datetime:
    """When the session the appointment belongs to ends on its day (the end of the day when
    the session no longer holds it)."""
    location = appointment.location
    for occurrence in schedule.occurrences(session, location, appointment.day, appointment.day):
        if (
            occurrence.consultation_id == appointment.consultation_id
            and occurrence.start <= appointment.start < occurrence.end
        ):
            return occurrence.end
    return clock.day_end(appointment.day, location.timezone)


def check_in(
    session: Session,
    appointment: Appointment,
    location: Location,
    rules: CheckInRules | None = None,
    language: str | None = None,
    request_id: str | None = None,
) -> CheckedIn:
    """Check ``appointment`` in at ``location`` now and issue its ticket.

    From ``early_minutes`` before its start until ``grace_minutes`` after it: a ticket of
    the appointment series (``rules.prefix``, gapless per day), due at the start and meant
    for the appointment's counselor (``order``). Later, until its session ends: a walk-in
    ticket of its topic meant for that counselor first; the appointment's outcome is
    ``late``, not a no-show. Refused, changing nothing: another location, another day, too
    early, cancelled, served or missed. Checking in again answers the same ticket."""
    rules = rules or CheckInRules()
    if appointment.location_id != location.id:
        raise AppointmentElsewhere(
            "appointment_elsewhere", location=appointment.location.name, field="code"
        )
    if appointment.ticket_id is not None and (
        appointment.state in AT_THE_CENTRE or appointment.state == AppointmentState.LATE
    ):
        ticket = appointment.ticket
        assert ticket is not None
        late = appointment.state == AppointmentState.LATE
        return CheckedIn(appointment, ticket, late=late, repeated=True)
    if appointment.state != AppointmentState.BOOKED:
        raise AppointmentOver(
            "appointment_over", field="code", terms={"state": f"appointment.{appointment.state}"}
        )
    now = clock.now()
    if appointment.day != tickets.today(location):
        day_shown, time_shown = _when(appointment)
        raise AppointmentOtherDay(
            "appointment_other_day", field="code", date=day_shown, time=time_shown
        )
    opens = appointment.start - timedelta(minutes=rules.early_minutes)
    if now < opens:
        raise AppointmentTooEarly(
            "appointment_too_early",
            field="code",
            opens=clock.local(opens, location.timezone).strftime("%H:%M"),
            time=_when(appointment)[1],
        )
    if now >= session_end(session, appointment):
        raise AppointmentOver(
            "appointment_over", field="code", terms={"state": "appointment.no_show"}
        )
    late = now > appointment.start + timedelta(minutes=rules.grace_minutes)
    ticket = tickets.issue_for_appointment(
        session,
        location,
        appointment.topic,
        language or appointment.language,
        staff_id=appointment.staff_id,
        due_at=None if late else appointment.start,
        prefix=rules.prefix,
        request_id=request_id,
    )
    appointment.ticket = ticket
    appointment.state = AppointmentState.LATE if late else AppointmentState.CHECKED_IN
    session.flush()
    _changed(session, appointment, "late" if late else "checked_in")
    return CheckedIn(appointment, ticket, late=late)


def overdue(appointment: Appointment, now: datetime, grace_minutes: int) -> bool:
    """A booked appointment nobody checked in by its start plus the grace time: its slot
    has gone back to the walk-ins, its counselor's view marks it."""
    return appointment.state == AppointmentState.BOOKED and now > appointment.start + timedelta(
        minutes=grace_minutes
    )


def close_missed(session: Session, now: datetime | None = None, dry_run: bool = False) -> int:
    """Mark ``no_show`` every booked appointment whose session has ended without it
    checking in (listed for its counselor to book again); returns how many (with
    ``dry_run`` only counts them). Idempotent."""
    now = now or clock.now()
    booked = session.scalars(
        select(Appointment)
        .where(Appointment.state == AppointmentState.BOOKED, Appointment.start < now)
        .options(selectinload(Appointment.location))
    ).all()
    missed = 0
    for appointment in booked:
        if session_end(session, appointment) <= now:
            missed += 1
            if not dry_run:
                appointment.state = AppointmentState.NO_SHOW
                facts.appointment_ended(session, appointment)
                _changed(session, appointment, "no_show")
    session.flush()
    return missed


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


def appointment_json(appointment: Appointment, grace_minutes: int = 10) -> dict[str, Any]:
    """An appointment as staff see it (times in the location's zone, with offset);
    ``overdue``: booked and not checked in by its start plus ``grace_minutes``."""
    timezone = appointment.location.timezone
    return {
        "overdue": overdue(appointment, clock.now(), grace_minutes),
        "ticket": (
            {"id": appointment.ticket.id, "code": appointment.ticket.code}
            if appointment.ticket is not None
            else None
        ),
        "card": appointment.card_id is not None,
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
