"""Appointments and client cards end to end in a real browser, kiosk → counselor → lobby →
phone: a card's ticket reaches its counselor before an earlier walk-in; a late arrival is
told so at the kiosk and is still called first by their counselor; a missed appointment
(its session over, the job run) is marked ``no_show`` and the kiosk says so when the visitor
comes after all. Sessions and appointments are made relative to the real time of the run."""

from __future__ import annotations

import io
import os
import re
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from servicepoint.models import Appointment
from tests import live_clock
from tests.e2e.arrivals import (
    LOCATION,
    book,
    counselor_with_session,
    make_card,
    move_start,
    now,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def counselor(live_server) -> int:
    return counselor_with_session(live_server)


@pytest.fixture(scope="module")
def screens(browser, live_server):
    """The lobby screen, and beratung1 at Raum 2 on the desk page."""
    lobby = browser.new_page(viewport={"width": 1920, "height": 1080})
    lobby.goto(f"{live_server.url}/display/{LOCATION}")
    expect(lobby.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected")
    desk = browser.new_page(viewport={"width": 1200, "height": 900})
    desk.goto(f"{live_server.url}/staff/")
    desk.get_by_test_id("login-username").fill("beratung1")
    desk.get_by_test_id("login-password").fill(live_server.logins()["beratung1"])
    desk.get_by_test_id("login-submit").click()
    desk.get_by_test_id("select-location").select_option(LOCATION)
    desk.get_by_test_id("select-desk").select_option(label="Raum 2")
    yield lobby, desk
    lobby.close()
    desk.close()


def walk_in(live_server) -> str:
    """Someone draws a first-orientation ticket (before the visitor of the test)."""
    drawn = requests.post(
        f"{live_server.url}/api/v1/locations/{LOCATION}/tickets",
        json={"topic": "orientation"},
        timeout=10,
    )
    assert drawn.status_code == 201, drawn.text
    return drawn.json()["code"]


def to_yesterday(live_server, appointment_id: int) -> None:
    """The appointment was yesterday (booking refuses the past), written into the live
    server's database."""
    engine = create_engine(f"sqlite:///{Path(live_server.instance) / 'servicepoint.sqlite3'}")
    try:
        with Session(engine) as session:
            appointment = session.get(Appointment, appointment_id)
            assert appointment is not None
            appointment.start -= timedelta(days=1)
            appointment.day -= timedelta(days=1)
            session.commit()
    finally:
        engine.dispose()


def kiosk(browser, live_server) -> Page:
    page = browser.new_page(viewport={"width": 1080, "height": 1920})
    page.goto(f"{live_server.url}/kiosk/{LOCATION}")
    expect(page.get_by_test_id("have-appointment")).to_be_visible()
    page.get_by_test_id("lang-en").click()
    return page


def phone_of(browser, kiosk_page: Page) -> Page:
    """The visitor scans the ticket's QR code on the kiosk screen with their phone."""
    kiosk_page.wait_for_function(
        "() => { const i = document.querySelector('[data-testid=ticket-qr]');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    shot = kiosk_page.get_by_test_id("ticket-qr").screenshot()
    (found,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))
    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.goto(found.text)
    return phone


def call_and_see(desk: Page, lobby: Page, phone: Page, code: str) -> None:
    """The counselor calls the next; it is ``code``: on the desk, the lobby and the phone."""
    desk.get_by_test_id("call-next").click()
    expect(desk.get_by_test_id("current-ticket")).to_contain_text(code)
    call = lobby.get_by_test_id(f"call-{code}")
    expect(call).to_contain_text("Raum 2")
    expect(phone.get_by_test_id("status-state")).to_have_attribute("data-state", "called")
    # The room in the phone's language where it has a name in it, its German name too.
    expect(phone.locator(".call")).to_contain_text("Raum 2")
    desk.get_by_test_id("action-start").click()
    desk.get_by_test_id("action-finish").click()
    expect(phone.get_by_test_id("status-state")).to_have_attribute("data-state", "done")


def test_a_card_brings_its_client_to_their_counselor_before_an_earlier_walk_in(
    browser, live_server, counselor, screens
):
    lobby, desk = screens
    earlier = walk_in(live_server)
    card = make_card(live_server, "beratung1")
    page = kiosk(browser, live_server)
    page.get_by_test_id("have-card").click()
    page.keyboard.type(card.lower())
    page.get_by_test_id("card-ok").click()
    page.get_by_test_id("choice-topic-orientation").click()
    code_box = page.get_by_test_id("ticket-code")
    expect(code_box).to_have_text(re.compile(r"^A\d{3}$"))
    code = code_box.inner_text().strip()
    assert code != earlier
    phone = phone_of(browser, page)
    expect(phone.get_by_test_id("status-code")).to_have_text(code)
    expect(desk.get_by_test_id(f"waiting-{code}")).to_be_visible()
    call_and_see(desk, lobby, phone, code)
    for opened in (page, phone):
        opened.close()


def test_a_late_arrival_is_told_and_still_called_first_by_their_counselor(
    browser, live_server, counselor, screens
):
    lobby, desk = screens
    appointment = book(live_server, counselor, 40)
    move_start(live_server, appointment["id"], 65)  # it began about 25 minutes ago
    earlier = walk_in(live_server)
    page = kiosk(browser, live_server)
    page.get_by_test_id("have-appointment").click()
    page.keyboard.type(appointment["code"])
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("ticket-appointment")).to_contain_text("You are late for your")
    code_box = page.get_by_test_id("ticket-code")
    expect(code_box).to_have_text(re.compile(r"^A\d{3}$"))  # a walk-in's number now
    code = code_box.inner_text().strip()
    phone = phone_of(browser, page)
    expect(phone.get_by_test_id("status-code")).to_have_text(code)
    call_and_see(desk, lobby, phone, code)
    listed = live_server.signed_in("beratung1").get(
        f"{live_server.url}/api/v1/locations/{LOCATION}/appointments", timeout=10
    )
    state = next(a["state"] for a in listed.json()["appointments"] if a["id"] == appointment["id"])
    assert state == "late"  # its outcome: late, not a no-show
    # The walk-in drawn before is still there for whoever calls next.
    expect(desk.get_by_test_id(f"waiting-{earlier}")).to_be_visible()
    for opened in (page, phone):
        opened.close()


def test_a_missed_appointment_becomes_a_no_show_and_the_kiosk_says_so(
    browser, live_server, counselor
):
    appointment = book(live_server, counselor, 30)
    to_yesterday(live_server, appointment["id"])  # its session is long over
    env = {**os.environ, "SERVICEPOINT_INSTANCE_PATH": str(live_server.instance)}
    env.pop("SERVICEPOINT_DATABASE_URL", None)
    ran = subprocess.run(
        live_clock.command("jobs", "run", "no-shows"),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "no-shows: 1" in ran.stdout + ran.stderr, ran.stdout + ran.stderr
    yesterday = (now() - timedelta(days=1)).date().isoformat()
    listed = live_server.signed_in("beratung1").get(
        f"{live_server.url}/api/v1/locations/{LOCATION}/appointments?date={yesterday}",
        timeout=10,
    )
    missed = next(a for a in listed.json()["appointments"] if a["id"] == appointment["id"])
    assert missed["state"] == "no_show"
    page = kiosk(browser, live_server)
    page.get_by_test_id("have-appointment").click()
    page.keyboard.type(appointment["code"])
    page.keyboard.press("Enter")
    expect(page.locator("#appointment")).to_contain_text("was missed")
    page.close()
