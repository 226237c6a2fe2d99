"""Two bookings never take the last place of a slot: concurrent transactions (threads with
their own connections, and separate processes) on SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from servicepoint import appointments, tickets
from servicepoint.appointments import SlotTaken
from servicepoint.db import Database
from servicepoint.models import Appointment, Consultation, Location, Topic
from tests.conftest import BACKENDS, fresh_database
from tests.servicepoint.test_races import race

pytestmark = pytest.mark.concurrency

# A Monday far enough ahead that no clock needs freezing (and no holiday).
DAY = date(2031, 1, 6)
TEN = datetime(2031, 1, 6, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
BOOKERS = 4


def _arrange(url: str, share: int) -> None:
    database = Database(url)
    with database.unit_of_work() as session:
        location = Location(slug="busy", name="Busy centre", timezone="Europe/Berlin")
        topic = Topic(location=location, key="general", prefix="A", names={"de": "Allgemein"})
        session.add_all([location, topic])
        session.add(
            Consultation(
                location=location,
                weekdays="mon",
                start=time(10),
                end=time(12),
                valid_from=DAY,
                valid_to=DAY,
                topics=[topic],
                slot_minutes=30,
                bookable_share=share,
            )
        )
    database.dispose()


def _book(session) -> str:
    location = tickets.get_location(session, "busy")
    topic = tickets.get_topic(session, location, "general")
    return appointments.book(session, location, topic, TEN).code


def _book_in_process(url: str, start: multiprocessing.synchronize.Event) -> str:
    database = Database(url, pool_size=1, max_overflow=0) if "postgres" in url else Database(url)
    start.wait(30)
    try:
        with database.unit_of_work() as session:
            return _book(session)
    except SlotTaken:
        return "taken"
    finally:
        database.dispose()


def _booked(url: str) -> int:
    database = Database(url)
    with database.session() as session:
        booked = session.scalar(select(func.count()).select_from(Appointment))
    database.dispose()
    return booked


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_the_last_place_goes_to_one_of_two_bookings(backend_name, tmp_path):
    with fresh_database(backend_name, tmp_path) as url:
        _arrange(url, share=100)  # nobody named: one counselor, one place per slot
        database = Database(url)
        results = race(database, _book)  # the first holds its transaction a moment
        database.dispose()
        booked = _booked(url)
    assert isinstance(results[0], str) and len(results[0]) == 6
    assert isinstance(results[1], SlotTaken)
    assert booked == 1


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_bookers_in_separate_processes_fill_a_slot_exactly(backend_name, tmp_path):
    with fresh_database(backend_name, tmp_path) as url:
        _arrange(url, share=100)
        context = multiprocessing.get_context("spawn")
        start = context.Manager().Event()
        with context.Pool(BOOKERS) as pool:
            pending = [pool.apply_async(_book_in_process, (url, start)) for _ in range(BOOKERS)]
            start.set()
            results = [result.get(timeout=240) for result in pending]
        booked = _booked(url)
    assert sorted(results).count("taken") == BOOKERS - 1
    assert booked == 1
