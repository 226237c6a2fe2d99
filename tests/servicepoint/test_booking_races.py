"""Online booking under concurrency, on SQLite and PostgreSQL with real separate
transactions: two visitors holding the last place (one gets it), a hold and a staff booking
of it, and one hold booked twice at once (one appointment)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from servicepoint import appointments, booking, tickets
from servicepoint.appointments import SlotTaken
from servicepoint.db import Database
from servicepoint.models import Appointment, AppointmentHold
from tests.conftest import BACKENDS, fresh_database
from tests.servicepoint.test_appointment_races import TEN, _arrange
from tests.servicepoint.test_races import race

pytestmark = pytest.mark.concurrency

# The race's day is years ahead: the horizon must reach it.
SETTINGS = booking.BookingSettings(days=5000)
LINKS = booking.Links("https://sp.example.org")


def _open(url: str) -> None:
    database = Database(url)
    with database.unit_of_work() as session:
        location = tickets.get_location(session, "busy")
        tickets.get_topic(session, location, "general").online_booking = True
    database.dispose()


def _hold(session) -> str:
    location = tickets.get_location(session, "busy")
    topic = tickets.get_topic(session, location, "general")
    return booking.hold(session, location, topic, TEN, SETTINGS).token


def _count(url: str, model) -> int:
    database = Database(url)
    with database.session() as session:
        found = session.scalar(select(func.count()).select_from(model))
    database.dispose()
    return int(found or 0)


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_the_last_place_is_held_for_one_of_two_visitors(backend_name, tmp_path):
    with fresh_database(backend_name, tmp_path) as url:
        _arrange(url, share=100)
        _open(url)
        database = Database(url)
        results = race(database, _hold)
        database.dispose()
        held = _count(url, AppointmentHold)
    assert isinstance(results[0], str)
    assert isinstance(results[1], SlotTaken)
    assert held == 1


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_a_staff_booking_and_a_hold_of_the_last_place(backend_name, tmp_path):
    def staff_books(session) -> str:
        location = tickets.get_location(session, "busy")
        topic = tickets.get_topic(session, location, "general")
        return appointments.book(session, location, topic, TEN).code

    with fresh_database(backend_name, tmp_path) as url:
        _arrange(url, share=100)
        _open(url)
        database = Database(url)
        moves = iter((_hold, staff_books))
        results = race(database, lambda session: next(moves)(session))
        database.dispose()
    assert isinstance(results[0], str)  # the hold came first
    assert isinstance(results[1], SlotTaken)


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_one_hold_booked_twice_at_once_makes_one_appointment(backend_name, tmp_path):
    with fresh_database(backend_name, tmp_path) as url:
        _arrange(url, share=100)
        _open(url)
        database = Database(url)
        with database.unit_of_work() as session:
            token = _hold(session)
        results = race(
            database,
            lambda session: booking.book(session, token, "de", None, None, SETTINGS, LINKS).code,
        )
        database.dispose()
        booked = _count(url, Appointment)
    assert isinstance(results[0], str) and len(results[0]) == 6
    assert isinstance(results[1], booking.HoldExpired)
    assert booked == 1
