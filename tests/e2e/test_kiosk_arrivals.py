"""Visitors who come with an appointment or a client card, at the kiosk in a real browser:
the slip's code on the keypad or its QR scanned (a scanner types the link and Enter, even
on the start screen), a wrong code refused with the digits kept, a late arrival told what
happens now, a card leading to its counselor's topics, and a card whose counselor has no
session today offering a colleague now or booking their next free time. The sessions and
appointments are made relative to the real time of the run (a one-day session around now),
through the staff API; the phone then shows the appointment's time.

Screenshots (German and Arabic) go to ``SERVICEPOINT_SCREENSHOTS`` when it names a folder."""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import run_live_server
from tests.e2e.arrivals import (
    BERLIN,
    LOCATION,
    add_session,
    book,
    counselor_with_session,
    hhmm,
    make_card,
    move_start,
    now,
    scan,
    staff_id,
)

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("SERVICEPOINT_SCREENSHOTS")


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"arrivals-{name}.png"), full_page=True)


def isolated(name: str) -> str:
    """A name in a sentence on the kiosk: isolated from the sentence's direction (FSI … PDI),
    so a Latin name in Arabic keeps its colon and full stop in place."""
    return f"\u2068{name}\u2069"


@pytest.fixture(scope="module")
def counselor(live_server) -> int:
    """beratung1 holds a session on first orientation from an hour ago for three hours."""
    return counselor_with_session(live_server)


def kiosk(browser, live_server, language: str = "de") -> Page:
    page = browser.new_page(viewport={"width": 1080, "height": 1920})
    page.goto(f"{live_server.url}/kiosk/{LOCATION}")
    expect(page.get_by_test_id("have-appointment")).to_be_visible()
    if language != "de":
        page.get_by_test_id(f"lang-{language}").click()
        expect(page.locator("html")).to_have_attribute("lang", language)
    return page


def type_on_keypad(page: Page, digits: str) -> None:
    for digit in digits:
        page.get_by_test_id(f"key-{digit}").click()


def test_the_code_on_the_keypad_checks_in_and_the_phone_shows_the_time(
    browser, live_server, counselor
):
    appointment = book(live_server, counselor, 10)
    page = kiosk(browser, live_server)
    shot(page, "start-de")
    page.get_by_test_id("have-appointment").click()
    expect(page.locator("#appointment")).to_be_visible()
    type_on_keypad(page, appointment["code"])
    expect(page.get_by_test_id("appointment-code")).to_have_text(appointment["code"])
    shot(page, "keypad-de")
    page.get_by_test_id("appointment-ok").click()

    expect(page.get_by_test_id("ticket-code")).to_have_text("T001")
    time = hhmm(datetime.fromisoformat(appointment["start"]).astimezone(BERLIN))
    expect(page.get_by_test_id("ticket-appointment")).to_have_text(f"Ihr Termin um {time} Uhr")
    expect(page.get_by_test_id("ticket-qr")).to_have_attribute("src", re.compile("."))
    shot(page, "ticket-de")

    # The phone: the appointment's time, not a wait.
    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.goto(page.get_by_test_id("ticket-status-url").inner_text().strip() + "?lang=en")
    expect(phone.get_by_test_id("status-code")).to_have_text("T001")
    expect(phone.get_by_test_id("status-appointment")).to_have_text(f"Your appointment: {time}")
    expect(phone.get_by_test_id("status-wait")).to_be_hidden()
    phone.goto(phone.url.replace("lang=en", "lang=ar"))
    expect(phone.get_by_test_id("status-appointment")).to_contain_text(time)
    expect(phone.get_by_test_id("status-appointment")).to_contain_text("موعدك")
    phone.close()
    page.close()


def test_a_scanned_slip_on_the_start_screen_checks_in(browser, live_server, counselor):
    appointment = book(live_server, counselor, 20)
    page = kiosk(browser, live_server, "ar")
    # A USB scanner types the slip's link quickly, then Enter; no field has the focus.
    scan(page, f"https://termin.example.de/t/a/{appointment['token']}")
    expect(page.get_by_test_id("ticket-code")).to_have_text(re.compile(r"^T\d{3}$"))
    expect(page.get_by_test_id("ticket-appointment")).to_contain_text("موعدك الساعة")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    shot(page, "ticket-ar")
    page.close()


