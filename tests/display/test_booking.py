"""Online booking over the public API (/t/api/v1/…): topics open to it, free days and slots,
holds that count as taken and expire, booking with and without an email address, the
confirmation and reminder mails as a real SMTP server on 127.0.0.1 receives them (an .ics
that parses, no topic in any subject), cancelling, the contact encrypted and deleted; on
SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from servicepoint import appointments, clock
from servicepoint.contacts import ContactCipher
from servicepoint.models import (
    Appointment,
    AppointmentContact,
    AppointmentHold,
    Consultation,
    OutgoingMail,
)
from tests.conftest import make_test_app

BERLIN = ZoneInfo("Europe/Berlin")
EARLY = datetime(2026, 12, 7, 8, 0, tzinfo=BERLIN)  # a Monday
API = "/t/api/v1"
EMAIL = "Visitor.One@Example.ORG"


@pytest.fixture
def frozen():
    with clock.frozen(EARLY) as move_to:
        yield move_to


@pytest.fixture
def app(db, tmp_path, smtp_server):
    return make_test_app(
        db,
        tmp_path,
        PUBLIC_URL="https://sp.example.org",
        MAIL_IN_BACKGROUND=False,  # sent in the request's thread, after its commit
        **smtp_server.settings(),
    )


@pytest.fixture
def online(session, centre):
    """ "general" open to online booking; one counselor's weekday session 10:00-12:00, all of
    it bookable: four 30-minute slots of one place each. "language" stays offline."""
    general = centre.topics[0]
    general.online_booking = True
    general.names = {"de": "Aufenthaltsrecht", "en": "Residence law"}
    session.add(
        Consultation(
            location=centre,
            weekdays="mon,tue,wed,thu,fri",
            start=time(10),
            end=time(12),
            topics=[general],
            bookable_share=100,
        )
    )
    session.commit()
    return general


def slots(client, topic, day="2026-12-07"):
    found = client.get(
        f"{API}/booking/test-centre/topics/{topic.id}/slots", query_string={"date": day}
    )
    assert found.status_code == 200, found.json
    return [s["start"][11:16] for s in found.json["slots"]]


def hold(client, topic, start="2026-12-07T10:00:00+01:00"):
    return client.post(f"{API}/booking/test-centre/topics/{topic.id}/holds", json={"start": start})


def test_only_topics_open_to_online_booking_are_offered(client, centre, online, frozen):
    offer = client.get(f"{API}/booking/test-centre").json
    assert [t["id"] for t in offer["topics"]] == [online.id]
    assert offer["email"] is True and offer["hold_minutes"] == 10
    language = centre.topics[1]
    refused = client.get(f"{API}/booking/test-centre/topics/{language.id}/slots")
    assert refused.status_code == 404 and refused.json["error"] == "not_bookable_online"
    days = client.get(f"{API}/booking/test-centre/topics/{online.id}/days").json["days"]
    assert days[0] == {"date": "2026-12-07", "free": 4}
    assert [d["date"] for d in days[:5]] == [f"2026-12-{n:02d}" for n in (7, 8, 9, 10, 11)]
    assert slots(client, online) == ["10:00", "10:30", "11:00", "11:30"]
    beyond = client.get(
        f"{API}/booking/test-centre/topics/{online.id}/slots", query_string={"date": "2027-03-01"}
    )
    assert beyond.status_code == 400 and beyond.json["field"] == "date"


def test_a_discreet_topic_is_offered_by_its_neutral_name(client, session, online, frozen):
    online.discreet = True
    session.commit()
    topic = client.get(f"{API}/booking/test-centre").json["topics"][0]
    assert topic["names"]["de"] == "Beratung" and "Aufenthaltsrecht" not in str(topic)


def test_a_hold_counts_as_taken_until_it_expires(client, session, centre, online, frozen):
    held = hold(client, online)
    assert held.status_code == 201, held.json
    assert held.json["expires_at"].startswith("2026-12-07T07:10:00")
    assert slots(client, online) == ["10:30", "11:00", "11:30"]
    again = hold(client, online)
    assert again.status_code == 409 and again.json["error"] == "slot_taken"
    # Staff see the held place as taken too.
    start = datetime(2026, 12, 7, 10, 0, tzinfo=BERLIN)
    with pytest.raises(appointments.SlotTaken):
        appointments.book(session, centre, online, start)
    session.rollback()

    frozen(EARLY + timedelta(minutes=10))  # the hold has run out
    assert slots(client, online) == ["10:00", "10:30", "11:00", "11:30"]
    late = client.post(f"{API}/booking/holds/{held.json['token']}/book", json={})
    assert late.status_code == 409 and late.json["error"] == "hold_expired"
    assert session.scalar(select(func.count()).select_from(Appointment)) == 0


def test_book_without_an_address_then_cancel(client, session, online, frozen, smtp_server):
    token = hold(client, online).json["token"]
    made = client.post(f"{API}/booking/holds/{token}/book", json={"language": "ar"})
    assert made.status_code == 201, made.json
    shown = made.json
    assert shown["state"] == "booked" and re.fullmatch(r"[0-9]{6}", shown["code"])
    assert shown["start"] == "2026-12-07T10:00:00+01:00" and shown["language"] == "ar"
    assert shown["awaiting_confirmation"] is False and shown["can_cancel"] is True
    assert shown["url"] == f"/t/a/{shown['token']}"
    session.expire_all()
    booked = session.scalar(select(Appointment))
    assert booked.channel == "online" and booked.state == "booked"
    assert session.scalar(select(func.count()).select_from(AppointmentHold)) == 0
    assert slots(client, online) == ["10:30", "11:00", "11:30"]
    # The hold is spent.
    again = client.post(f"{API}/booking/holds/{token}/book", json={})
    assert again.status_code == 409 and again.json["error"] == "hold_expired"

    read = client.get(f"{API}/appointments/{shown['token']}").json
    assert read["code"] == shown["code"] and "staff" not in read
    cancelled = client.post(f"{API}/appointments/{shown['token']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json["state"] == "cancelled"
    assert cancelled.json["can_cancel"] is False
    twice = client.post(f"{API}/appointments/{shown['token']}/cancel")
    assert twice.status_code == 409 and twice.json["error"] == "appointment_not_booked"
    assert slots(client, online) == ["10:00", "10:30", "11:00", "11:30"]
    assert smtp_server.inbox.messages == []
    unknown = client.get(f"{API}/appointments/{'x' * 22}")
    assert unknown.status_code == 404
    assert unknown.json["message"] == "There is no appointment for this link."


def _link(body: str, pattern: str) -> str:
    found = re.search(pattern, body)
    assert found, body
    return found.group(0)


def test_mail_confirmation_then_reminder_with_ics(
    client, app, session, online, frozen, smtp_server
):
    token = hold(client, online).json["token"]
    made = client.post(f"{API}/booking/holds/{token}/book", json={"language": "de", "email": EMAIL})
    assert made.status_code == 201, made.json
    shown = made.json
    assert shown["awaiting_confirmation"] is True
    assert shown["confirm_by"].startswith("2026-12-07T08:00:00")

    # The address is stored encrypted, apart from the appointment.
    session.expire_all()
    contact = session.scalar(select(AppointmentContact))
    assert "@" not in contact.email and "visitor" not in contact.email.lower()
    cipher = ContactCipher.for_instance(app.instance_path)
    assert cipher.decrypt(contact.email) == "Visitor.One@example.org"
    assert contact.confirmed_at is None

    (confirmation,) = smtp_server.inbox.wait_for(1)
    assert confirmation["To"] == "Visitor.One@example.org"
    assert confirmation["From"] == "termine@sp.example.org"
    assert "07.12.2026" in confirmation["Subject"]
    body = confirmation.get_content()
    assert shown["code"] in body and "Aufenthaltsrecht" in body
    confirm = _link(body, r"https://sp\.example\.org/t/a/[A-Za-z0-9_-]+\?confirm=[A-Za-z0-9_-]+")
    assert confirm.startswith(f"https://sp.example.org/t/a/{shown['token']}?confirm=")
    assert f"https://sp.example.org/t/a/{shown['token']}?cancel=1" in body
    assert session.scalar(select(func.count()).select_from(OutgoingMail)) == 0  # sent: gone

    # One open booking per address and topic (compared by the keyed hash, whatever the case).
    other = hold(client, online, "2026-12-07T11:00:00+01:00").json["token"]
    refused = client.post(
        f"{API}/booking/holds/{other}/book", json={"email": "visitor.one@example.org"}
    )
    assert refused.status_code == 409 and refused.json["error"] == "booking_exists"
    assert refused.json["field"] == "email"

    secret = confirm.rpartition("=")[2]
    wrong = client.post(f"{API}/appointments/{shown['token']}/confirm", json={"secret": "x" * 22})
    assert wrong.status_code == 404 and wrong.json["field"] == "confirm"
    assert wrong.json["message"] == "This confirmation link is not valid."
    confirmed = client.post(f"{API}/appointments/{shown['token']}/confirm", json={"secret": secret})
    assert confirmed.status_code == 200 and confirmed.json["awaiting_confirmation"] is False

    # Confirmed less than 24 hours before the start: the reminder follows at once.
    _confirmation, reminder = smtp_server.inbox.wait_for(2)
    assert "07.12.2026" in reminder["Subject"] and "10:00" in reminder["Subject"]
    (attachment,) = list(reminder.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    calendar = Calendar.from_ical(attachment.get_content())
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert event.decoded("dtend") == datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
    assert shown["code"] in str(event["summary"]) and "Aufenthaltsrecht" not in str(
        event["summary"]
    )
    assert str(event["url"]) == f"https://sp.example.org/t/a/{shown['token']}"
    assert "?cancel=1" in reminder.get_body(("plain",)).get_content()

    # No subject names the topic, in any of its names or its key.
    for message in smtp_server.inbox.messages:
        for name in (*online.names.values(), online.key):
            assert name.lower() not in message["Subject"].lower()

    # Confirming again changes nothing and sends nothing.
    again = client.post(f"{API}/appointments/{shown['token']}/confirm", json={"secret": secret})
    assert again.status_code == 200
    cancelled = client.post(f"{API}/appointments/{shown['token']}/cancel")
    assert cancelled.status_code == 200
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(AppointmentContact)) == 0
    assert len(smtp_server.inbox.messages) == 2


def test_a_mail_the_server_refuses_stays_queued(client, app, session, online, frozen):
    app.config["SMTP_PORT"] = 1  # nothing listens there
    token = hold(client, online).json["token"]
    made = client.post(f"{API}/booking/holds/{token}/book", json={"email": "a@example.org"})
    assert made.status_code == 201

    def tried():
        session.expire_all()
        row = session.scalar(select(OutgoingMail))
        return row is not None and row.attempts == 1 and row.last_error

    from tests.waiting import wait_until

    wait_until(tried, 10, "the first attempt failed")
    row = session.scalar(select(OutgoingMail))
    assert row.next_attempt_at > clock.now() and "a@example.org" not in row.recipient


def test_bad_addresses_are_refused(client, online, frozen):
    token = hold(client, online).json["token"]
    for bad in ("no-at-sign", "a@b", "a b@example.org", "a@example.org\nBcc: x@y.org"):
        refused = client.post(f"{API}/booking/holds/{token}/book", json={"email": bad})
        assert refused.status_code == 400 and refused.json["field"] == "email", bad


def test_holds_are_rate_limited_per_address(client, app, online, frozen):
    app.config["ONLINE_HOLDS_PER_ADDRESS"] = 2
    assert hold(client, online, "2026-12-07T10:00:00+01:00").status_code == 201
    assert hold(client, online, "2026-12-07T10:30:00+01:00").status_code == 201
    third = hold(client, online, "2026-12-07T11:00:00+01:00")
    assert third.status_code == 429 and third.json["error"] == "too_many_bookings"
    assert slots(client, online) == ["11:00", "11:30"]  # the refused hold holds nothing


def test_a_hold_given_back_frees_the_slot_at_once(client, online, frozen):
    token = hold(client, online).json["token"]
    assert slots(client, online) == ["10:30", "11:00", "11:30"]
    assert client.delete(f"{API}/booking/holds/{token}").status_code == 204
    assert slots(client, online) == ["10:00", "10:30", "11:00", "11:30"]
    assert client.delete(f"{API}/booking/holds/{token}").status_code == 204  # gone: no error
    late = client.post(f"{API}/booking/holds/{token}/book", json={})
    assert late.status_code == 409 and late.json["error"] == "hold_expired"


def test_mail_of_a_discreet_topic_names_it_neutrally(client, session, online, frozen, smtp_server):
    online.discreet = True
    session.commit()
    token = hold(client, online).json["token"]
    made = client.post(
        f"{API}/booking/holds/{token}/book", json={"language": "en", "email": "f@example.org"}
    )
    assert made.status_code == 201
    assert made.json["topic_names"]["en"] == "Counselling"
    (mail,) = smtp_server.inbox.wait_for(1)
    body = mail.get_content()
    assert "Matter: Counselling" in body
    assert "Residence" not in body and "Aufenthaltsrecht" not in body
    assert "Residence" not in mail["Subject"]
