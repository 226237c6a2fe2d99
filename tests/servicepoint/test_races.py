"""Two transactions moving the same ticket or desk at once: the second sees the first's
result and is refused, on both backends (real separate connections)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from servicepoint import tickets
from servicepoint.db import Database
from servicepoint.errors import DeskBusy, TicketNotWaiting
from servicepoint.models import Ticket, TicketEvent
from tests.conftest import BACKENDS, fresh_database
from tests.servicepoint.test_concurrency import _arrange


def _issue(database: Database, count: int) -> None:
    for _ in range(count):
        with database.unit_of_work() as session:
            location = tickets.get_location(session, "busy")
            tickets.issue_ticket(
                session, location, tickets.get_topic(session, location, "general"), "de"
            )


def race(database: Database, move) -> list[object]:
    """Run ``move(session)`` in two threads; the first holds its transaction a moment."""
    results: list[object] = []
    first_in = threading.Event()

    def worker(hold: float) -> None:
        try:
            with database.unit_of_work() as session:
                results.append(move(session))
                first_in.set()
                time.sleep(hold)
        except Exception as error:  # the refusal is the result
            first_in.set()
            results.append(error)

    first = threading.Thread(target=worker, args=(0.3,))
    first.start()
    first_in.wait(10)
    second = threading.Thread(target=worker, args=(0,))
    second.start()
    first.join(30)
    second.join(30)
    return results


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_same_chosen_ticket_called_by_two_desks(backend_name, tmp_path):
    with fresh_database(backend_name, tmp_path) as url:
        _arrange(url, desks=2)
        database = Database(url)
        _issue(database, 1)

        desks = iter(["Raum 1", "Raum 2"])

        def call_chosen(session):
            from servicepoint.models import Desk, Staff

            desk_id = session.scalar(select(Desk.id).where(Desk.name == next(desks)))
            desk = tickets.get_desk(session, desk_id, for_update=True)
            ticket = tickets.get_ticket(session, 1, for_update=True)
            return tickets.call_ticket(session, ticket, desk, session.scalar(select(Staff))).code

        results = race(database, call_chosen)
        with database.session() as session:
            ticket = session.get(Ticket, 1)
            calls = session.scalar(select(func.count()).where(TicketEvent.kind == "call"))
            state = (ticket.state, ticket.call_count, calls)
        database.dispose()
    assert results[0] == "A001"
    assert isinstance(results[1], TicketNotWaiting)
    assert state == ("called", 1, 1)


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_two_presses_on_one_desk_call_one_ticket(backend_name, tmp_path):
    with fresh_database(backend_name, tmp_path) as url:
        _arrange(url, desks=1)
        database = Database(url)
        _issue(database, 2)

        def call_next(session):
            from servicepoint.models import Desk, Staff

            desk = tickets.get_desk(session, session.scalar(select(Desk.id)), for_update=True)
            return tickets.call_next(session, desk, session.scalar(select(Staff))).code

        results = race(database, call_next)
        with database.session() as session:
            called = session.scalars(select(Ticket.code).where(Ticket.state == "called")).all()
        database.dispose()
    assert results[0] == "A001"
    assert isinstance(results[1], DeskBusy)
    assert called == ["A001"]
