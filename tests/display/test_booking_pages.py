"""The public booking pages: the booking page in every offered language (right to left in
Arabic), the appointment's page with its code, QR code and .ics, all below /t/."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from servicepoint import clock
from tests.appointment_day import online_bookable

BERLIN = ZoneInfo("Europe/Berlin")
EARLY = datetime(2026, 12, 7, 8, 0, tzinfo=BERLIN)  # a Monday
API = "/t/api/v1"


@pytest.fixture
def frozen():
    with clock.frozen(EARLY) as move_to:
        yield move_to


@pytest.fixture
def online(session, centre):
    return online_bookable(session, centre)


def booked(client, topic) -> dict:
    held = client.post(
        f"{API}/booking/test-centre/topics/{topic.id}/holds",
        json={"start": "2026-12-07T10:30:00+01:00"},
    ).json
    return client.post(f"{API}/booking/holds/{held['token']}/book", json={"language": "en"}).json


@pytest.mark.parametrize("lang", ["de", "en", "uk", "ar", "fa", "tr", "ru"])
def test_booking_page_in_every_kiosk_language(client, online, lang):
    page = client.get(f"/t/book/test-centre?lang={lang}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'<html lang="{lang}" dir="{"rtl" if lang in ("ar", "fa") else "ltr"}">' in html
    assert f'data-testid="booking-topic-{online.id}"' in html
    assert "/t/static/display/booking/book.js" in html and "https://" not in html.split("<body")[0]


def test_booking_page_without_online_topics_says_so(client, centre):
    html = client.get("/t/book/test-centre?lang=en").get_data(as_text=True)
    assert "No appointments can be booked online here at the moment." in html


def test_the_pages_files_are_published_below_t(client):
    for name in ("book.js", "appointment.js", "booking.css"):
        with client.get(f"/t/static/display/booking/{name}") as served:
            assert served.status_code == 200


def test_appointment_page_code_qr_and_ics(client, online, frozen):
    shown = booked(client, online)
    page = client.get(f"/t/a/{shown['token']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="en"' in html  # the language it was booked in
    assert f'data-testid="appointment-code" dir="ltr">{shown["code"]}</p>' in html
    assert "07.12.2026" in html and "10:30–11:00" in html
    assert (
        client.get(f"/t/a/{shown['token']}?lang=ar").get_data(as_text=True).count('dir="rtl"') >= 1
    )

    qr = client.get(f"/t/a/{shown['token']}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"

    ics = client.get(f"/t/a/{shown['token']}/appointment.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    assert "attachment" in ics.headers["Content-Disposition"]
    (event,) = Calendar.from_ical(ics.data).walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
    assert str(event["url"]) == f"https://sp.example.org/t/a/{shown['token']}"
    assert "General" not in str(event["summary"])

    assert client.get("/t/a/" + "x" * 22).status_code == 404
