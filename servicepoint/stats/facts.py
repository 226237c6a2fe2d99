"""Visit facts: one ``Visit`` row per ticket or appointment that reached its end, written in
the same transaction as the move that ended it; the nightly job adds what was left open, and
builds the daily aggregates (``VisitDay``).

**When.** A ticket that becomes ``done``, ``no_show`` or ``cancelled`` writes (or rewrites)
its fact; putting it back in the queue the same day (``requeue``) deletes it again. An
appointment without a ticket writes its fact when it is cancelled or missed; an
appointment's ticket writes the visit's one fact (``appointment_id`` set too), so a visit is
never counted twice. A ticket still open when its day is over becomes ``left``
(``record_left``). Every write is keyed by ``ticket_id`` or ``appointment_id``: idempotent.

**Waits.** From the draw to the first call; for an appointment's ticket from the later of
the appointment's start and the check-in. Service minutes from the start to the finish.
Whole minutes, rounded down.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, delete, exists, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from servicepoint import clock
from servicepoint.models import (
    Appointment,
    AppointmentChannel,
    AppointmentState,
    Location,
    Staff,
    Ticket,
    TicketChannel,
    TicketEvent,
    TicketState,
    Visit,
    VisitChannel,
    VisitDay,
    VisitOutcome,
)

_visits = cast(Table, Visit.__table__)
TICKET_OUTCOMES: dict[str, VisitOutcome] = {
    TicketState.DONE: VisitOutcome.SERVED,
    TicketState.NO_SHOW: VisitOutcome.NO_SHOW,
    TicketState.CANCELLED: VisitOutcome.CANCELLED,
}
APPOINTMENT_OUTCOMES: dict[str, VisitOutcome] = {
    AppointmentState.NO_SHOW: VisitOutcome.NO_SHOW,
    AppointmentState.CANCELLED: VisitOutcome.CANCELLED,
}
OPEN_TICKET_STATES = (TicketState.WAITING, TicketState.CALLED, TicketState.SERVING)
BOOKED_CHANNELS: dict[str, VisitChannel] = {
    AppointmentChannel.STAFF: VisitChannel.STAFF_BOOKED,
    AppointmentChannel.ONLINE: VisitChannel.ONLINE_BOOKED,
    AppointmentChannel.KIOSK: VisitChannel.KIOSK_BOOKED,
}
TICKET_CHANNELS: dict[str, VisitChannel] = {
    TicketChannel.WALK_IN: VisitChannel.WALK_IN,
    TicketChannel.CARD: VisitChannel.CARD,
    TicketChannel.LATE: VisitChannel.LATE,
}


def hour_of_week(moment: datetime, timezone: str) -> int:
    """0 (Monday, 0:00 to 0:59) to 167 (Sunday, 23:00 to 23:59), in the location's time."""
    local = clock.local(moment, timezone)
    return local.weekday() * 24 + local.hour


def _minutes(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds() // 60))


def _first_call(session: Session, ticket: Ticket) -> datetime | None:
    """When the ticket was first called (``called_at`` is the latest call)."""
    if ticket.called_at is None or ticket.call_count <= 1:
        return ticket.called_at
    first: datetime | None = session.scalar(
        select(func.min(TicketEvent.at)).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.to_state == TicketState.CALLED
        )
    )
    return first or ticket.called_at


def _organisation(session: Session, *staff_ids: int | None) -> int | None:
    for staff_id in staff_ids:
        if staff_id is not None:
            staff = session.get(Staff, staff_id)
            if staff is not None and staff.organisation_id is not None:
                return staff.organisation_id
    return None


