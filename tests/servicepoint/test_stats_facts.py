"""Visit facts written by the queue's and the appointments' end states, in the same
transaction; the nightly ``left`` facts and daily aggregates; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import inspect, select

from servicepoint import appointments, clock, desks, tickets
from servicepoint.models import Consultation, Organisation, Visit, VisitDay
from servicepoint.stats import facts

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 12, 7)


def at(hhmm: str, day: date = MONDAY) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=BERLIN)


@pytest.fixture
def move():
    with clock.frozen(at("08:00")) as move_to:
        yield lambda hhmm, day=MONDAY: move_to(at(hhmm, day))


@pytest.fixture
def carla(session, centre, factory):
    organisation = Organisation(name="Caritas Leverkusen", short_name="Caritas")
    session.add(organisation)
    session.commit()
    staff = factory.staff("carla")
    staff.organisation = organisation
    desks.occupy(session, centre.desks[0], staff, idle_minutes=0)
    session.commit()
    return staff


def visits(session) -> list[Visit]:
    session.expire_all()
    return list(session.scalars(select(Visit).order_by(Visit.id)))


def draw(session, centre, key="general", language="ar"):
    topic = next(t for t in centre.topics if t.key == key)
    ticket = tickets.issue_ticket(session, centre, topic, language).ticket
    session.commit()
    return ticket


def test_a_served_walk_in_is_one_fact_without_anything_about_the_person(
    session, centre, carla, move
):
    move("09:00")
    ticket = draw(session, centre)
    move("09:12")
    called = tickets.call_next(session, centre.desks[0], carla, idle_minutes=0)
    move("09:14")
    tickets.recall(session, called, carla, idle_minutes=0)
    move("09:15")
    tickets.start(session, called, carla, idle_minutes=0)
    move("09:40")
    tickets.finish(session, called, carla, idle_minutes=0)
    session.commit()
    [visit] = visits(session)
    assert visit.ticket_id == ticket.id
    assert (visit.outcome, visit.channel, visit.language) == ("served", "walk_in", "ar")
    assert (visit.wait_minutes, visit.service_minutes, visit.recalls) == (12, 25, 1)
    assert visit.arrival_hour == 9  # Monday, 9:00 to 9:59
    assert (visit.desk_id, visit.staff_id) == (centre.desks[0].id, carla.id)
    assert visit.organisation_id == carla.organisation_id
    assert visit.service_day == MONDAY
    columns = {c.key for c in inspect(Visit).columns}
    assert not columns & {"code", "token", "public_token", "issued_at", "name", "email"}


def test_requeue_undoes_the_fact_and_the_next_end_writes_it_again(session, centre, carla, move):
    move("09:00")
    draw(session, centre)
    called = tickets.call_next(session, centre.desks[0], carla, idle_minutes=0)
    tickets.no_show(session, called, carla, idle_minutes=0)
    session.commit()
    assert [v.outcome for v in visits(session)] == ["no_show"]
    tickets.requeue(session, called, carla, idle_minutes=0)
    session.commit()
    assert visits(session) == []
    tickets.cancel(session, called, None)
    session.commit()
    assert [(v.outcome, v.wait_minutes) for v in visits(session)] == [("cancelled", None)]


def test_a_rolled_back_end_writes_no_fact(session, centre, carla, move):
    move("09:00")
    draw(session, centre)
    called = tickets.call_next(session, centre.desks[0], carla, idle_minutes=0)
    session.commit()
    tickets.finish(session, called, carla, idle_minutes=0)
    session.rollback()
    assert visits(session) == []


@pytest.fixture
def rule(session, centre, carla):
    session.add(
        Consultation(
            location=centre,
            weekdays="mon,tue,wed,thu,fri",
            start=time(10),
            end=time(12),
            topics=[centre.topics[0]],
            staff=[carla],
            slot_minutes=30,
            bookable_share=100,
        )
    )
    session.commit()


def test_an_appointment_waits_from_the_later_of_start_and_check_in(
    session, centre, carla, rule, move
):
    general = centre.topics[0]
    early = appointments.book(session, centre, general, at("10:00"), staff=carla, channel="online")
    session.commit()
    move("09:55")
    checked = appointments.check_in(session, early, centre)
    session.commit()
    move("10:07")
    called = tickets.call_next(session, centre.desks[0], carla, idle_minutes=0)
    assert called.id == checked.ticket.id
    tickets.finish(session, called, carla, idle_minutes=0)
    session.commit()
    [visit] = visits(session)
    assert (visit.channel, visit.outcome, visit.wait_minutes) == ("online_booked", "served", 7)
    assert (visit.ticket_id, visit.appointment_id) == (called.id, early.id)


def test_appointments_cancelled_or_missed_without_a_ticket(session, centre, carla, rule, move):
    general = centre.topics[0]
    cancelled = appointments.book(session, centre, general, at("10:00"), staff=carla)
    missed = appointments.book(session, centre, general, at("11:00"), staff=carla, channel="kiosk")
    session.commit()
    appointments.cancel(session, cancelled)
    session.commit()
    move("12:05")
    assert appointments.close_missed(session) == 1
    assert appointments.close_missed(session) == 0
    session.commit()
    found = [(v.appointment_id, v.channel, v.outcome, v.ticket_id) for v in visits(session)]
    assert found == [
        (cancelled.id, "staff_booked", "cancelled", None),
        (missed.id, "kiosk_booked", "no_show", None),
    ]


def test_open_tickets_of_a_past_day_are_left_once(session, centre, carla, move):
    move("09:00")
    waiting = draw(session, centre, language="uk")
    called_ticket = draw(session, centre)
    tickets.call_ticket(session, called_ticket, centre.desks[0], carla, idle_minutes=0)
    session.commit()
    assert facts.record_left(session) == 0  # the day is not over
    move("07:00", date(2026, 12, 8))
    assert facts.record_left(session, dry_run=True) == 2
    assert visits(session) == []
    assert facts.record_left(session) == 2
    session.commit()
    assert facts.record_left(session) == 0
    left = {v.ticket_id: (v.outcome, v.language) for v in visits(session)}
    assert left == {waiting.id: ("left", "uk"), called_ticket.id: ("left", "ar")}


def test_daily_aggregates_count_and_sum_and_outlive_the_facts(session, centre, carla, move):
    move("09:00")
    for _ in range(3):
        draw(session, centre, language="fa")
    move("09:05")
    draw(session, centre, key="language", language="de")
    for minute in ("09:10", "09:20", "09:30"):
        move(minute)
        ticket = tickets.call_next(session, centre.desks[0], carla, idle_minutes=0)
        tickets.start(session, ticket, carla, idle_minutes=0)
        session.commit()
    move("09:40")
    tickets.finish(session, ticket, carla, idle_minutes=0)
    session.commit()
    assert facts.aggregate_days(session) == 0  # today is not over
    move("07:00", date(2026, 12, 8))
    facts.record_left(session)
    assert facts.aggregate_days(session) == 1
    assert facts.aggregate_days(session) == 1  # built again, the same
    session.commit()
    rows = session.scalars(select(VisitDay).order_by(VisitDay.visits)).all()
    counted = sorted((r.language, r.outcome, r.visits, r.waits, r.wait_minutes) for r in rows)
    # Two served (each finished by the next call), one served at 9:40, one left waiting.
    assert counted == [("de", "left", 1, 0, 0), ("fa", "served", 3, 3, 60)]
    assert facts.counted(session, centre.id, MONDAY)
    session.execute(Visit.__table__.delete())
    assert facts.aggregate_days(session) == 0
    session.commit()
    assert sum(r.visits for r in session.scalars(select(VisitDay))) == 4


def test_a_late_arrival_is_one_late_visit_of_its_appointment(session, centre, carla, rule, move):
    general = centre.topics[0]
    booked = appointments.book(session, centre, general, at("10:00"), staff=carla)
    session.commit()
    move("10:30")  # after the grace time: a walk-in meant for Carla
    checked = appointments.check_in(session, booked, centre)
    session.commit()
    assert checked.late
    move("10:40")
    called = tickets.call_next(session, centre.desks[0], carla, idle_minutes=0)
    tickets.finish(session, called, carla, idle_minutes=0)
    session.commit()
    [visit] = visits(session)
    assert (visit.channel, visit.outcome, visit.wait_minutes) == ("late", "served", 10)
    assert visit.appointment_id == booked.id


def test_percentiles_and_periods():
    from servicepoint.stats.figures import percentile, period

    assert percentile([], 0.5) is None
    assert percentile([4], 0.9) == 4
    assert percentile(list(range(12)), 0.5) == 5.5
    assert percentile(list(range(12)), 0.9) == 9.9
    assert [period(date(2026, 12, 7), kind) for kind in ("day", "week", "month", "quarter")] == [
        "2026-12-07",
        "2026-W50",
        "2026-12",
        "2026-Q4",
    ]
    assert period(date(2027, 1, 1), "week") == "2026-W53"


def test_an_appointment_checked_in_after_its_start_waits_from_the_check_in(
    session, centre, carla, rule, move
):
    general = centre.topics[0]
    booked = appointments.book(session, centre, general, at("10:30"), staff=carla)
    session.commit()
    move("10:34")  # a little late, still within the grace time
    checked = appointments.check_in(session, booked, centre)
    session.commit()
    assert not checked.late
    move("10:46")
    called = tickets.call_next(session, centre.desks[0], carla, idle_minutes=0)
    assert called.id == checked.ticket.id
    tickets.finish(session, called, carla, idle_minutes=0)
    session.commit()
    [visit] = visits(session)
    # 12 minutes from the check-in, not 16 from the appointment's start.
    assert (visit.channel, visit.outcome, visit.wait_minutes) == ("staff_booked", "served", 12)
    assert (visit.ticket_id, visit.appointment_id) == (called.id, booked.id)
