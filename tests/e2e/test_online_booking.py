"""Online booking in a real browser against a live server that mails through a real SMTP
server on 127.0.0.1: a visitor books a slot on the phone-sized page with an email address,
sees the 6-digit code, confirms by the mailed link and cancels after a confirm step; the
page in Arabic is right to left."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests import live_clock
from tests.conftest import LiveServer, free_port, run_live_server
from tests.smtp_server import SmtpServer, running_smtp_server

pytestmark = pytest.mark.e2e

LOCATION = "leverkusen"
TOPIC = "childcare"
SHOTS = os.environ.get("SERVICEPOINT_SCREENSHOTS")  # a folder to keep screenshots in


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"booking-{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    with running_smtp_server() as server:
        yield server


@pytest.fixture(scope="module")
def server(tmp_path_factory, smtp) -> Iterator[LiveServer]:
    port = free_port()
    settings = {
        "SMTP_HOST": smtp.host,
        "SMTP_PORT": str(smtp.port),
        "SMTP_FROM": "termine@example.org",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    with run_live_server(tmp_path_factory.mktemp("booking"), port=port, settings=settings) as live:
        yield live


@pytest.fixture(scope="module")
def topic(server) -> dict:
    """The demo's childcare topic opened to online booking, with a session tomorrow from
    10:00 to 12:00 whose time is all bookable (four 30-minute slots)."""
    manager = server.signed_in("leitung")
    url = f"{server.url}/api/v1/locations/{LOCATION}"
    opened = manager.patch(f"{url}/topics/{TOPIC}", json={"online_booking": True}, timeout=10)
    assert opened.status_code == 200, opened.text
    day = (live_clock.now().date() + timedelta(days=1)).isoformat()
    made = manager.post(
        f"{url}/sessions",
        json={
            "start": "10:00",
            "end": "12:00",
            "topics": [TOPIC],
            "valid_from": day,
            "valid_to": day,
            "slot_minutes": 30,
            "bookable_share": 100,
        },
        timeout=10,
    )
    assert made.status_code == 201, made.text
    return opened.json()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    page = context.new_page()
    yield page
    context.close()


def test_a_visitor_books_confirms_by_mail_and_cancels(phone, server, topic, smtp):
    phone.goto(f"{server.url}/t/book/{LOCATION}?lang=de")
    phone.get_by_test_id(f"booking-topic-{topic['id']}").click()
    days = phone.get_by_test_id("booking-days").get_by_role("button")
    expect(days.first).to_be_visible()
    days.first.click()
    phone.get_by_test_id("booking-time-10:30").click()
    expect(phone.get_by_test_id("booking-held")).to_contain_text("10:30")
    expect(phone.get_by_test_id("booking-held")).to_be_focused()
    shot(phone, "held-de")
    phone.get_by_label("E-Mail-Adresse (freiwillig)").fill("besuch@example.org")
    phone.get_by_test_id("booking-submit").click()

    expect(phone).to_have_url(re.compile(r"/t/a/[A-Za-z0-9_-]{16,32}\?lang=de$"))
    code = phone.get_by_test_id("appointment-code")
    expect(code).to_have_text(re.compile(r"^[0-9]{6}$"))
    expect(phone.get_by_test_id("appointment-time")).to_contain_text("10:30–11:00")
    expect(phone.get_by_test_id("appointment-notice")).to_contain_text("bestätigen")
    expect(phone.get_by_test_id("appointment-qr")).to_be_visible()
    shot(phone, "appointment-de")

    (mail,) = smtp.inbox.wait_for(1, timeout=30)
    assert mail["To"] == "besuch@example.org"
    body = mail.get_content()
    assert code.inner_text() in body
    for name in topic["names"].values():
        assert name.lower() not in mail["Subject"].lower()
    confirm = re.search(r"http://127\.0\.0\.1:\d+/t/a/\S+\?confirm=\S+", body)
    assert confirm, body
    phone.goto(confirm.group(0))
    expect(phone.get_by_test_id("appointment-notice")).to_have_text(
        "Danke, Ihr Termin ist bestätigt."
    )
    expect(phone).not_to_have_url(re.compile("confirm="))  # the secret leaves the address bar

    phone.get_by_test_id("appointment-cancel").click()
    expect(phone.get_by_test_id("appointment-cancel-confirm")).to_be_visible()
    phone.get_by_test_id("appointment-cancel-confirm").click()
    expect(phone.get_by_test_id("appointment-state")).to_have_attribute("data-state", "cancelled")
    expect(phone.get_by_test_id("appointment-cancel")).to_be_hidden()

    # The slot is free again.
    phone.goto(f"{server.url}/t/book/{LOCATION}?lang=ar")
    expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    phone.get_by_test_id(f"booking-topic-{topic['id']}").click()
    phone.get_by_test_id("booking-days").get_by_role("button").first.click()
    expect(phone.get_by_test_id("booking-time-10:30")).to_be_visible()
    shot(phone, "times-ar")


def test_a_visitor_books_without_an_address(phone, server, topic):
    phone.goto(f"{server.url}/t/book/{LOCATION}?lang=en")
    phone.get_by_test_id(f"booking-topic-{topic['id']}").click()
    phone.get_by_test_id("booking-days").get_by_role("button").first.click()
    phone.get_by_test_id("booking-time-11:00").click()
    phone.get_by_test_id("booking-submit").click()
    expect(phone.get_by_test_id("appointment-code")).to_have_text(re.compile(r"^[0-9]{6}$"))
    expect(phone.get_by_test_id("appointment-state")).to_have_text("Your appointment is booked.")
    expect(phone.get_by_test_id("appointment-notice")).to_be_hidden()
    # Someone else no longer sees 11:00.
    phone.goto(f"{server.url}/t/book/{LOCATION}?lang=en")
    phone.get_by_test_id(f"booking-topic-{topic['id']}").click()
    phone.get_by_test_id("booking-days").get_by_role("button").first.click()
    expect(phone.get_by_test_id("booking-time-10:00")).to_be_visible()
    expect(phone.get_by_test_id("booking-time-11:00")).to_have_count(0)


@pytest.mark.parametrize("code", ["ps", "ar"])
def test_the_booking_and_appointment_pages_read_right_to_left_in_pashto_and_arabic(
    phone, server, topic, code
):
    """Every word on the way is the language's own (none falls back to English or German),
    the page runs right to left, and the code, date and time are written in Latin digits."""
    from servicepoint import i18n

    own = i18n.catalog().own(code)
    phone.goto(f"{server.url}/t/book/{LOCATION}?lang={code}")
    expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    expect(phone.locator("h1")).to_have_text(own["booking.title"])
    phone.get_by_test_id(f"booking-topic-{topic['id']}").click()
    days = phone.get_by_test_id("booking-days").get_by_role("button")
    expect(days.first).to_be_visible()
    day = days.first.inner_text()
    assert re.search(r"[0-9]", day) and not re.search(r"[A-Za-z]", day), (
        day
    )  # no German, no English
    if code == "ps":  # Chromium has no Pashto dates: the catalog's day names
        assert any(
            own[f"lobby.weekday_{d}"] in day
            for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        ), day
    shot(phone, f"days-{code}")
    days.first.click()
    slot = "11:30" if code == "ps" else "10:00"
    phone.get_by_test_id(f"booking-time-{slot}").click()
    held = phone.get_by_test_id("booking-held")
    expect(held).to_contain_text(slot)
    assert not re.search(r"[٠-٩۰-۹]", held.inner_text()), held.inner_text()
    expect(phone.get_by_test_id("booking-submit")).to_have_text(own["booking.book"])
    shot(phone, f"held-{code}")
    phone.get_by_test_id("booking-submit").click()

    expect(phone).to_have_url(re.compile(rf"/t/a/[A-Za-z0-9_-]{{16,32}}\?lang={code}$"))
    expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    expect(phone.get_by_test_id("appointment-code")).to_have_text(re.compile(r"^[0-9]{6}$"))
    expect(phone.get_by_test_id("appointment-state")).to_have_text(own["booking.state_booked"])
    expect(phone.get_by_test_id("appointment-cancel")).to_have_text(own["booking.cancel"])
    shot(phone, f"appointment-{code}")
