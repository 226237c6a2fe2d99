"""The online booking's jobs on the command line (``servicepoint jobs list|run``): expired
holds and unconfirmed bookings released, reminders queued and sent to a real SMTP server on
127.0.0.1 (with an .ics that parses), mail that failed sent later, contacts deleted after
the appointment's day; each idempotent, a dry run counting only; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from servicepoint import booking, clock, contacts
from servicepoint.models import (
    Appointment,
    AppointmentContact,
    AppointmentHold,
    OutgoingMail,
)
from tests.appointment_day import online_bookable
from tests.conftest import Runner, make_test_app
from tests.smtp_server import SmtpServer, running_smtp_server

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2026, 12, 7, 8, 0, tzinfo=BERLIN)
LINKS = booking.Links("https://sp.example.org")


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    with running_smtp_server() as server:
        yield server


@pytest.fixture
def app(db, tmp_path, smtp_server):
    return make_test_app(
        db, tmp_path, PUBLIC_URL="https://sp.example.org", **smtp_server.settings()
    )


@pytest.fixture
def frozen():
    with clock.frozen(MONDAY) as move_to:
        yield move_to


@pytest.fixture
def topic(session, centre):
    return online_bookable(session, centre)


def run(runner: Runner, *args: str) -> str:
    result = runner.invoke(["jobs", *args])
    assert result.exit_code == 0, result.output
    return result.output


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def book(session, app, centre, topic, start: datetime, email: str | None) -> Appointment:
    settings = booking.BookingSettings()
    held = booking.hold(session, centre, topic, start, settings)
    cipher = contacts.of_app(app)
    made = booking.book(session, held.token, "de", email, cipher, settings, LINKS)
    session.commit()
    return made


def confirm(session, app, appointment: Appointment) -> None:
    contact = session.scalar(select(AppointmentContact))
    contact.confirmed_at = clock.now()
    session.commit()


def test_jobs_are_listed_and_unknown_ones_refused(runner):
    listed = run(runner, "list")
    assert [line.split()[0] for line in listed.splitlines()] == [
        "release",
        "reminders",
        "send-mail",
        "contacts",
        "no-shows",
        "cards",
        "audit",
        "visits",
        "retention",
    ]
    refused = runner.invoke(["jobs", "run", "nothing"])
    assert refused.exit_code != 0 and "no such job: nothing" in refused.output


def test_release_expired_holds_and_unconfirmed_bookings(
    runner, session, app, centre, topic, frozen
):
    booking.hold(
        session, centre, topic, datetime(2026, 12, 8, 10, tzinfo=BERLIN), booking.BookingSettings()
    )
    session.commit()
    unconfirmed = book(
        session, app, centre, topic, datetime(2026, 12, 8, 11, tzinfo=BERLIN), "a@example.org"
    )
    kept = book(
        session, app, centre, topic, datetime(2026, 12, 8, 11, 30, tzinfo=BERLIN), "b@example.org"
    )
    contact = session.scalar(
        select(AppointmentContact).where(AppointmentContact.appointment_id == kept.id)
    )
    contact.confirmed_at = clock.now()
    session.commit()

    assert run(runner, "run", "release", "--dry-run") == "release: 0 (dry run)\n"
    frozen(MONDAY + timedelta(minutes=60))  # the hold ran out; an hour without confirmation
    assert run(runner, "run", "release", "--dry-run") == "release: 2 (dry run)\n"
    assert count(session, AppointmentHold) == 1  # a dry run changes nothing
    assert run(runner, "run", "release") == "release: 2\n"
    assert run(runner, "run", "release") == "release: 0\n"  # idempotent
    assert count(session, AppointmentHold) == 0
    session.refresh(unconfirmed)
    session.refresh(kept)
    assert (unconfirmed.state, kept.state) == ("cancelled", "booked")
    assert count(session, AppointmentContact) == 1  # the unconfirmed one's went with it


def test_reminder_a_day_before_sent_with_ics(
    runner, session, app, centre, topic, frozen, smtp_server
):
    made = book(
        session, app, centre, topic, datetime(2026, 12, 8, 10, 30, tzinfo=BERLIN), "c@example.org"
    )
    confirm(session, app, made)
    assert run(runner, "run", "reminders", "send-mail") == "reminders: 0\nsend-mail: 1\n"
    smtp_server.inbox.wait_for(1)  # the confirmation request, sent by the job

    frozen(datetime(2026, 12, 7, 10, 30, tzinfo=BERLIN))  # 24 hours before
    assert run(runner, "run", "reminders", "--dry-run") == "reminders: 1 (dry run)\n"
    assert run(runner, "run", "reminders", "send-mail") == "reminders: 1\nsend-mail: 1\n"
    assert run(runner, "run", "reminders", "send-mail") == "reminders: 0\nsend-mail: 0\n"
    _first, reminder = smtp_server.inbox.wait_for(2)
    assert reminder["To"] == "c@example.org"
    assert "08.12.2026" in reminder["Subject"] and "General" not in reminder["Subject"]
    (attachment,) = list(reminder.iter_attachments())
    (event,) = Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2026, 12, 8, 9, 30, tzinfo=UTC)
    body = reminder.get_body(("plain",)).get_content()
    assert f"https://sp.example.org/t/a/{made.token}?cancel=1" in body


def test_mail_the_server_did_not_take_is_sent_later(runner, session, app, centre, topic, frozen):
    with running_smtp_server() as later:
        app.config["SMTP_PORT"] = 1  # nobody listens there yet
        book(
            session,
            app,
            centre,
            topic,
            datetime(2026, 12, 8, 10, tzinfo=BERLIN),
            "d@example.org",
        )
        assert run(runner, "run", "send-mail") == "send-mail: 0\n"
        assert count(session, OutgoingMail) == 1
        # Not due again at once; after the pause, to the server now configured.
        assert run(runner, "run", "send-mail", "--dry-run") == "send-mail: 0 (dry run)\n"
        app.config["SMTP_PORT"] = later.port
        frozen(MONDAY + timedelta(minutes=5))
        assert run(runner, "run", "send-mail") == "send-mail: 1\n"
        (arrived,) = later.inbox.wait_for(1)
        assert arrived["To"] == "d@example.org"
        assert count(session, OutgoingMail) == 0


def test_contacts_are_deleted_after_the_appointments_day(
    runner, session, app, centre, topic, frozen
):
    made = book(
        session, app, centre, topic, datetime(2026, 12, 7, 10, 30, tzinfo=BERLIN), "e@example.org"
    )
    confirm(session, app, made)
    frozen(datetime(2026, 12, 7, 23, 59, tzinfo=BERLIN))
    assert run(runner, "run", "contacts") == "contacts: 0\n"
    frozen(datetime(2026, 12, 8, 0, 0, tzinfo=BERLIN))
    assert run(runner, "run", "contacts", "--dry-run") == "contacts: 1 (dry run)\n"
    assert run(runner, "run", "contacts") == "contacts: 1\n"
    assert run(runner, "run", "contacts") == "contacts: 0\n"
    assert count(session, AppointmentContact) == 0
    session.refresh(made)
    assert made.state == "booked"  # the appointment itself stays (without a name)
