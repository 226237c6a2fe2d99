"""Retention, the counting side: tickets, appointments and their events deleted after their
period only once counted, facts after theirs (aggregates stay), print jobs after theirs;
with a frozen clock, through ``servicepoint jobs run``, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select

from servicepoint import clock, tickets
from servicepoint.models import (
    Appointment,
    PrintJob,
    Ticket,
    TicketEvent,
    Visit,
    VisitDay,
)

JUNE = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # a Monday


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def run(runner, *args) -> str:
    result = runner.invoke(["jobs", "run", *args])
    assert result.exit_code == 0, result.output
    return result.output


def served(session, centre, counselor, moment):
    """A ticket drawn, called and finished at ``moment`` (its fact written)."""
    with clock.frozen(moment):
        ticket = tickets.issue_ticket(session, centre, centre.topics[0], "de").ticket
        session.add(
            PrintJob(
                kiosk_id=None,
                desk_id=centre.desks[0].id,
                ticket_id=ticket.id,
                created_at=moment,
                payload={},
            )
        )
        tickets.call_ticket(session, ticket, centre.desks[0], counselor, idle_minutes=0)
        tickets.finish(session, ticket, counselor, idle_minutes=0)
        session.commit()
    return ticket


@pytest.fixture
def counselor(factory, centre):
    return factory.staff()


def test_only_counted_tickets_are_deleted_after_their_period(session, runner, centre, counselor):
    old = served(session, centre, counselor, JUNE).id
    with clock.frozen(JUNE):
        never_ended = tickets.issue_ticket(session, centre, centre.topics[0], "de").ticket.id
        session.add(
            Appointment(
                location_id=centre.id,
                topic_id=centre.topics[0].id,
                day=JUNE.date(),
                start=JUNE,
                duration_minutes=30,
                code="123456",
                created_at=JUNE,
                state="booked",
            )
        )
        session.commit()
    recent = served(session, centre, counselor, datetime(2026, 8, 31, 8, tzinfo=UTC)).id
    september = datetime(2026, 9, 1, 1, tzinfo=UTC)  # 92 days after 1 June
    with clock.frozen(september):
        # The facts of the old ticket exist, its day's aggregates not yet: it stays. Only the
        # old print job goes.
        assert run(runner, "retention", "--dry-run") == (
            "retention: 1 (dry run; 0 tickets, 0 appointments, 0 facts, 1 print jobs; "
            "3 old tickets and appointments not yet counted, kept)\n"
        )
        assert count(session, PrintJob) == 2
        assert run(runner, "retention").startswith("retention: 1 (0 tickets, 0 appointments")
        assert count(session, Ticket) == 3 and count(session, PrintJob) == 1
        # Counted: the one never ended is counted as left; the booked appointment is not
        # counted until it is closed as missed.
        run(runner, "visits")
        assert run(runner, "retention", "--dry-run").startswith(
            "retention: 2 (dry run; 2 tickets, 0 appointments, 0 facts, 0 print jobs; 1 old"
        )
        assert count(session, Ticket) == 3
        run(runner, "no-shows", "visits", "retention")
    assert session.scalars(select(Ticket.id)).all() == [recent]
    assert count(session, Appointment) == 0
    events = select(func.count()).select_from(TicketEvent)
    assert session.scalar(events.where(TicketEvent.ticket_id.in_([old, never_ended]))) == 0
    assert session.scalar(events) > 0  # the recent ticket's
    # The facts stay, and the aggregates count every one of them.
    assert count(session, Visit) == 4
    assert session.scalar(select(func.sum(VisitDay.visits))) == 4


def test_facts_go_after_two_years_and_their_aggregates_stay(session, runner, centre, counselor):
    served(session, centre, counselor, datetime(2024, 3, 4, 9, tzinfo=UTC))
    served(session, centre, counselor, datetime(2024, 9, 2, 9, tzinfo=UTC))
    with clock.frozen(datetime(2026, 6, 1, 1, tzinfo=UTC)):
        run(runner, "visits", "retention")
    days = session.scalars(select(Visit.service_day)).all()
    assert days == [date(2024, 9, 2)]
    assert sorted(session.scalars(select(VisitDay.service_day))) == [
        date(2024, 3, 4),
        date(2024, 9, 2),
    ]
    assert count(session, Ticket) == 0


def test_facts_without_aggregates_are_never_deleted(session, runner, centre):
    session.add(
        Visit(
            service_day=date(2023, 1, 2),
            location_id=centre.id,
            language="de",
            channel="walk_in",
            outcome="served",
            arrival_hour=9,
        )
    )
    session.commit()
    with clock.frozen(datetime(2026, 6, 1, 1, tzinfo=UTC)):
        assert "retention: 0" in run(runner, "retention")
    assert count(session, Visit) == 1


def test_a_fact_its_days_aggregates_miss_waits_for_the_next_counting(
    session, runner, centre, counselor
):
    served(session, centre, counselor, datetime(2024, 3, 4, 9, tzinfo=UTC))
    with clock.frozen(datetime(2026, 6, 1, 1, tzinfo=UTC)):
        run(runner, "visits")
    late = Visit(  # written after its day was counted (a correction, a stale ticket closed)
        service_day=date(2024, 3, 4),
        location_id=centre.id,
        language="de",
        channel="walk_in",
        outcome="left",
        arrival_hour=10,
    )
    session.add(late)
    session.commit()
    with clock.frozen(datetime(2026, 6, 1, 1, tzinfo=UTC)):
        assert "0 facts" in run(runner, "retention", "--dry-run")
        run(runner, "retention")
        assert count(session, Visit) == 2  # the day's aggregates miss one: none of it goes
        run(runner, "visits", "retention")
    assert count(session, Visit) == 0
    assert session.scalar(select(func.sum(VisitDay.visits))) == 2  # both counted, kept


def test_print_jobs_go_after_thirty_days(session, runner, centre):
    for day in (1, 20):
        session.add(
            PrintJob(
                desk_id=centre.desks[0].id,
                created_at=datetime(2026, 5, day, 9, tzinfo=UTC),
                payload={},
            )
        )
    session.commit()
    with clock.frozen(datetime.combine(date(2026, 6, 10), time(1), tzinfo=UTC)):
        assert "retention: 1" in run(runner, "retention")
    assert count(session, PrintJob) == 1
