"""Retention, the counting side: what is deleted once it is counted and old enough.

- Tickets (with their events, print jobs and counters) and appointments (with their
  contacts) ``TICKET_KEEP_DAYS`` after their day, **only** when their visit fact exists and
  the aggregates of their location's day do: the job checks first and never deletes what is
  not yet counted (it stays until a later run finds it counted).
- Visit facts ``FACT_KEEP_DAYS`` after their day, only when their day's aggregates count
  every one of them (a fact written late waits for the next counting); the aggregates stay.
- Print jobs ``PRINT_JOB_KEEP_DAYS`` after they were made.

Each step deletes one batch per call (``BATCH`` rows), so the job commits batch by batch;
``pending`` counts what a run would delete (the dry run), and what stays uncounted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, func, select, update
from sqlalchemy.orm import Session, aliased

from servicepoint import clock
from servicepoint.models import (
    Appointment,
    PrintJob,
    Ticket,
    TicketCounter,
    TicketEvent,
    Visit,
    VisitDay,
)

BATCH = 1000


@dataclass(frozen=True)
class Periods:
    """How long things are kept (days), from the settings."""

    ticket_days: int = 90
    fact_days: int = 730
    print_job_days: int = 30

    @classmethod
    def from_settings(cls, config: Mapping[str, object]) -> Periods:
        def days(name: str, default: int) -> int:
            value = config.get(name, default)
            return int(value) if isinstance(value, int | str) else default

        return cls(
            ticket_days=days("TICKET_KEEP_DAYS", 90),
            fact_days=days("FACT_KEEP_DAYS", 730),
            print_job_days=days("PRINT_JOB_KEEP_DAYS", 30),
        )


def _before(days: int) -> date:
    """The first day kept: ``days`` days before today (UTC; a day's margin either side of
    any location's zone is harmless for periods of weeks)."""
    return clock.now().date() - timedelta(days=days)


def _day_counted(location_id: Any, day: Any) -> Any:
    return exists().where(VisitDay.location_id == location_id, VisitDay.service_day == day)


def _old_tickets(periods: Periods) -> Any:
    return Ticket.service_day < _before(periods.ticket_days)


def _ticket_counted() -> Any:
    return and_(
        exists().where(Visit.ticket_id == Ticket.id),
        _day_counted(Ticket.location_id, Ticket.service_day),
    )


def _old_appointments(periods: Periods) -> Any:
    return Appointment.day < _before(periods.ticket_days)


def _appointment_counted() -> Any:
    return and_(
        exists().where(Visit.appointment_id == Appointment.id),
        _day_counted(Appointment.location_id, Appointment.day),
    )


def _old_facts(periods: Periods) -> Any:
    return and_(
        Visit.service_day < _before(periods.fact_days),
        _day_counted_whole(Visit.location_id, Visit.service_day),
    )


def _day_counted_whole(location_id: Any, day: Any) -> Any:
    """A location's day whose aggregates count every one of its facts (a fact written after
    the day was counted waits for the next counting before it may go)."""
    other = aliased(Visit)
    counted = (
        select(func.coalesce(func.sum(VisitDay.visits), 0))
        .where(VisitDay.location_id == location_id, VisitDay.service_day == day)
        .scalar_subquery()
    )
    facts = (
        select(func.count(other.id))
        .where(other.location_id == location_id, other.service_day == day)
        .scalar_subquery()
    )
    return and_(_day_counted(location_id, day), counted == facts)


def _old_print_jobs(periods: Periods) -> Any:
    return PrintJob.created_at < clock.now() - timedelta(days=periods.print_job_days)


@dataclass(frozen=True)
class Counts:
    """What a run deletes (or would): tickets, appointments, facts, print jobs; and the old
    tickets and appointments kept because they are not counted yet."""

    tickets: int = 0
    appointments: int = 0
    facts: int = 0
    print_jobs: int = 0
    uncounted: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.tickets + other.tickets,
            self.appointments + other.appointments,
            self.facts + other.facts,
            self.print_jobs + other.print_jobs,
            self.uncounted + other.uncounted,
        )

    @property
    def deleted(self) -> int:
        return self.tickets + self.appointments + self.facts + self.print_jobs


def _count(session: Session, model: Any, *conditions: Any) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


def pending(session: Session, periods: Periods) -> Counts:
    """What a run would delete now, and the old tickets and appointments not yet counted."""
    return Counts(
        tickets=_count(session, Ticket, _old_tickets(periods), _ticket_counted()),
        appointments=_count(
            session, Appointment, _old_appointments(periods), _appointment_counted()
        ),
        facts=_count(session, Visit, _old_facts(periods)),
        print_jobs=_count(session, PrintJob, _old_print_jobs(periods)),
        uncounted=_count(session, Ticket, _old_tickets(periods), ~_ticket_counted())
        + _count(session, Appointment, _old_appointments(periods), ~_appointment_counted()),
    )


def delete_batch(session: Session, periods: Periods, batch: int = BATCH) -> Counts:
    """Delete one batch of each kind (appointments before their tickets); returns how many."""
    appointment_ids = list(
        session.scalars(
            select(Appointment.id)
            .where(_old_appointments(periods), _appointment_counted())
            .limit(batch)
        )
    )
    if appointment_ids:
        session.execute(delete(Appointment).where(Appointment.id.in_(appointment_ids)))
    ticket_ids = list(
        session.scalars(
            select(Ticket.id).where(_old_tickets(periods), _ticket_counted()).limit(batch)
        )
    )
    if ticket_ids:
        session.execute(
            update(Appointment).where(Appointment.ticket_id.in_(ticket_ids)).values(ticket_id=None)
        )
        session.execute(delete(TicketEvent).where(TicketEvent.ticket_id.in_(ticket_ids)))
        session.execute(delete(PrintJob).where(PrintJob.ticket_id.in_(ticket_ids)))
        session.execute(delete(Ticket).where(Ticket.id.in_(ticket_ids)))
    fact_ids = list(session.scalars(select(Visit.id).where(_old_facts(periods)).limit(batch)))
    if fact_ids:
        session.execute(delete(Visit).where(Visit.id.in_(fact_ids)))
    job_ids = list(
        session.scalars(select(PrintJob.id).where(_old_print_jobs(periods)).limit(batch))
    )
    if job_ids:
        session.execute(delete(PrintJob).where(PrintJob.id.in_(job_ids)))
    # Counters of days without tickets any more (numbering never looks back).
    session.execute(
        delete(TicketCounter).where(
            TicketCounter.service_day < _before(periods.ticket_days),
            ~exists().where(
                Ticket.location_id == TicketCounter.location_id,
                Ticket.service_day == TicketCounter.service_day,
            ),
        )
    )
    session.flush()
    return Counts(len(ticket_ids), len(appointment_ids), len(fact_ids), len(job_ids))