def test_a_wrong_code_is_refused_and_the_digits_stay(browser, live_server, counselor):
    appointment = book(live_server, counselor, 30)
    wrong = "000000" if appointment["code"] != "000000" else "111111"
    page = kiosk(browser, live_server, "en")
    page.get_by_test_id("have-appointment").click()
    type_on_keypad(page, wrong)
    page.get_by_test_id("appointment-ok").click()
    error = page.get_by_test_id("appointment-error")
    expect(error).to_contain_text("There is no appointment with this code")
    expect(page.get_by_test_id("appointment-code")).to_have_text(wrong)
    expect(page.locator("#ticket")).to_be_hidden()
    shot(page, "refused-en")

    # The visitor corrects the last digit by keyboard: delete, type, Enter.
    page.keyboard.press("Backspace")
    expect(page.get_by_test_id("appointment-code")).to_have_text(wrong[:-1])
    expect(error).to_be_hidden()
    page.get_by_test_id("key-delete").click()
    page.keyboard.type(appointment["code"][-2:])
    expect(page.get_by_test_id("appointment-code")).to_have_text(
        wrong[:-2] + appointment["code"][-2:]
    )
    page.get_by_test_id("appointment-back").click()
    expect(page.get_by_test_id("have-appointment")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "de")  # the next visitor's
    page.close()


def test_a_late_arrival_is_told_what_happens_now(browser, live_server, counselor):
    appointment = book(live_server, counselor, 40)
    move_start(live_server, appointment["id"], 65)  # it began about 25 minutes ago
    page = kiosk(browser, live_server, "en")
    page.get_by_test_id("have-appointment").click()
    page.keyboard.type(appointment["code"])
    page.keyboard.press("Enter")
    line = page.get_by_test_id("ticket-appointment")
    expect(line).to_contain_text("You are late for your")
    expect(line).to_contain_text("your counselor will call you as soon as possible")
    expect(page.get_by_test_id("ticket-code")).to_have_text(re.compile(r"^A\d{3}$"))
    page.close()


def test_a_card_leads_to_its_counselors_topics_and_a_ticket(browser, live_server, counselor):
    card = make_card(live_server, "beratung1")
    page = kiosk(browser, live_server)
    page.get_by_test_id("have-card").click()
    expect(page.locator("#card")).to_be_visible()
    for char in card[:4]:
        page.get_by_test_id(f"card-key-{char}").click()
    page.keyboard.type(card[4:].lower())  # a keyboard's small letters count as capitals
    expect(page.get_by_test_id("card-code")).to_have_text(card)
    shot(page, "card-de")
    page.get_by_test_id("card-ok").click()

    expect(page.get_by_test_id("card-counselor")).to_have_text(
        f"Ihre Beratung: {isolated('Beratung 1 (Diakonie)')}"
    )
    expect(page.get_by_test_id("choice-topic-orientation")).to_be_visible()
    expect(page.get_by_test_id("card-colleague")).to_be_hidden()
    shot(page, "card-topics-de")
    page.get_by_test_id("choice-topic-orientation").click()
    expect(page.get_by_test_id("ticket-code")).to_have_text(re.compile(r"^A\d{3}$"))
    expect(page.get_by_test_id("ticket-appointment")).to_have_text(
        f"Ihre Beratung: {isolated('Beratung 1 (Diakonie)')}"
    )
    page.close()


@pytest.fixture(scope="module")
def job_service_tomorrow(live_server) -> None:
    """The job service holds a session on work tomorrow from 10:00, none today."""
    job_service = staff_id(live_server, "jobservice")
    tomorrow = now().date() + timedelta(days=1)
    add_session(live_server, ["work"], [job_service], "10:00", "12:00", day=tomorrow)


def test_a_code_typed_with_a_pause_is_the_keypads_not_a_refused_scan(
    browser, live_server, counselor
):
    """The keys after a pause look like a scan to the kiosk; as they end the code the keypad
    holds whole, the keypad's OK takes it."""
    card = make_card(live_server, "beratung1")
    page = kiosk(browser, live_server, "en")
    page.get_by_test_id("have-card").click()
    page.keyboard.type(card[0])
    expect(page.get_by_test_id("card-code")).to_have_text(card[0])
    page.wait_for_timeout(400)  # longer than a scanner's keys are apart
    scan(page, card[1:])
    expect(page.get_by_test_id("card-counselor")).to_contain_text("Beratung 1 (Diakonie)")
    expect(page.get_by_test_id("card-error")).to_be_hidden()
    page.close()


def test_a_card_scanned_after_keys_typed_on_its_keypad_takes_their_place(
    browser, live_server, counselor
):
    card = make_card(live_server, "beratung1")
    page = kiosk(browser, live_server, "en")
    page.get_by_test_id("have-card").click()
    page.get_by_test_id("card-key-7").click()  # a start, then the card is held to the scanner
    scan(page, card)
    expect(page.get_by_test_id("card-counselor")).to_contain_text("Beratung 1 (Diakonie)")
    page.close()


def test_a_foreign_barcode_on_the_card_keypad_is_refused_and_taken_back(
    browser, live_server, counselor
):
    page = kiosk(browser, live_server, "en")
    page.get_by_test_id("have-card").click()
    page.get_by_test_id("card-key-7").click()
    scan(page, "4006381333931")  # a product's barcode: its digits also reached the keypad
    expect(page.get_by_test_id("card-error")).to_contain_text("This code does not work here")
    expect(page.get_by_test_id("card-code")).to_have_text("7")  # as before the scan
    expect(page.locator("#choice")).to_be_hidden()
    page.close()


