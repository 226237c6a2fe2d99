"""Call-next's own statements (servicepoint/tickets.py): the queue, the ticket at the desk and
who is on duty read at once, and the call written with its appointment, history row and the
occupant's last action (on PostgreSQL in one statement) — the same rows either way, on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from servicepoint import appointments, clock, desks, tickets
from servicepoint.models import AppointmentState, Desk, Ticket, TicketEvent, TicketState
from tests.appointment_day import at, weekday_session


@pytest.fixture
def move():
    """Sets the clock to "hh:mm" on the test's Monday, or to a moment."""
    with clock.frozen(at("08:00")) as move_to:
        yield lambda when: move_to(at(when) if isinstance(when, str) else when)


@pytest.fixture
def people(session, centre, factory):
    """Carla and Dana counsel on the general topic, 10:00 to 12:00."""
    general = centre.topics[0]
    carla = factory.staff("carla", topics=[general])
    dana = factory.staff("dana", topics=[general])
    weekday_session(session, centre, [carla, dana])
    return general, carla, dana


def stored(session, kind, ident):
    """``kind`` ``ident`` as the database holds it (nothing kept from the session)."""
    session.expire_all()
    return session.get(kind, ident)


def test_a_call_writes_the_ticket_its_appointment_its_history_and_the_desk(
    session, centre, people, move
):
    general, carla, _dana = people
    booked = appointments.book(session, centre, general, at("10:00"), staff=carla)
    session.commit()
    move("09:30")
    raum1 = centre.desks[0]
    desks.occupy(session, raum1, carla)
    session.commit()
    move("09:55")
    checked = appointments.check_in(session, booked, centre).ticket
    session.commit()
    move("09:58")
    called = tickets.call_next(session, raum1, carla)
    assert called.id == checked.id
    assert raum1.occupant_seen_at == at("09:58")  # what the session holds agrees
    session.commit()

    ticket = stored(session, Ticket, checked.id)
    assert (ticket.state, ticket.desk_id, ticket.staff_id) == (
        TicketState.CALLED,
        raum1.id,
        carla.id,
    )
    assert (ticket.called_at, ticket.call_count, ticket.version) == (at("09:58"), 1, 2)
    history = session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
    ).all()
    last = history[-1]
    assert (last.kind, last.from_state, last.to_state) == ("call", "waiting", "called")
    assert (last.at, last.staff_id, last.desk_id, last.detail) == (
        at("09:58"),
        carla.id,
        raum1.id,
        None,
    )
    assert stored(session, type(booked), booked.id).state == AppointmentState.CALLED
    assert stored(session, Desk, raum1.id).occupant_seen_at == at("09:58")


def test_a_call_within_a_minute_of_the_last_action_leaves_the_desk_as_it_was(
    session, centre, people, move
):
    general, carla, _dana = people
    move("09:50")
    raum1 = centre.desks[0]
    desks.occupy(session, raum1, carla)
    for _ in range(2):
        tickets.issue_ticket(session, centre, general, "de")
    session.commit()
    move("10:00")
    first = tickets.call_next(session, raum1, carla)
    tickets.start(session, first, carla)
    session.commit()
    move(at("10:00") + timedelta(seconds=40))
    second = tickets.call_next(session, raum1, carla)  # finishes the first, calls the second
    session.commit()
    assert stored(session, Ticket, first.id).state == TicketState.DONE
    assert stored(session, Ticket, second.id).state == TicketState.CALLED
    assert stored(session, Desk, raum1.id).occupant_seen_at == at("10:00")


@pytest.mark.parametrize("idle_minutes", [30, 0])
def test_who_is_on_duty_is_read_with_the_queue_by_the_desks_own_rule(
    session, centre, factory, move, idle_minutes
):
    """The queue's statement answers for each counselor a ticket is meant for what
    ``desks.on_duty_staff`` answers: seen lately, idle, idle but counselling, at a closed
    desk, at a desk of another location, at no desk."""
    general = centre.topics[0]
    names = ["lately", "idle", "counselling", "closed", "elsewhere", "nowhere"]
    staff = {name: factory.staff(name, topics=[general]) for name in names}
    other = factory.location("anderswo")
    move("09:50")
    spare = Desk(location=centre, name="Raum 9", position=9)
    session.add(spare)
    session.flush()
    desks.occupy(session, centre.desks[0], staff["idle"])
    desks.occupy(session, centre.desks[1], staff["counselling"])
    desks.occupy(session, spare, staff["closed"])
    desks.occupy(session, other.desks[0], staff["elsewhere"])
    session.commit()
    busy = tickets.issue_ticket(session, centre, general, "de").ticket
    session.commit()
    tickets.call_next(session, centre.desks[1], staff["counselling"])
    spare.active = False
    session.commit()
    move("10:50")  # an hour on: everyone seated so far has gone idle after 30 minutes
    lately_desk = Desk(location=centre, name="Raum 8", position=8)
    session.add(lately_desk)
    session.flush()
    desks.occupy(session, lately_desk, staff["lately"])
    for name in names:  # an appointment's ticket meant for each of them
        tickets.issue_for_appointment(
            session, centre, general, "de", staff_id=staff[name].id, due_at=at("11:00"), prefix="T"
        )
    session.commit()

    _entries, on_duty, current = tickets._call_view(session, centre, lately_desk, idle_minutes)
    meant_for = {s.id for s in staff.values()}
    assert on_duty == desks.on_duty_staff(session, centre.id, idle_minutes) & meant_for
    expected = {"lately", "counselling"} | ({"idle"} if idle_minutes == 0 else set())
    assert on_duty == {staff[name].id for name in expected}
    assert current is None
    _entries, _on_duty, current = tickets._call_view(session, centre, centre.desks[1], idle_minutes)
    assert current is not None and current.id == busy.id  # the ticket at that desk
