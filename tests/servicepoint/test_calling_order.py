"""The one calling order (servicepoint/order.py) through the real verbs: appointments checked
in at the kiosk, walk-ins, aged walk-ins, client cards, late arrivals and two counselors at
once, on SQLite and PostgreSQL. The worked cases of the issue are the first table."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from servicepoint import appointments, cards, clock, desks, order, tickets
from servicepoint.errors import NothingToCall
from servicepoint.models import AppointmentState, ClientCard, TicketChannel
from tests.appointment_day import MONDAY, at, weekday_session


@pytest.fixture
def move():
    with clock.frozen(at("08:00")) as move_to:
        yield lambda hhmm: move_to(at(hhmm))


@pytest.fixture
def people(session, centre, factory):
    """Carla and Dana counsel on the general topic, 10:00 to 12:00, both at desks."""
    general = centre.topics[0]
    carla = factory.staff("carla", topics=[general])
    dana = factory.staff("dana", topics=[general])
    weekday_session(session, centre, [carla, dana])
    return general, carla, dana


def sit(session, centre, carla, dana):
    desks.occupy(session, centre.desks[0], carla, idle_minutes=0)
    desks.occupy(session, centre.desks[1], dana, idle_minutes=0)
    session.commit()


def call(session, centre, staff, **settings):
    """``staff`` presses call-next at their desk; the visitor comes (served until the next)."""
    desk = next(d for d in centre.desks if d.occupant_id == staff.id)
    ticket = tickets.call_next(session, desk, staff, idle_minutes=0, **settings)
    tickets.start(session, ticket, staff, idle_minutes=0)
    session.commit()
    return ticket


def draw(session, centre, topic, card=None):
    issued = tickets.issue_ticket(session, centre, topic, "de", card=card)
    session.commit()
    return issued.ticket


@pytest.mark.parametrize(
    ("checked_in", "caller", "now", "expected"),
    [
        (True, "carla", "09:56", "A"),  # due within Carla's median: called now, not made late
        (True, "carla", "09:58", "A"),  # due (start - 2 min)
        (True, "dana", "09:56", "W"),  # Carla's appointment is Carla's
        (False, "carla", "09:56", "W"),  # not checked in: the walk-in
    ],
)
def test_worked_cases(session, centre, people, move, checked_in, caller, now, expected):
    general, carla, dana = people
    booked = appointments.book(session, centre, general, at("10:00"), staff=carla)
    session.commit()
    move("09:50")
    walk_in = draw(session, centre, general)
    sit(session, centre, carla, dana)
    checked = None
    if checked_in:
        move("09:52")
        checked = appointments.check_in(session, booked, centre)
        session.commit()
        assert (checked.ticket.code, checked.late) == ("T001", False)
    move(now)
    called = call(session, centre, carla if caller == "carla" else dana)
    assert called.id == (checked.ticket.id if expected == "A" and checked else walk_in.id)


def test_two_counselors_at_once_never_take_each_others(session, centre, people, move):
    general, carla, dana = people
    booked = appointments.book(session, centre, general, at("10:00"), staff=carla)
    session.commit()
    move("09:50")
    walk_in = draw(session, centre, general)
    sit(session, centre, carla, dana)
    move("09:52")
    checked = appointments.check_in(session, booked, centre)
    session.commit()
    move("09:56")
    assert call(session, centre, dana).id == walk_in.id
    with pytest.raises(NothingToCall):  # only Carla's appointment waits
        call(session, centre, dana)
    session.rollback()
    assert call(session, centre, carla).id == checked.ticket.id
    session.refresh(booked)
    assert booked.state == AppointmentState.SERVING  # the appointment follows its ticket


def test_aged_walk_ins_come_before_appointments_without_a_counselor_never_before_ones_own(
    session, centre, people, move
):
    general, carla, dana = people
    mine = appointments.book(session, centre, general, at("10:30"), staff=carla)
    anyone = appointments.book(session, centre, general, at("10:30"))
    session.commit()
    move("09:50")
    walk_in = draw(session, centre, general)
    sit(session, centre, carla, dana)
    move("10:20")
    own = appointments.check_in(session, mine, centre).ticket
    shared = appointments.check_in(session, anyone, centre).ticket
    session.commit()
    assert (own.code, shared.code) == ("T001", "T002")  # the appointment series, gapless
    move("10:30")  # the walk-in has waited 40 minutes: the due appointment first
    entries = tickets.waiting_entries(session, centre.id, MONDAY)
    where = order.Situation(clock.now(), frozenset({carla.id, dana.id}))
    dana_order = order.calling_order(entries, tickets.caller(centre, dana), where)
    assert [e.id for e in dana_order] == [shared.id, walk_in.id]
    move("10:36")  # 46 minutes: it has waited long enough to come first
    assert call(session, centre, dana).id == walk_in.id
    # Carla's own due appointment still comes before anything else.
    assert call(session, centre, carla).id == own.id


def test_a_card_brings_its_client_to_their_counselor_first(session, centre, people, move):
    general, carla, dana = people
    card = cards.make(session, carla, centre)
    session.commit()
    move("10:00")
    sit(session, centre, carla, dana)
    earlier = draw(session, centre, general)
    move("10:05")
    with_card = draw(session, centre, general, card=card)
    assert (with_card.channel, with_card.for_staff_id) == (TicketChannel.CARD, carla.id)
    move("10:10")
    # Dana may not take Carla's client while Carla is on duty and the 20 minutes run.
    assert call(session, centre, dana).id == earlier.id
    with pytest.raises(NothingToCall):
        call(session, centre, dana)
    session.rollback()
    assert call(session, centre, carla).id == with_card.id


def test_a_card_ticket_is_anyones_once_reserved_time_ends_or_its_counselor_is_away(
    session, centre, people, move
):
    general, carla, dana = people
    card = cards.make(session, carla, centre)
    session.commit()
    move("10:00")
    sit(session, centre, carla, dana)
    first = draw(session, centre, general, card=card)
    second = draw(session, centre, general, card=card)
    move("10:21")  # 21 minutes: everyone's, keeping its draw time
    assert call(session, centre, dana).id == first.id
    desks.leave(session, centre.desks[0], carla)  # Carla is not on duty: at once
    session.commit()
    move("10:22")
    assert call(session, centre, dana).id == second.id


def test_a_late_arrival_is_a_walk_in_for_the_counselor_first(session, centre, people, move):
    general, carla, dana = people
    booked = appointments.book(session, centre, general, at("10:00"), staff=carla)
    session.commit()
    move("09:50")
    walk_in = draw(session, centre, general)
    sit(session, centre, carla, dana)
    move("10:11")  # after the ten minutes' grace
    assert appointments.overdue(booked, clock.now(), 10)
    checked = appointments.check_in(session, booked, centre)
    session.commit()
    assert checked.late and booked.state == AppointmentState.LATE
    assert checked.ticket.channel == TicketChannel.LATE
    assert checked.ticket.code.startswith(general.prefix)  # a walk-in's number, not T
    assert call(session, centre, dana).id == walk_in.id  # Carla's first, for 20 minutes
    assert call(session, centre, carla).id == checked.ticket.id


def test_positions_count_due_appointments_ahead_of_a_walk_in(session, centre, people, move):
    general, carla, _dana = people
    booked = appointments.book(session, centre, general, at("10:00"), staff=carla)
    session.commit()
    move("09:50")
    walk_in = draw(session, centre, general)
    move("09:51")
    second = draw(session, centre, general)
    assert tickets.people_ahead(session, second) == 1
    move("09:52")
    appointments.check_in(session, booked, centre)
    session.commit()
    move("09:59")  # the appointment is due: it stands before both walk-ins
    assert tickets.people_ahead(session, walk_in) == 1
    assert tickets.people_ahead(session, second) == 2


def test_no_show_at_the_end_of_the_session(session, centre, people, move):
    general, carla, _dana = people
    missed = appointments.book(session, centre, general, at("11:30"), staff=carla)
    session.commit()
    move("11:59")
    assert appointments.close_missed(session) == 0
    move("12:00")
    assert appointments.close_missed(session, dry_run=True) == 1
    assert missed.state == AppointmentState.BOOKED
    assert appointments.close_missed(session) == 1
    session.commit()
    assert missed.state == AppointmentState.NO_SHOW
    assert appointments.close_missed(session) == 0  # idempotent


def test_cards_unused_for_a_year_are_deleted(session, centre, people, move):
    _general, carla, _dana = people
    old = cards.make(session, carla, centre)
    recent = cards.make(session, carla, centre)
    old.last_used_at = at("08:00", date(2025, 12, 1))
    recent.last_used_at = at("08:00", date(2026, 1, 15))
    session.commit()
    assert cards.delete_unused(session, 12, dry_run=True) == 1
    session.commit()
    assert {c.code for c in session.scalars(select(ClientCard))} == {old.code, recent.code}
    assert cards.delete_unused(session, 12) == 1
    session.commit()
    assert [c.code for c in session.scalars(select(ClientCard))] == [recent.code]
    assert cards.delete_unused(session, 12) == 0
