"""The staff pages in German or English, in a real browser: the switch on the sign-in page
and in the desk's top bar (by keyboard), the desk's own words and times in English, the
choice kept on the account across signing out and another browser."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import run_live_server
from tests.e2e.appointments_setup import book_first_free, bookable_session_today
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

LOCATION = "leverkusen"  # appointments_setup's too
SHOTS = os.environ.get("SERVICEPOINT_SCREENSHOTS")  # a folder to keep screenshots in


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"staff-language-{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """The demo, where check-in opens an hour early (the next free slot may be that far)."""
    with run_live_server(
        tmp_path_factory.mktemp("live"), settings={"APPOINTMENT_CHECKIN_EARLY_MINUTES": "60"}
    ) as server:
        yield server


def test_the_desk_in_english_is_kept_on_the_account(browser, live_server):
    url = live_server.url
    drawn = live_server.signed_in("beratung1").post(
        f"{url}/api/v1/locations/{LOCATION}/tickets", json={"topic": "residence"}, timeout=10
    )
    assert drawn.status_code == 201, drawn.text
    code = drawn.json()["code"]
    errors: list[str] = []

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        # The sign-in page speaks the browser's German; English is chosen by keyboard.
        page.goto(f"{url}/staff/")
        expect(page.locator("h1")).to_have_text("Anmeldung für Mitarbeitende")
        expect(page.locator("html")).to_have_attribute("lang", "de")
        english = page.get_by_test_id("language-en")
        expect(english).to_have_attribute("lang", "en")
        expect(page.get_by_test_id("language-de")).to_have_attribute("aria-current", "true")
        english.focus()
        page.keyboard.press("Enter")
        expect(page.locator("h1")).to_have_text("Staff sign-in")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(english).to_have_attribute("aria-current", "true")
        # The page's own check speaks English too.
        page.get_by_test_id("login-submit").click()
        expect(page.get_by_test_id("message")).to_contain_text(
            "Please enter your user name and password."
        )
        shot(page, "signin-en")

        # Signed in with no choice of their own: this browser's English holds.
        sign_in(page, live_server, "beratung1")
        expect(page.get_by_test_id("sign-out")).to_have_text("Sign out")
        expect(page.get_by_test_id("call-next")).to_have_text("Call the next person")
        page.get_by_test_id("select-location").select_option(LOCATION)
        expect(page.get_by_test_id("waiting-" + code)).to_contain_text("waiting")
        expect(page.get_by_test_id("connection")).to_have_text("Live")
        expect(page.get_by_test_id("call-next-hint")).to_have_text("Please choose your desk first.")
        expect(page.locator("#appointments-heading")).to_contain_text("Today")
        shot(page, "desk-en")

        # Chosen in the top bar (the language shown, so far this browser's only): kept on
        # the account.
        with page.expect_navigation():
            page.get_by_test_id("language-en").click()
        expect(page.get_by_test_id("call-next")).to_have_text("Call the next person")
        page.get_by_test_id("sign-out").click()
        expect(page.locator("h1")).to_have_text("Staff sign-in")
        context.close()

        # Another browser, asking for German: the account's English wins.
        other = browser.new_context(viewport={"width": 390, "height": 844})
        phone = other.new_page()
        phone.on("pageerror", lambda error: errors.append(str(error)))
        phone.goto(f"{url}/staff/")
        expect(phone.locator("h1")).to_have_text("Anmeldung für Mitarbeitende")
        shot(phone, "signin-de-phone")
        sign_in(phone, live_server, "beratung1")
        expect(phone.locator("html")).to_have_attribute("lang", "en")
        expect(phone.get_by_test_id("call-next")).to_have_text("Call the next person")
        shot(phone, "desk-en-phone")

        # Back to German from the top bar.
        phone.get_by_test_id("language-de").click()
        expect(phone.get_by_test_id("call-next")).to_have_text("Nächste Person aufrufen")
        expect(phone.locator("html")).to_have_attribute("lang", "de")
        shot(phone, "desk-de-phone")
        other.close()
    finally:
        live_server.signed_in("beratung1").patch(
            f"{url}/api/v1/me", json={"language": "de"}, timeout=10
        )
    assert errors == []


def test_appointments_and_cards_at_the_desk_in_english(browser, live_server):
    bookable_session_today(live_server)
    booked = book_first_free(live_server, "beratung2")
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, "beratung2")  # this browser asks for English; no choice yet
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_test_id("select-location").select_option(LOCATION)
    page.get_by_test_id("select-desk").select_option(label="Raum 3")
    expect(page.get_by_test_id("seat-text")).to_have_text(re.compile(r"^You are at Raum 3"))

    row = page.get_by_test_id(f"appointment-{booked['code']}")
    expect(row).to_contain_text("booked")
    page.get_by_test_id(f"check-in-{booked['code']}").click()
    expect(page.get_by_test_id("arrivals")).to_contain_text(
        re.compile(r"Your \d\d:\d\d appointment is here \(T\d{3}\)")
    )
    ticket = page.get_by_test_id("arrivals").inner_text().split("(")[1][:4]
    expect(row.get_by_test_id("appointment-state")).to_have_text(f"checked in ({ticket})")
    page.get_by_test_id(f"waiting-{ticket}").get_by_role("button", name=f"Call {ticket}").click()
    expect(page.get_by_test_id("status")).to_have_text(f"{ticket} has been called to Raum 3.")
    expect(page.get_by_test_id("current-ticket")).to_contain_text("Called")
    page.get_by_test_id("action-start").click()
    expect(page.get_by_test_id("current-ticket")).to_contain_text("In counselling")

    page.get_by_test_id("follow-up").click()
    dialog = page.get_by_test_id("follow-up-dialog")
    expect(dialog.locator("h2")).to_have_text("Book a follow-up appointment")
    expect(dialog).to_contain_text(f"For {ticket} (")
    expect(page.get_by_test_id("follow-up-slots-status")).to_contain_text("free time")
    # The day's heading in English (en-GB: "Friday 4 December"), today marked.
    expect(dialog.locator(".slot-day h3").first).to_have_text(
        re.compile(r"^[A-Z][a-z]+day \d{1,2} [A-Z][a-z]+")
    )
    shot(page, "follow-up-en")
    dialog.get_by_test_id("slot").first.click()
    expect(page.get_by_test_id("follow-up-done")).to_contain_text("Booked:")
    page.get_by_test_id("print-slip").click()
    expect(page.get_by_test_id("follow-up-done").get_by_test_id("print-pdf")).to_have_text(
        "Open as PDF"
    )
    page.get_by_test_id("follow-up-close").click()

    page.get_by_test_id("open-cards").click()
    expect(page.get_by_test_id("card-dialog").locator("h2")).to_have_text("Client cards")
    page.get_by_test_id("card-new").click()
    expect(page.get_by_test_id("status")).to_contain_text("New client card")
    page.get_by_test_id("card-hand").click()
    expect(page.get_by_test_id("card-hand-status")).to_have_text(
        "Please type or scan the card number."
    )
    shot(page, "cards-en")
    assert errors == []
    context.close()
