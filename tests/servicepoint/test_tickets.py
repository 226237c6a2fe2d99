"""Queue operations and numbering, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from servicepoint import clock, tickets
from servicepoint.errors import (
    DeskBusy,
    IllegalTransition,
    InvalidInput,
    NothingToCall,
    TicketNotWaiting,
    TopicClosed,
)
from servicepoint.models import Ticket, TicketEvent, TicketState

S = TicketState


@pytest.fixture
def counselor(factory):
    return factory.staff()


def issue(session, location, key="general", language="de"):
    topic = next(t for t in location.topics if t.key == key)
    issued = tickets.issue_ticket(session, location, topic, language)
    session.commit()
    return issued


def test_numbers_start_at_one_per_prefix_and_count_up(session, centre):
    codes = [
        issue(session, centre, key).ticket.code
        for key in ("general", "general", "language", "general", "language")
    ]
    assert codes == ["A001", "A002", "B001", "A003", "B002"]


def test_numbering_restarts_each_local_day(session, centre):
    # 22:30 UTC on 1 March is already 2 March in Berlin (UTC+1).
    with clock.frozen(datetime(2026, 3, 1, 22, 0, tzinfo=UTC)) as move:
        first = issue(session, centre).ticket
        move(datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
        second = issue(session, centre).ticket
    assert (first.service_day.isoformat(), first.number) == ("2026-03-01", 1)
    assert (second.service_day.isoformat(), second.number) == ("2026-03-02", 1)


def test_numbering_is_per_location(session, factory, centre):
    other = factory.location("other-centre")
    assert issue(session, centre).ticket.code == "A001"
    assert issue(session, other).ticket.code == "A001"
    assert issue(session, centre).ticket.code == "A002"


def test_rolled_back_ticket_gives_its_number_back(session, centre):
    topic = centre.topics[0]
    tickets.issue_ticket(session, centre, topic, "de")
    session.rollback()
    assert issue(session, centre).ticket.number == 1


def test_issue_records_event_and_position(session, centre):
    first = issue(session, centre)
    second = issue(session, centre)
    third = issue(session, centre, "language")
    assert (first.position, second.position, third.position) == (0, 1, 0)
    kinds = session.scalars(
        select(TicketEvent.kind).where(TicketEvent.ticket_id == first.ticket.id)
    )
    assert list(kinds) == ["issued"]
    assert len(first.ticket.public_token) >= 20


def test_inactive_topic_takes_no_tickets(session, centre):
    centre.topics[0].active = False
    session.commit()
    with pytest.raises(TopicClosed):
        tickets.issue_ticket(session, centre, centre.topics[0], "de")


def test_call_next_takes_oldest_of_served_topics(session, factory, centre):
    language_only = factory.staff("sprachen", topics=[factory.topic(centre, "language")])
    issue(session, centre, "general")
    lang = issue(session, centre, "language").ticket
    desk = centre.desks[0]
    called = tickets.call_next(session, desk, language_only)
    assert called.id == lang.id
    assert (called.state, called.desk.name, called.call_count) == (S.CALLED, "Raum 1", 1)
    assert called.staff_id == language_only.id and called.called_at is not None


def test_counselor_without_topics_serves_all(session, centre, counselor):
    first = issue(session, centre, "language").ticket
    issue(session, centre, "general")
    assert tickets.call_next(session, centre.desks[0], counselor).id == first.id


def test_nothing_to_call_is_a_clear_refusal(session, centre, counselor):
    with pytest.raises(NothingToCall, match="Nobody is waiting"):
        tickets.call_next(session, centre.desks[0], counselor)


def test_called_ticket_blocks_desk_until_handled(session, centre, counselor):
    issue(session, centre)
    issue(session, centre)
    desk = centre.desks[0]
    first = tickets.call_next(session, desk, counselor)
    with pytest.raises(DeskBusy, match=first.code):
        tickets.call_next(session, desk, counselor)
    tickets.start(session, first, counselor)
    second = tickets.call_next(session, desk, counselor)
    assert first.state == S.DONE and first.finished_at is not None
    assert second.state == S.CALLED


def test_full_lifecycle_records_every_step(session, centre, counselor):
    ticket = issue(session, centre).ticket
    desk = centre.desks[1]
    tickets.call_ticket(session, ticket, desk, counselor)
    tickets.recall(session, ticket, counselor)
    tickets.start(session, ticket, counselor)
    tickets.finish(session, ticket, counselor)
    session.commit()
    events = session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
    ).all()
    assert [(e.kind, e.from_state, e.to_state) for e in events] == [
        ("issued", None, "waiting"),
        ("call", "waiting", "called"),
        ("recall", "called", "called"),
        ("start", "called", "serving"),
        ("finish", "serving", "done"),
    ]
    assert all(e.desk_id == desk.id for e in events[1:])
    assert all(e.staff_id == counselor.id for e in events[1:])
    assert ticket.call_count == 2
    assert ticket.issued_at <= ticket.called_at <= ticket.started_at <= ticket.finished_at


def test_call_out_of_order(session, centre, counselor):
    issue(session, centre)
    later = issue(session, centre).ticket
    assert tickets.call_ticket(session, later, centre.desks[0], counselor).state == S.CALLED


def test_call_chosen_refuses_ticket_not_waiting(session, centre, counselor):
    ticket = issue(session, centre).ticket
    tickets.call_ticket(session, ticket, centre.desks[0], counselor)
    with pytest.raises(TicketNotWaiting):
        tickets.call_ticket(session, ticket, centre.desks[1], counselor)


def test_call_refuses_desk_of_other_location(session, factory, centre, counselor):
    other = factory.location("elsewhere")
    ticket = issue(session, centre).ticket
    with pytest.raises(InvalidInput):
        tickets.call_ticket(session, ticket, other.desks[0], counselor)


def test_no_show_then_requeue_restores_place(session, centre, counselor):
    first = issue(session, centre).ticket
    second = issue(session, centre).ticket
    tickets.call_next(session, centre.desks[0], counselor)
    tickets.no_show(session, first, counselor)
    assert first.state == S.NO_SHOW
    tickets.requeue(session, first, counselor)
    session.commit()
    assert (first.state, first.desk_id, first.called_at) == (S.WAITING, None, None)
    assert tickets.people_ahead(session, first) == 0
    assert tickets.people_ahead(session, second) == 1


def test_transfer_keeps_issue_time_and_code(session, factory, centre, counselor):
    language = factory.topic(centre, "language")
    with clock.frozen(datetime(2026, 5, 4, 8, 0, tzinfo=UTC)) as move:
        moved = issue(session, centre, "general").ticket
        move(datetime(2026, 5, 4, 8, 5, tzinfo=UTC))
        waiting_there = issue(session, centre, "language").ticket
        move(datetime(2026, 5, 4, 8, 10, tzinfo=UTC))
        issued_at = moved.issued_at
        tickets.call_next(session, centre.desks[0], counselor)
        tickets.transfer(session, moved, language, counselor)
        session.commit()
        assert (moved.state, moved.topic.key, moved.code) == (S.WAITING, "language", "A001")
        assert moved.issued_at == issued_at
        # Drawn earlier, so it stands before the language ticket drawn later.
        assert tickets.people_ahead(session, moved) == 0
        assert tickets.people_ahead(session, waiting_there) == 1


def test_transfer_to_same_topic_while_waiting_is_refused(session, factory, centre, counselor):
    ticket = issue(session, centre).ticket
    with pytest.raises(IllegalTransition):
        tickets.transfer(session, ticket, factory.topic(centre, "general"), counselor)


@pytest.mark.parametrize(
    ("move", "state"),
    [
        ("start", S.WAITING),
        ("finish", S.WAITING),
        ("no_show", S.WAITING),
        ("recall", S.WAITING),
        ("requeue", S.WAITING),
        ("cancel", S.DONE),
        ("start", S.CANCELLED),
        ("recall", S.SERVING),
    ],
)
def test_illegal_moves_are_refused_and_change_nothing(session, centre, counselor, move, state):
    ticket = issue(session, centre).ticket
    ticket.state = state
    session.commit()
    events_before = session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
    ).all()
    with pytest.raises(IllegalTransition, match=ticket.code):
        getattr(tickets, move)(session, ticket, counselor)
    session.rollback()
    session.refresh(ticket)
    assert ticket.state == state
    events_after = session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
    ).all()
    assert len(events_after) == len(events_before)


def test_cancel_by_visitor_leaves_queue(session, centre):
    first = issue(session, centre).ticket
    second = issue(session, centre).ticket
    tickets.cancel(session, first, None)
    session.commit()
    assert first.state == S.CANCELLED
    assert tickets.people_ahead(session, second) == 0


def test_yesterdays_waiting_tickets_are_not_called(session, centre, counselor):
    with clock.frozen(datetime(2026, 5, 4, 8, 0, tzinfo=UTC)) as move:
        issue(session, centre)
        move(datetime(2026, 5, 4, 8, 0, tzinfo=UTC) + timedelta(days=1))
        with pytest.raises(NothingToCall):
            tickets.call_next(session, centre.desks[0], counselor)


def test_unique_constraint_backs_numbering(session, centre):
    from sqlalchemy.exc import IntegrityError

    ticket = issue(session, centre).ticket
    duplicate = Ticket(
        location=centre,
        topic=ticket.topic,
        service_day=ticket.service_day,
        prefix="A",
        number=1,
        code="A001",
        issued_at=clock.now(),
    )
    session.add(duplicate)
    with pytest.raises(IntegrityError):
        session.flush()


def test_finish_and_cancel_can_be_undone_the_same_day(session, centre, counselor):
    ticket = issue(session, centre).ticket
    tickets.call_next(session, centre.desks[0], counselor)
    tickets.finish(session, ticket, counselor)
    tickets.requeue(session, ticket, counselor)
    assert (ticket.state, ticket.finished_at, ticket.desk_id) == (S.WAITING, None, None)
    tickets.cancel(session, ticket, counselor)
    tickets.requeue(session, ticket, counselor)
    assert ticket.state == S.WAITING


def test_undo_is_refused_for_an_earlier_day(session, centre, counselor):
    with clock.frozen(datetime(2026, 5, 4, 8, 0, tzinfo=UTC)) as move:
        ticket = issue(session, centre).ticket
        tickets.cancel(session, ticket, counselor)
        move(datetime(2026, 5, 5, 8, 0, tzinfo=UTC))
        with pytest.raises(IllegalTransition, match="earlier day"):
            tickets.requeue(session, ticket, counselor)