def _ticket_values(session: Session, ticket: Ticket, outcome: VisitOutcome) -> dict[str, Any]:
    appointment = (
        session.scalars(select(Appointment).where(Appointment.ticket_id == ticket.id)).first()
        if ticket.channel in (TicketChannel.APPOINTMENT, TicketChannel.LATE)
        else None
    )
    waited_from = ticket.issued_at
    if ticket.channel == TicketChannel.APPOINTMENT and appointment is not None:
        channel = BOOKED_CHANNELS.get(appointment.channel, VisitChannel.STAFF_BOOKED)
        waited_from = max(appointment.start, ticket.issued_at)
    else:
        channel = TICKET_CHANNELS.get(ticket.channel, VisitChannel.WALK_IN)
    first_call = _first_call(session, ticket) if outcome != VisitOutcome.CANCELLED else None
    organisation_id = _organisation(session, ticket.staff_id, ticket.for_staff_id)
    if organisation_id is None and appointment is not None:
        organisation_id = appointment.organisation_id
    served = outcome == VisitOutcome.SERVED
    return {
        "ticket_id": ticket.id,
        "appointment_id": appointment.id if appointment is not None else None,
        "service_day": ticket.service_day,
        "location_id": ticket.location_id,
        "organisation_id": organisation_id,
        "topic_id": ticket.topic_id,
        "language": ticket.language,
        "channel": channel,
        "outcome": outcome,
        "arrival_hour": hour_of_week(ticket.issued_at, ticket.location.timezone),
        "wait_minutes": _minutes(waited_from, first_call),
        "service_minutes": _minutes(ticket.started_at, ticket.finished_at) if served else None,
        "recalls": max(0, ticket.call_count - 1),
        "desk_id": ticket.desk_id,
        "staff_id": ticket.staff_id,
        "card_id": ticket.card_id,
    }