def test_a_card_without_a_session_today_offers_a_colleague_now(
    browser, live_server, counselor, job_service_tomorrow
):
    card = make_card(live_server, "jobservice")
    page = kiosk(browser, live_server, "ar")
    scan(page, card)  # on the start screen: the card's code, then Enter
    expect(page.get_by_test_id("card-message")).to_contain_text("Job Service")
    expect(page.get_by_test_id("card-message")).to_contain_text("ليس لدى")
    expect(page.get_by_test_id("card-next")).to_contain_text("10:00")
    expect(page.get_by_test_id("card-book")).to_contain_text("10:00")  # or book that time
    expect(page.get_by_test_id("choice-topics")).to_be_hidden()
    shot(page, "card-not-today-ar")
    page.get_by_test_id("card-colleague").click()
    expect(page.get_by_test_id("card-counselor")).to_have_text("سيساعدك زميل")
    expect(page.get_by_test_id("choice-topic-work")).to_have_count(0)  # closed until tomorrow
    page.get_by_test_id("choice-topic-language").click()
    expect(page.get_by_test_id("ticket-code")).to_have_text(re.compile(r"^B\d{3}$"))
    expect(page.get_by_test_id("ticket-appointment")).to_be_hidden()
    page.close()


def test_a_cards_next_session_is_named_in_pashto_though_the_browser_has_no_pashto_dates(
    browser, live_server, counselor, job_service_tomorrow
):
    """Chromium has no Pashto dates: the next session's day comes from the catalog's own
    weekday and month names, never the browser's German or English."""
    from servicepoint import i18n

    own = i18n.catalog().own("ps")
    tomorrow = now().date() + timedelta(days=1)
    weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[tomorrow.weekday()]
    card = make_card(live_server, "jobservice")
    page = kiosk(browser, live_server, "ps")
    page.get_by_test_id("have-card").click()
    page.keyboard.type(card)
    page.keyboard.press("Enter")
    next_time = page.get_by_test_id("card-next")
    expect(next_time).to_contain_text(own[f"lobby.weekday_{weekday}"])
    expect(next_time).to_contain_text(own[f"lobby.month_{tomorrow.month}"])
    expect(next_time).to_contain_text("10:00")
    shot(page, "card-not-today-ps")
    page.close()


def test_a_card_books_its_counselors_next_free_time(browser, live_server, job_service_tomorrow):
    card = make_card(live_server, "jobservice")
    page = kiosk(browser, live_server, "en")
    page.get_by_test_id("have-card").click()
    page.keyboard.type(card)
    page.keyboard.press("Enter")
    book = page.get_by_test_id("card-book")
    expect(book).to_have_text(
        re.compile(rf"^Book an appointment with {isolated('Job Service')}: .*10:00$")
    )
    book.click()
    expect(page.get_by_test_id("booked-when")).to_contain_text(f"With {isolated('Job Service')}:")
    expect(page.get_by_test_id("booked-code")).to_have_text(re.compile(r"^\d{6}$"))
    expect(page.get_by_test_id("booked-note")).to_contain_text("Please note the code")
    shot(page, "card-booked-en")
    code = page.get_by_test_id("booked-code").inner_text()

    tomorrow = (now().date() + timedelta(days=1)).isoformat()
    listed = live_server.signed_in("jobservice").get(
        f"{live_server.url}/api/v1/locations/{LOCATION}/appointments?date={tomorrow}", timeout=10
    )
    (booked,) = [a for a in listed.json()["appointments"] if a["code"] == code]
    assert booked["staff"]["display_name"] == "Job Service" and booked["topic"] == "work"
    assert booked["start"].startswith(f"{tomorrow}T10:00")
    page.get_by_test_id("booked-done").click()
    expect(page.get_by_test_id("have-card")).to_be_visible()
    page.close()


def test_a_keypad_left_alone_goes_back_to_the_start_and_forgets(browser, tmp_path):
    # Keypads wait three times the ticket screen's time: 6 s here.
    with run_live_server(tmp_path, settings={"KIOSK_TICKET_SECONDS": "2"}) as server:
        page = kiosk(browser, server, "en")
        page.get_by_test_id("have-appointment").click()
        type_on_keypad(page, "12")
        expect(page.get_by_test_id("appointment-code")).to_have_text("12")
        expect(page.get_by_test_id("have-appointment")).to_be_visible(timeout=20000)
        expect(page.locator("html")).to_have_attribute("lang", "de")  # the next visitor's
        expect(page.get_by_test_id("appointment-code")).to_have_text("")  # nothing kept
        page.close()
