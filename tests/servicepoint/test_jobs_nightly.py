"""The nightly run as the systemd unit starts it (its ExecStart's jobs, in its order) over a
database holding something old for every job: the dry run counts and changes nothing, the
run deletes what the periods say, a second run changes nothing. With a frozen clock, on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from servicepoint import booking, cards, clock, contacts, tickets
from servicepoint.audit import AuditEntry
from servicepoint.models import (
    Appointment,
    AppointmentContact,
    Base,
    ClientCard,
    PrintJob,
    Ticket,
    Visit,
    VisitDay,
)
from tests.appointment_day import online_bookable
from tests.conftest import make_test_app
from tests.servicepoint.test_systemd import read_unit

BERLIN = ZoneInfo("Europe/Berlin")
BOOKED = datetime(2026, 5, 27, 9, 0, tzinfo=BERLIN)  # a Wednesday
MONDAY = datetime(2026, 6, 1, 10, 30, tzinfo=BERLIN)
NIGHT = datetime(2026, 9, 15, 0, 10, tzinfo=BERLIN)  # 106 days later, as the timer runs
YESTERDAY = datetime(2026, 9, 14, 10, 15, tzinfo=BERLIN)


@pytest.fixture
def app(db, tmp_path):
    return make_test_app(db, tmp_path, PUBLIC_URL="https://sp.example.org")


def nightly() -> list[str]:
    [exec_start] = read_unit("servicepoint-cleanup.service")["Service"]["ExecStart"]
    prefix = "/opt/servicepoint/venv/bin/servicepoint jobs run "
    assert exec_start.startswith(prefix)
    return exec_start[len(prefix) :].split()


def rows(session) -> dict[str, int]:
    session.expire_all()
    return {
        table.name: session.scalar(select(func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }


def run(runner, *args) -> dict[str, int]:
    result = runner.invoke(["jobs", "run", *args])
    assert result.exit_code == 0, result.output
    said = {}
    for line in result.output.splitlines():
        name, _, count = line.partition(": ")
        said[name] = int(count.split()[0])
    return said


@pytest.fixture
def old_things(session, app, centre, factory):
    """A served walk-in drawn with a client card (and its print job), an online booking with
    its email address that nobody came to, an audit entry of 2024: all of 1 June 2026 or
    older; and a walk-in of the day before the night, left open, that must stay."""
    counselor = factory.staff("carla", admin=False)
    general = online_bookable(session, centre)
    with clock.frozen(BOOKED):
        settings = booking.BookingSettings()
        held = booking.hold(session, centre, general, MONDAY, settings)
        booking.book(
            session,
            held.token,
            "de",
            "e@example.org",
            contacts.of_app(app),
            settings,
            booking.Links("https://sp.example.org"),
        )
        session.scalar(select(AppointmentContact)).confirmed_at = clock.now()
        card = cards.make(session, counselor, centre)
        session.commit()
    with clock.frozen(MONDAY):
        ticket = tickets.issue_ticket(session, centre, general, "de", card=card).ticket
        session.add(
            PrintJob(desk_id=centre.desks[0].id, ticket_id=ticket.id, created_at=MONDAY, payload={})
        )
        tickets.call_ticket(session, ticket, centre.desks[0], counselor, idle_minutes=0)
        tickets.finish(session, ticket, counselor, idle_minutes=0)
        session.commit()
    session.add(
        AuditEntry(
            at=datetime(2024, 6, 1, tzinfo=UTC),
            staff_id=counselor.id,
            staff_name="Carla",
            kind="desk",
            action="update",
            after={"name": "Raum"},
        )
    )
    session.commit()
    with clock.frozen(YESTERDAY):
        tickets.issue_ticket(session, centre, general, "de")
        session.commit()


def test_the_nightly_run_deletes_what_its_periods_say_once(session, runner, old_things):
    names = nightly()
    assert names == [
        "release",
        "contacts",
        "no-shows",
        "cards",
        "audit",
        "visits",
        "retention",
    ]
    with clock.frozen(NIGHT):
        before = rows(session)
        dry = run(runner, *names, "--dry-run")
        assert rows(session) == before
        # The dry run counts what each job would do with the database as it is now: the
        # booking is not missed yet, so neither its fact nor its deletion is counted.
        assert dry == {
            "release": 0,
            "contacts": 1,
            "no-shows": 1,
            "cards": 0,  # made in May, used in June: 12 months not yet over
            "audit": 1,
            "visits": 2,  # yesterday's ticket left open; the day of the served walk-in
            "retention": 1,  # the print job (its ticket's day is not counted yet)
        }
        done = run(runner, *names)
        assert done["contacts"] == 1 and done["no-shows"] == 1 and done["audit"] == 1
        assert done["retention"] == 2  # the ticket (its print job with it), the appointment
        after = rows(session)
        again = run(runner, *names)
        assert rows(session) == after
        assert {name: again[name] for name in ("contacts", "no-shows", "cards", "audit")} == {
            "contacts": 0,
            "no-shows": 0,
            "cards": 0,
            "audit": 0,
        }
        assert again["retention"] == 0
        assert run(runner, "retention", "--dry-run") == {"retention": 0}
    session.expire_all()
    # Only yesterday's walk-in is left; what was counted stays counted.
    assert [t.service_day.isoformat() for t in session.scalars(select(Ticket))] == ["2026-09-14"]
    assert session.scalar(select(func.count()).select_from(Appointment)) == 0
    assert session.scalar(select(func.count()).select_from(AppointmentContact)) == 0
    assert session.scalar(select(func.count()).select_from(PrintJob)) == 0
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0
    outcomes = sorted((v.channel, v.outcome) for v in session.scalars(select(Visit)))
    assert outcomes == [("card", "served"), ("online_booked", "no_show"), ("walk_in", "left")]
    assert session.scalar(select(func.sum(VisitDay.visits))) == 3
    # The card was used on 1 June: it goes twelve months later, not before.
    assert session.scalar(select(func.count()).select_from(ClientCard)) == 1
    with clock.frozen(datetime(2027, 6, 2, 1, tzinfo=UTC)):
        assert run(runner, "cards") == {"cards": 1}
