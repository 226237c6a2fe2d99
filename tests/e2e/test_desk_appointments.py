"""The counselor's appointments at the desk, in a real browser: today's list shows a booked
appointment; checking it in from the list puts its ticket in the queue and the counselor
hears that their visitor is here; a follow-up booked in two taps appears in the list; a
client card made shows its code; printing where no printer is says so and offers the PDF."""

from __future__ import annotations

import os
import re
import sqlite3

import pytest
from playwright.sync_api import expect

from tests.conftest import run_live_server
from tests.e2e.appointments_setup import LOCATION, book_first_free, bookable_session_today
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

SHOTS = os.environ.get("SERVICEPOINT_SCREENSHOTS")


def shot(page, tmp_path, name: str) -> None:
    page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"desk-{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """The demo on a live server where check-in opens an hour early: the test's next free
    slot may lie more than the usual half hour ahead."""
    with run_live_server(
        tmp_path_factory.mktemp("live"), settings={"APPOINTMENT_CHECKIN_EARLY_MINUTES": "60"}
    ) as server:
        yield server


@pytest.fixture(scope="module")
def booked(live_server):
    bookable_session_today(live_server)
    return book_first_free(live_server, "beratung1")


def test_check_in_from_the_day_list_and_a_follow_up_in_two_taps(
    browser, live_server, booked, tmp_path
):
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # The browser logs the slip's refusal (no printer here: 409): the page says it; anything
    # else logged is a fault.
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "409" not in m.text else None,
    )
    sign_in(page, live_server, "beratung1")
    page.get_by_test_id("select-location").select_option(LOCATION)
    page.get_by_test_id("select-desk").select_option(label="Raum 1")

    # The day list shows the appointment, booked, with its time and counselor.
    row = page.get_by_test_id(f"appointment-{booked['code']}")
    expect(row).to_contain_text("gebucht")
    expect(row).to_contain_text("Beratung 1 (Diakonie)")
    expect(row).to_contain_text("Aufenthalt")
    shot(page, tmp_path, "day-list")

    # Checked in from the list: T001 waits in the queue, the counselor hears "ist da".
    page.get_by_test_id(f"check-in-{booked['code']}").click()
    expect(page.get_by_test_id("waiting-T001")).to_be_visible()
    arrivals = page.get_by_test_id("arrivals")
    expect(arrivals).to_have_attribute("role", "status")
    expect(arrivals).to_contain_text(re.compile(r"Ihr \d\d:\d\d-Termin ist da \(T001\)"))
    expect(row.get_by_test_id("appointment-state")).to_have_text("angemeldet (T001)")
    # The queue says why T001 stands there (its appointment, now or soon).
    expect(page.get_by_test_id("waiting-T001")).to_contain_text("Termin")
    shot(page, tmp_path, "checked-in")

    # Called and served; a follow-up for them in two taps: "Folgetermin", then a slot.
    page.get_by_test_id("waiting-T001").get_by_role("button", name="T001 aufrufen").click()
    expect(page.get_by_test_id("current-ticket")).to_contain_text("T001")
    page.get_by_test_id("action-start").click()
    page.get_by_test_id("follow-up").click()
    dialog = page.get_by_test_id("follow-up-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Für T001 (Aufenthalt).")
    expect(page.get_by_test_id("follow-up-topic")).to_have_value("residence")
    expect(page.get_by_test_id("follow-up-tab-me")).to_have_attribute("aria-selected", "true")
    first_slot = dialog.get_by_test_id("slot").first
    expect(first_slot).to_be_visible()
    shot(page, tmp_path, "follow-up-dialog")
    first_slot.click()
    expect(page.get_by_test_id("follow-up-done")).to_be_visible()
    code = page.get_by_test_id("follow-up-code").inner_text().replace(" ", "")
    assert re.fullmatch(r"\d{6}", code)
    # No printer at this desk nor at the demo's kiosks: said, with the slip as a PDF instead.
    page.get_by_test_id("print-slip").click()
    expect(page.get_by_test_id("print-status")).to_contain_text("Hier ist kein Drucker verfügbar")
    pdf = page.get_by_test_id("follow-up-done").get_by_test_id("print-pdf")
    expect(pdf).to_have_text("Als PDF öffnen")
    fetched = page.request.get(live_server.url + pdf.get_attribute("href"))
    assert fetched.status == 200 and fetched.headers["content-type"] == "application/pdf"
    shot(page, tmp_path, "follow-up-booked")
    page.get_by_test_id("follow-up-close").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("follow-up")).to_be_focused()
    expect(page.get_by_test_id(f"appointment-{code}")).to_contain_text("gebucht")

    # Moved to another time: a tap on the move button, then on the new time.
    page.get_by_test_id(f"move-{code}").click()
    expect(dialog).to_contain_text("Termin verschieben")
    new_time = dialog.get_by_test_id("slot").first
    expect(new_time).to_be_visible()
    new_start = new_time.get_attribute("data-start")
    new_time.click()
    expect(page.get_by_test_id("follow-up-done")).to_contain_text("ist verschoben auf")
    page.get_by_test_id("follow-up-close").click()
    expect(page.get_by_test_id(f"move-{code}")).to_be_focused()
    if new_start[:10] == booked["date"]:  # the next free time was still today
        expect(page.get_by_test_id(f"appointment-{code}")).to_contain_text(new_start[11:16])

    # Cancelled from the list, after confirming; the cancellation undone, then cancelled again.
    page.once("dialog", lambda d: d.accept())
    page.get_by_test_id(f"cancel-{code}").click()
    expect(page.get_by_test_id(f"appointment-{code}")).to_contain_text("abgesagt")
    expect(page.locator("#toast")).to_contain_text("Rückgängig bucht ihn wieder")
    page.get_by_test_id("undo").click()
    expect(page.get_by_test_id("status")).to_contain_text("ist wieder gebucht")
    expect(page.get_by_test_id(f"cancel-{code}")).to_be_visible()  # booked: may be cancelled
    page.once("dialog", lambda d: d.accept())
    page.get_by_test_id(f"cancel-{code}").click()
    expect(page.get_by_test_id(f"appointment-{code}")).to_contain_text("abgesagt")

    # A new appointment with a colleague: the topic chosen, their slots in the second tab.
    page.get_by_test_id("book-appointment").click()
    page.get_by_test_id("follow-up-topic").select_option("residence")
    page.get_by_test_id("follow-up-tab-colleague").click()
    expect(page.get_by_test_id("follow-up-colleague")).to_contain_text("Beratung 2 (Caritas)")
    page.get_by_test_id("follow-up-colleague").select_option(label="Beratung 2 (Caritas)")
    expect(dialog.get_by_test_id("slot").first).to_be_visible()
    shot(page, tmp_path, "follow-up-colleague")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    # A colleague checks the counselor's next visitor in: the counselor's page hears it.
    expect(page.get_by_test_id("connection")).to_have_text("Live")
    other = book_first_free(live_server, "beratung1")
    colleague = live_server.signed_in("beratung2")
    checked = colleague.post(f"{live_server.url}/api/v1/appointments/{other['id']}/check-in")
    assert checked.status_code == 201, checked.text
    ticket = checked.json()["ticket"]["code"]
    expect(arrivals).to_contain_text(f"-Termin ist da ({ticket})")
    expect(page.get_by_test_id(f"appointment-{other['code']}")).to_contain_text(
        f"angemeldet ({ticket})"
    )
    assert errors == []
    context.close()


def test_a_card_made_shows_its_code(browser, live_server, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, live_server, "beratung1")
    page.get_by_test_id("select-location").select_option(LOCATION)
    page.get_by_test_id("open-cards").click()
    page.get_by_test_id("card-new").click()
    expect(page.get_by_test_id("card-code")).to_have_text(
        re.compile(r"^[0-9A-Z]{4} [0-9A-Z]{4} [0-9A-Z]$")
    )
    page.get_by_test_id("print-card").click()
    expect(page.get_by_test_id("card-print-status")).to_contain_text(
        "Hier ist kein Drucker verfügbar"
    )
    pdf = page.get_by_test_id("card-dialog").get_by_test_id("print-pdf")
    fetched = page.request.get(live_server.url + pdf.get_attribute("href"))
    assert fetched.status == 200 and fetched.headers["content-type"] == "application/pdf"
    shown = page.get_by_test_id("card-code").inner_text()
    # Handed over to a colleague: the card now brings its client to them.
    page.get_by_test_id("card-hand-code").fill(shown)
    page.get_by_test_id("card-hand-staff").select_option(label="Beratung 2 (Caritas)")
    page.get_by_test_id("card-hand").click()
    expect(page.get_by_test_id("card-hand-status")).to_have_text(
        f"Karte {shown} gehört jetzt zu Beratung 2 (Caritas)."
    )
    shot(page, tmp_path, "card")
    context.close()


def test_a_missed_appointment_is_listed_to_book_again(browser, live_server, booked, tmp_path):
    missed = book_first_free(live_server, "beratung1")
    # Missed: what the end of its session makes of it (no session ends during a test).
    with sqlite3.connect(live_server.instance / "servicepoint.sqlite3") as db:
        db.execute("UPDATE appointment SET state = 'no_show' WHERE id = ?", (missed["id"],))
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, live_server, "beratung1")
    page.get_by_test_id("select-location").select_option(LOCATION)
    listed = page.get_by_test_id("rebook-list").get_by_test_id(f"appointment-{missed['code']}")
    expect(listed).to_contain_text("nicht erschienen")
    expect(
        page.get_by_test_id("appointments-list").get_by_test_id(f"appointment-{missed['code']}")
    ).to_have_count(0)
    page.get_by_test_id(f"rebook-{missed['code']}").click()
    dialog = page.get_by_test_id("follow-up-dialog")
    expect(dialog).to_contain_text("Neuen Termin vereinbaren")
    expect(dialog).to_contain_text("Statt des versäumten Termins")
    expect(page.get_by_test_id("follow-up-topic")).to_have_value("residence")
    dialog.get_by_test_id("slot").first.click()
    expect(page.get_by_test_id("follow-up-done")).to_contain_text("Gebucht:")
    shot(page, tmp_path, "rebooked")
    page.get_by_test_id("follow-up-close").click()
    expect(page.get_by_test_id(f"rebook-{missed['code']}")).to_be_focused()
    page.set_viewport_size({"width": 420, "height": 900})
    shot(page, tmp_path, "narrow")
    context.close()


def test_a_follow_up_takes_the_card_the_client_came_with(browser, live_server, booked, tmp_path):
    counselor = live_server.signed_in("beratung1")
    card = counselor.post(f"{live_server.url}/api/v1/cards", json={"location": LOCATION}).json()
    drawn = counselor.post(
        f"{live_server.url}/api/v1/locations/{LOCATION}/tickets",
        json={"topic": "residence", "card": card["code"]},
    )
    assert drawn.status_code == 201, drawn.text
    code = drawn.json()["code"]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, live_server, "beratung1")
    page.get_by_test_id("select-location").select_option(LOCATION)
    page.get_by_test_id("select-desk").select_option(label="Raum 2")
    waiting = page.get_by_test_id(f"waiting-{code}")
    expect(waiting.get_by_test_id("step")).to_have_text("Ihr Klient")
    waiting.get_by_role("button", name=f"{code} aufrufen").click()
    expect(page.get_by_test_id("current-ticket")).to_contain_text(code)
    page.get_by_test_id("follow-up").click()
    expect(page.get_by_test_id("follow-up-ticket-card")).to_be_checked()
    expect(page.get_by_test_id("follow-up-card")).to_be_hidden()
    page.get_by_test_id("follow-up-dialog").get_by_test_id("slot").first.click()
    expect(page.get_by_test_id("follow-up-done")).to_contain_text("mit Klientenkarte")
    context.close()