def _upsert(session: Session, key: str, values: dict[str, Any]) -> None:
    """Insert the fact, or overwrite the one with the same ``key`` (one statement)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(_visits).values(**values)
    changed = {name: statement.excluded[name] for name in values if name != key}
    session.execute(statement.on_conflict_do_update(index_elements=[key], set_=changed))


def ticket_moved(session: Session, ticket: Ticket, from_state: str | None) -> None:
    """Keep the ticket's fact in step with its move: written when it ends, deleted when an
    end is undone (put back in the queue). Called by ``tickets`` for every move."""
    outcome = TICKET_OUTCOMES.get(ticket.state)
    if outcome is not None:
        _upsert(session, "ticket_id", _ticket_values(session, ticket, outcome))
    elif from_state in TICKET_OUTCOMES:
        session.execute(delete(Visit).where(Visit.ticket_id == ticket.id))


def appointment_reopened(session: Session, appointment: Appointment) -> None:
    """An ended appointment booked again (a cancellation undone): its fact goes."""
    session.execute(delete(Visit).where(Visit.appointment_id == appointment.id))


def appointment_ended(session: Session, appointment: Appointment) -> None:
    """Write the fact of an appointment that ended without a ticket (cancelled, missed)."""
    outcome = APPOINTMENT_OUTCOMES.get(appointment.state)
    if outcome is None or appointment.ticket_id is not None:
        return
    location = appointment.location
    _upsert(
        session,
        "appointment_id",
        {
            "ticket_id": None,
            "appointment_id": appointment.id,
            "service_day": appointment.day,
            "location_id": appointment.location_id,
            "organisation_id": appointment.organisation_id
            or _organisation(session, appointment.staff_id),
            "topic_id": appointment.topic_id,
            "language": appointment.language,
            "channel": BOOKED_CHANNELS.get(appointment.channel, VisitChannel.STAFF_BOOKED),
            "outcome": outcome,
            "arrival_hour": hour_of_week(appointment.start, location.timezone),
            "wait_minutes": None,
            "service_minutes": None,
            "recalls": 0,
            "desk_id": None,
            "staff_id": appointment.staff_id,
            "card_id": appointment.card_id,
        },
    )


# --- the nightly job ----------------------------------------------------------------------


def _today(location: Location) -> date:
    return clock.service_day(clock.now(), location.timezone)


def record_left(session: Session, dry_run: bool = False) -> int:
    """Write a ``left`` fact for every ticket still open after its day (waiting, called or
    being served when the day ended) that has none yet; returns how many. Idempotent."""
    written = 0
    for location in session.scalars(select(Location).order_by(Location.id)):
        today = _today(location)
        open_tickets = session.scalars(
            select(Ticket).where(
                Ticket.location_id == location.id,
                Ticket.service_day < today,
                Ticket.state.in_(OPEN_TICKET_STATES),
                ~exists().where(Visit.ticket_id == Ticket.id),
            )
        ).all()
        written += len(open_tickets)
        if dry_run:
            continue
        for ticket in open_tickets:
            values = _ticket_values(session, ticket, VisitOutcome.LEFT)
            values["service_minutes"] = None
            _upsert(session, "ticket_id", values)
    return written


def _days_to_build(session: Session, since: date) -> list[tuple[int, date]]:
    """The (location, day) pairs whose aggregates are (re)built: every day with facts since
    ``since`` up to yesterday, and any earlier day whose aggregates do not count all its
    facts (none yet, or a fact written late)."""
    pairs: set[tuple[int, date]] = set()
    for location in session.scalars(select(Location)):
        today = _today(location)
        recent = select(Visit.service_day).where(
            Visit.location_id == location.id,
            Visit.service_day >= since,
            Visit.service_day < today,
        )
        counted_visits = (
            select(func.coalesce(func.sum(VisitDay.visits), 0))
            .where(
                VisitDay.location_id == Visit.location_id,
                VisitDay.service_day == Visit.service_day,
            )
            .scalar_subquery()
        )
        # Older days whose aggregates miss a fact (none yet, or one written late).
        missing = (
            select(Visit.service_day)
            .where(Visit.location_id == location.id, Visit.service_day < today)
            .group_by(Visit.location_id, Visit.service_day)
            .having(func.count() != counted_visits)
        )
        for day in session.scalars(recent.union(missing)):
            pairs.add((location.id, day))
    return sorted(pairs)


def aggregate_days(session: Session, rebuild_days: int = 7, dry_run: bool = False) -> int:
    """(Re)build the daily aggregates from the facts of every finished day: the last
    ``rebuild_days`` days again (a late correction of a fact is counted) and any older day
    whose aggregates miss a fact. Days whose facts are gone keep their aggregates. Returns how many
    location-days were built. Idempotent."""
    since = clock.now().date() - timedelta(days=rebuild_days)
    pairs = _days_to_build(session, since)
    if dry_run:
        return len(pairs)
    for location_id, day in pairs:
        session.execute(
            delete(VisitDay).where(VisitDay.location_id == location_id, VisitDay.service_day == day)
        )
        grouped = (
            select(
                Visit.service_day,
                Visit.location_id,
                func.coalesce(Visit.organisation_id, 0),
                func.coalesce(Visit.topic_id, 0),
                Visit.language,
                Visit.channel,
                Visit.outcome,
                func.count(),
                func.count(Visit.wait_minutes),
                func.coalesce(func.sum(Visit.wait_minutes), 0),
                func.count(Visit.service_minutes),
                func.coalesce(func.sum(Visit.service_minutes), 0),
                func.coalesce(func.sum(Visit.recalls), 0),
            )
            .where(Visit.location_id == location_id, Visit.service_day == day)
            .group_by(
                Visit.service_day,
                Visit.location_id,
                Visit.organisation_id,
                Visit.topic_id,
                Visit.language,
                Visit.channel,
                Visit.outcome,
            )
        )
        session.execute(
            insert(VisitDay).from_select(
                [
                    "service_day",
                    "location_id",
                    "organisation_id",
                    "topic_id",
                    "language",
                    "channel",
                    "outcome",
                    "visits",
                    "waits",
                    "wait_minutes",
                    "services",
                    "service_minutes",
                    "recalls",
                ],
                grouped,
            )
        )
    session.flush()
    return len(pairs)


def counted(session: Session, location_id: int, day: date) -> bool:
    """Whether the aggregates of the location's day exist."""
    return (
        session.scalar(
            select(exists().where(VisitDay.location_id == location_id, VisitDay.service_day == day))
        )
        is True
    )
