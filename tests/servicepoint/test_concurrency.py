"""Many writers at once: separate processes, real connections, a throw-away database."""

from __future__ import annotations

import multiprocessing

import pytest
from sqlalchemy import select

from servicepoint import tickets
from servicepoint.auth import hash_password
from servicepoint.db import Database
from servicepoint.models import Desk, Location, Membership, Staff, Ticket, TicketState, Topic
from tests.conftest import BACKENDS, fresh_database

pytestmark = pytest.mark.concurrency

WRITERS = 8
TICKETS_PER_WRITER = 25


def _arrange(url: str, desks: int = 1) -> None:
    database = Database(url)
    with database.unit_of_work() as session:
        location = Location(slug="busy", name="Busy centre", timezone="Europe/Berlin")
        session.add(location)
        session.add(Topic(location=location, key="general", prefix="A", names={"de": "Allgemein"}))
        session.add(Topic(location=location, key="language", prefix="B", names={"de": "Sprache"}))
        password_hash = hash_password("x" * 12)
        for n in range(desks):  # a counselor per desk: each sits at one desk at a time
            session.add(Desk(location=location, name=f"Raum {n + 1}"))
            session.add(
                Staff(
                    username=f"berater{n + 1}",
                    display_name=f"Berater {n + 1}",
                    password_hash=password_hash,
                    memberships=[Membership(location=location, role="counselor")],
                )
            )
    database.dispose()


def _issue_many(url: str, count: int, start: multiprocessing.synchronize.Event) -> list[str]:
    database = Database(url, pool_size=1, max_overflow=0) if "postgres" in url else Database(url)
    start.wait(30)
    codes = []
    for n in range(count):
        with database.unit_of_work() as session:
            location = tickets.get_location(session, "busy")
            topic = tickets.get_topic(session, location, "general" if n % 3 else "language")
            codes.append(tickets.issue_ticket(session, location, topic, "de").ticket.code)
    database.dispose()
    return codes


def _call_all(url: str, desk_name: str, start: multiprocessing.synchronize.Event) -> list[str]:
    database = Database(url, pool_size=1, max_overflow=0) if "postgres" in url else Database(url)
    start.wait(30)
    called = []
    while True:
        try:
            with database.unit_of_work() as session:
                desk = session.scalar(select(Desk).where(Desk.name == desk_name))
                staff = session.scalar(
                    select(Staff).where(Staff.username == "berater" + desk_name.split()[-1])
                )
                current = tickets.ticket_at_desk(session, desk)
                if current is not None:
                    tickets.finish(session, current, staff)
                called.append(tickets.call_next(session, desk, staff).code)
        except tickets.NothingToCall:
            break
    database.dispose()
    return called


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_concurrent_kiosks_get_gapless_unique_numbers(backend_name, tmp_path):
    with fresh_database(backend_name, tmp_path) as url:
        _arrange(url)
        context = multiprocessing.get_context("spawn")
        start = context.Manager().Event()
        with context.Pool(WRITERS) as pool:
            results = [
                pool.apply_async(_issue_many, (url, TICKETS_PER_WRITER, start))
                for _ in range(WRITERS)
            ]
            start.set()
            codes = [code for result in results for code in result.get(timeout=240)]
        database = Database(url)
        with database.session() as session:
            rows = session.execute(select(Ticket.prefix, Ticket.number)).all()
        database.dispose()

    assert len(codes) == WRITERS * TICKETS_PER_WRITER
    assert len(set(codes)) == len(codes), "a code was handed out twice"
    for prefix in ("A", "B"):
        numbers = sorted(n for p, n in rows if p == prefix)
        assert numbers == list(range(1, len(numbers) + 1)), f"gap or duplicate in {prefix}"
    assert len(rows) == len(codes)


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_counselors_pressing_at_once_never_get_the_same_ticket(backend_name, tmp_path):
    with fresh_database(backend_name, tmp_path) as url:
        _arrange(url, desks=WRITERS)
        context = multiprocessing.get_context("spawn")
        issue_start = context.Manager().Event()
        issue_start.set()
        issued = _issue_many(url, 60, issue_start)
        start = context.Manager().Event()
        with context.Pool(WRITERS) as pool:
            results = [
                pool.apply_async(_call_all, (url, f"Raum {n + 1}", start)) for n in range(WRITERS)
            ]
            start.set()
            called = [code for result in results for code in result.get(timeout=240)]
        database = Database(url)
        with database.session() as session:
            states = set(session.scalars(select(Ticket.state)))
        database.dispose()

    assert sorted(called) == sorted(issued), "a ticket was called twice or never"
    assert states <= {TicketState.DONE, TicketState.CALLED}
