"""Every page checked by axe-core (WCAG 2.1 A and AA rules) in a real browser, in its main
states: kiosk start (every default language), ticket, a closed topic; lobby before and after
a call; phone waiting (every default language) and called; the online booking page at each
step and the appointment's page (German, Arabic, asked to cancel); staff sign-in and desk
(German and English), the desk's appointments (a visitor arrived, the follow-up dialog,
client cards), every manage tab; the statistics page and the printable quarterly report;
every manage tab, the statistics and the audit trail in English; the printable programme
(every default language); the kiosk's appointment keypad
(with a refusal), an appointment's ticket, the card keypad, a card's choices and an
appointment booked with it, and the phone of an appointment's ticket; the audit trail and
the privacy notice (every default language). Each must have no
violation. The visitor pages share one browser context (and the programme one page) for all
fifteen."""

from __future__ import annotations

import os
import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from servicepoint.config import DEFAULTS
from tests import live_clock
from tests.conftest import _cli, run_live_server
from tests.e2e.appointments_setup import book_first_free, bookable_session_today
from tests.e2e.arrivals import (
    add_session,
    book,
    counselor_with_session,
    make_card,
    now,
    staff_id,
)
from tests.e2e.axe import assert_accessible, axe_context
from tests.e2e.conftest import sign_in
from tests.e2e.manage_tabs import each_tab

pytestmark = pytest.mark.e2e

LOCATION = "leverkusen"
SHOTS = os.environ.get("SERVICEPOINT_SCREENSHOTS")  # a folder to keep screenshots in


# Each tab with what shows it loaded (a location chosen where the tab has a choice).
def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"axe-{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def visitor(browser):
    """Kiosk, lobby and phone pages: no sign-in."""
    context = axe_context(browser, viewport={"width": 1080, "height": 1920})
    yield context
    context.close()


@pytest.fixture(scope="module")
def staff(browser, live_server):
    """A manager signed in (who is also a counselor at a desk)."""
    context = axe_context(browser, viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    sign_in(page, live_server, "leitung")
    page.close()
    yield context
    context.close()


@pytest.fixture(scope="module")
def ticket(live_server):
    """A ticket drawn in Arabic, waiting."""
    drawn = live_server.signed_in("leitung").post(
        f"{live_server.url}/api/v1/locations/{LOCATION}/tickets",
        json={"topic": "orientation", "language": "ar"},
        timeout=10,
    )
    assert drawn.status_code == 201, drawn.text
    return drawn.json()


@pytest.fixture
def page(visitor):
    page = visitor.new_page()
    yield page
    page.close()


def test_start_page_staff_sign_in_and_forbidden(browser, live_server):
    context = axe_context(browser, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    expect(page.locator(f'a[href*="/kiosk/{LOCATION}"]')).to_be_visible()
    assert_accessible(page, "start page")
    page.goto(f"{live_server.url}/staff/")
    expect(page.get_by_test_id("login-username")).to_be_visible()
    assert_accessible(page, "staff sign-in")
    sign_in(page, live_server, "beratung1")  # a counselor: the managers' page is refused
    response = page.goto(f"{live_server.url}/staff/manage")
    assert response is not None and response.status == 403
    assert_accessible(page, "managers' page refused")
    context.close()


def test_staff_sign_in_and_desk_in_english(browser, live_server, ticket):
    context = axe_context(browser, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/staff/")
    with page.expect_navigation():
        page.get_by_test_id("language-en").click()  # this browser only: a cookie
    expect(page.locator("h1")).to_have_text("Staff sign-in")
    assert_accessible(page, "staff sign-in (en)")
    sign_in(page, live_server, "beratung1")
    expect(page.get_by_test_id("call-next")).to_have_text("Call the next person")
    page.get_by_test_id("select-location").select_option(LOCATION)
    expect(page.get_by_test_id(f"waiting-{ticket['code']}")).to_be_visible()
    shot(page, "desk-en")
    assert_accessible(page, "desk view (en)")
    context.close()


def test_kiosk_start_in_every_language_and_ticket(page, live_server, ticket):
    # ``ticket`` is drawn first: the one the desk calls next in a test below.
    page.goto(f"{live_server.url}/kiosk/{LOCATION}")
    expect(page.get_by_test_id("topic-orientation")).to_be_visible()
    assert_accessible(page, "kiosk start (de)")
    languages = page.locator(".lang-button").evaluate_all("bs => bs.map(b => b.dataset.lang)")
    assert languages == str(DEFAULTS["LANGUAGES"]).split(",")
    for lang in [code for code in languages if code not in ("de", "ar")] + ["ar"]:
        page.get_by_test_id(f"lang-{lang}").click()
        expect(page.locator("html")).to_have_attribute("lang", lang)
        assert_accessible(page, f"kiosk start ({lang})")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    shot(page, "kiosk-ar")

    page.get_by_test_id("topic-language").click()
    expect(page.get_by_test_id("ticket-code")).to_have_text(re.compile(r"^B\d{3}$"))
    expect(page.get_by_test_id("ticket-qr")).to_have_attribute("src", re.compile("."))
    shot(page, "kiosk-ticket-ar")
    assert_accessible(page, "kiosk ticket (ar)")


def test_phone_waiting_in_every_language(page, live_server, ticket):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/t/{ticket['token']}?lang=de")
    expect(page.get_by_test_id("status-state")).to_have_attribute("data-state", "waiting")
    languages = page.locator(".lang-list a").evaluate_all("as => as.map(a => a.dataset.lang)")
    assert languages == str(DEFAULTS["LANGUAGES"]).split(",")
    for lang in languages:
        page.goto(f"{live_server.url}/t/{ticket['token']}?lang={lang}")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        assert_accessible(page, f"phone waiting ({lang})")
        if lang == "ar":
            expect(page.locator("html")).to_have_attribute("dir", "rtl")
            shot(page, "phone-ar")
            page.get_by_test_id("status-cancel").click()  # asked, not confirmed
            expect(page.get_by_test_id("status-cancel-keep")).to_be_visible()
            assert_accessible(page, "phone, cancel asked (ar)")
            page.get_by_test_id("status-cancel-keep").click()


def test_lobby_before_a_call(page, live_server):
    page.goto(f"{live_server.url}/display/{LOCATION}")
    expect(page.locator("body")).not_to_be_empty()
    page.wait_for_load_state("load")
    shot(page, "lobby")
    assert_accessible(page, "lobby")


def test_desk_calls_and_lobby_and_phone_show_it(staff, visitor, live_server, ticket):
    desk = staff.new_page()
    desk.goto(f"{live_server.url}/staff/")
    desk.get_by_test_id("select-location").select_option(LOCATION)
    desk.get_by_test_id("select-desk").select_option(label="Raum 1")
    expect(desk.get_by_test_id(f"waiting-{ticket['code']}")).to_be_visible()
    shot(desk, "desk")
    assert_accessible(desk, "desk view")

    lobby = visitor.new_page()
    lobby.goto(f"{live_server.url}/display/{LOCATION}")
    phone = visitor.new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(f"{live_server.url}/t/{ticket['token']}")
    expect(phone.get_by_test_id("status-state")).to_have_attribute("data-state", "waiting")

    desk.get_by_test_id("call-next").click()
    expect(desk.get_by_test_id("current-ticket")).to_contain_text(ticket["code"])
    assert_accessible(desk, "desk view, a ticket called")

    expect(lobby.locator("body")).to_contain_text(ticket["code"])
    shot(lobby, "lobby-called")
    assert_accessible(lobby, "lobby, a ticket called")

    expect(phone.get_by_test_id("status-state")).to_have_attribute("data-state", "called")
    shot(phone, "phone-called-ar")
    assert_accessible(phone, "phone called (ar)")
    for page in (desk, lobby, phone):
        page.close()


def test_desk_appointments_follow_up_and_cards(browser, tmp_path):
    """On a server of its own: today's bookable session would be the first one the manage
    calendar below shows."""
    with run_live_server(tmp_path) as server:
        bookable_session_today(server)
        booked = book_first_free(server, "beratung1")
        context = axe_context(browser, viewport={"width": 1440, "height": 1000})
        desk = context.new_page()
        sign_in(desk, server, "beratung1")
        desk.get_by_test_id("select-location").select_option(LOCATION)
        desk.get_by_test_id("select-desk").select_option(label="Raum 1")
        expect(desk.get_by_test_id(f"appointment-{booked['code']}")).to_contain_text("gebucht")
        desk.get_by_test_id(f"check-in-{booked['code']}").click()
        expect(desk.get_by_test_id("arrival")).to_be_visible()
        expect(desk.get_by_test_id("waiting-T001")).to_be_visible()
        desk.get_by_test_id("appointments-filter-all").check()
        shot(desk, "desk-appointments")
        assert_accessible(desk, "desk with today's appointments, a visitor arrived")

        desk.get_by_test_id("waiting-T001").get_by_role("button", name="T001 aufrufen").click()
        desk.get_by_test_id("action-start").click()
        desk.get_by_test_id("follow-up").click()
        dialog = desk.get_by_test_id("follow-up-dialog")
        expect(dialog.get_by_test_id("slot").first).to_be_visible()
        shot(desk, "desk-follow-up")
        assert_accessible(desk, "desk, follow-up dialog")
        desk.get_by_test_id("follow-up-tab-colleague").click()
        expect(dialog.get_by_test_id("slot").first).to_be_visible()
        assert_accessible(desk, "desk, follow-up dialog, a colleague's slots")
        dialog.get_by_test_id("slot").first.click()
        expect(desk.get_by_test_id("follow-up-done")).to_be_visible()
        assert_accessible(desk, "desk, follow-up booked")
        desk.get_by_test_id("follow-up-close").click()

        desk.get_by_test_id("open-cards").click()
        desk.get_by_test_id("card-new").click()
        expect(desk.get_by_test_id("card-code")).not_to_be_empty()
        shot(desk, "desk-card")
        assert_accessible(desk, "desk, client card made")
        context.close()


def tomorrow() -> str:
    return (live_clock.now().date() + timedelta(days=1)).isoformat()


def test_kiosk_with_a_closed_topic(page, live_server):
    day = tomorrow()
    made = live_server.signed_in("leitung").post(
        f"{live_server.url}/api/v1/locations/{LOCATION}/sessions",
        json={
            "start": "10:00",
            "end": "12:00",
            "topics": ["residence"],
            "valid_from": day,
            "valid_to": day,
        },
        timeout=10,
    )
    assert made.status_code == 201, made.text
    page.goto(f"{live_server.url}/kiosk/{LOCATION}")
    expect(page.get_by_test_id("topic-residence")).to_have_attribute("aria-disabled", "true")
    expect(page.get_by_test_id("topic-next-residence")).to_be_visible()
    assert_accessible(page, "kiosk, a closed topic (de)")
    page.get_by_test_id("lang-ar").click()
    expect(page.get_by_test_id("topic-next-residence")).to_contain_text("الموعد القادم")
    shot(page, "kiosk-closed-ar")
    assert_accessible(page, "kiosk, a closed topic (ar)")


@pytest.fixture(scope="module")
def bookable(live_server):
    """The demo's "volunteering" opened to online booking, with a session tomorrow whose
    time is all bookable."""
    manager = live_server.signed_in("leitung")
    url = f"{live_server.url}/api/v1/locations/{LOCATION}"
    opened = manager.patch(f"{url}/topics/volunteering", json={"online_booking": True}, timeout=10)
    assert opened.status_code == 200, opened.text
    day = tomorrow()
    made = manager.post(
        f"{url}/sessions",
        json={
            "start": "10:00",
            "end": "12:00",
            "topics": ["volunteering"],
            "valid_from": day,
            "valid_to": day,
            "bookable_share": 100,
        },
        timeout=10,
    )
    assert made.status_code == 201, made.text
    return opened.json()


def test_online_booking_and_appointment_pages(page, live_server, bookable):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/t/book/{LOCATION}?lang=de")
    assert_accessible(page, "booking page, topics (de)")
    page.get_by_test_id(f"booking-topic-{bookable['id']}").click()
    page.get_by_test_id("booking-days").get_by_role("button").first.click()
    expect(page.get_by_test_id("booking-time-10:00")).to_be_visible()
    assert_accessible(page, "booking page, days and times (de)")
    page.get_by_test_id("booking-time-10:00").click()
    expect(page.get_by_test_id("booking-submit")).to_be_visible()
    assert_accessible(page, "booking page, slot held (de)")
    page.get_by_test_id("booking-submit").click()
    expect(page.get_by_test_id("appointment-code")).to_have_text(re.compile(r"^[0-9]{6}$"))
    assert_accessible(page, "appointment page (de)")
    page.goto(page.url.split("?")[0] + "?lang=ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    shot(page, "appointment-ar")
    assert_accessible(page, "appointment page (ar)")
    page.get_by_test_id("appointment-cancel").click()
    expect(page.get_by_test_id("appointment-cancel-keep")).to_be_visible()
    assert_accessible(page, "appointment page, cancel asked (ar)")
    page.goto(f"{live_server.url}/t/book/{LOCATION}?lang=ar")
    page.get_by_test_id(f"booking-topic-{bookable['id']}").click()
    expect(page.get_by_test_id("booking-days").get_by_role("button").first).to_be_visible()
    shot(page, "booking-ar")
    assert_accessible(page, "booking page, days (ar)")


def test_every_manage_tab(staff, live_server):
    page = staff.new_page()
    page.goto(f"{live_server.url}/staff/manage")
    expect(page.get_by_test_id("locations-table").locator("tbody tr").first).to_be_visible()
    # Each with its rows from the API (the session rule made above, in the sessions tab).
    for tab, button in each_tab(page, LOCATION):
        button.hover()  # a selected tab keeps its label under the mouse
        shot(page, f"manage-{tab}")
        assert_accessible(page, f"manage tab {tab}")

    # The calendar with tomorrow's session (the next week's on a Sunday), week and month.
    occurrence = page.locator('#calendar button[data-testid^="occurrence-"]')
    today = now().date()
    tomorrow = today + timedelta(days=1)
    for view in ("week", "month"):
        page.get_by_test_id(f"view-{view}").click()
        expect(page.get_by_test_id(f"view-{view}")).to_have_attribute("aria-pressed", "true")
        # From today: tomorrow is in the next week on a Sunday, in the next month on a
        # month's last day.
        page.get_by_test_id("calendar-today").click()
        if (view == "week" and today.weekday() == 6) or (
            view == "month" and tomorrow.month != today.month
        ):
            page.get_by_test_id("calendar-next").click()
        expect(occurrence.first).to_be_visible(timeout=15_000)
        # Named by what it shows, with the day before and the action after (WCAG 2.5.3).
        expect(occurrence.first).to_have_accessible_name(
            re.compile(r"^\w+, \d+\.\d+\.\d{4}, 10:00–12:00 Aufenthalt.*: ändern oder absagen$")
        )
        shot(page, f"manage-sessions-{view}")
        assert_accessible(page, f"manage tab sessions, {view}")
    occurrence.first.click()
    expect(page.get_by_test_id("occurrence-form")).to_be_visible()
    assert_accessible(page, "manage tab sessions, one occurrence")
    page.close()


def test_audit_trail_page(staff, live_server, ticket):
    page = staff.new_page()
    page.goto(f"{live_server.url}/staff/audit")
    rows = page.get_by_test_id("audit-row")
    expect(rows.first).to_be_visible()
    page.get_by_test_id("audit-kind").select_option("ticket")
    page.get_by_test_id("audit-apply").click()
    expect(page.get_by_test_id("audit-table")).not_to_have_attribute("aria-busy", "true")
    expect(page.locator('[data-testid="audit-row"]:not([data-kind="ticket"])')).to_have_count(0)
    expect(rows.first).to_be_visible()
    page.wait_for_load_state("networkidle")
    shot(page, "audit")
    assert_accessible(page, "audit trail")


def test_privacy_notice_in_every_language(page, live_server):
    page.set_viewport_size({"width": 390, "height": 844})
    for lang in str(DEFAULTS["LANGUAGES"]).split(","):
        page.goto(f"{live_server.url}/t/privacy/{LOCATION}?lang={lang}")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.get_by_test_id("privacy-operator")).to_be_visible()
        assert_accessible(page, f"privacy notice ({lang})")
        if lang in ("de", "ar"):
            shot(page, f"privacy-{lang}")
    page.goto(f"{live_server.url}/t/privacy/{LOCATION}?lang=de&from=kiosk")
    expect(page.get_by_test_id("privacy-back")).to_be_visible()
    assert_accessible(page, "privacy notice from the kiosk")


def test_statistics_page_and_quarterly_report(staff, live_server):
    """The statistics over a few months of the demo's history, and the report to print."""
    env = {**os.environ, "SERVICEPOINT_INSTANCE_PATH": str(live_server.instance)}
    env.pop("SERVICEPOINT_DATABASE_URL", None)
    _cli(env, "demo", "--history", "120")
    page = staff.new_page()
    page.goto(f"{live_server.url}/staff/stats")
    expect(page.locator("body[data-loaded='true']")).to_be_attached(timeout=15000)
    expect(page.get_by_test_id("stats-table").locator("tbody tr").first).to_be_visible()
    shot(page, "stats")
    assert_accessible(page, "statistics page")
    page.goto(f"{live_server.url}/staff/stats/report?location={LOCATION}")
    expect(page.locator("body[data-loaded='true']")).to_be_attached(timeout=15000)
    shot(page, "stats-report")
    assert_accessible(page, "quarterly report")
    page.close()


def test_manage_tabs_statistics_and_audit_in_english(browser, live_server):
    """The same staff pages for a manager who reads English (the language switch's cookie)."""
    context = axe_context(browser, viewport={"width": 1280, "height": 1000})
    context.add_cookies([{"name": "sp_staff_lang", "value": "en", "url": live_server.url}])
    page = context.new_page()
    sign_in(page, live_server, "leitung")
    page.goto(f"{live_server.url}/staff/manage")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("locations-table").locator("tbody tr").first).to_be_visible()
    for tab, _button in each_tab(page, LOCATION):
        shot(page, f"manage-{tab}-en")
        assert_accessible(page, f"manage tab {tab} (en)")
    page.goto(f"{live_server.url}/staff/stats")
    expect(page.locator("body[data-loaded='true']")).to_be_attached(timeout=15000)
    shot(page, "stats-en")
    assert_accessible(page, "statistics page (en)")
    page.goto(f"{live_server.url}/staff/audit")
    expect(page.get_by_test_id("audit-row").first).to_be_visible()
    assert_accessible(page, "audit trail (en)")
    context.close()


def test_programme_in_every_language(page, live_server):
    # One page for all fifteen languages: the programme is rendered by the server, so the
    # loaded page and its fonts are all there is to wait for.
    for lang in str(DEFAULTS["LANGUAGES"]).split(","):
        page.goto(f"{live_server.url}/locations/{LOCATION}/programme?lang={lang}")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        page.evaluate("() => document.fonts.ready.then(() => true)")
        shot(page, f"programme-{lang}")
        assert_accessible(page, f"programme ({lang})")


def test_the_check_names_rule_impact_and_element(browser):
    """The helper itself: a page with faults fails with each rule, its impact and where."""
    context = axe_context(browser)
    page = context.new_page()
    page.set_content(
        '<html lang="de"><head><title>t</title></head><body><main>'
        '<p id="pale" style="color:#bbb;background:#fff">blass</p><input id="nameless">'
        "</main></body></html>"
    )
    with pytest.raises(AssertionError) as failed:
        assert_accessible(page, "a faulty page")
    message = str(failed.value)
    assert "color-contrast (serious)" in message and "#pale" in message
    assert "label (critical)" in message and "#nameless" in message
    context.close()


def test_kiosk_appointment_and_card_screens_and_the_phone(visitor, live_server):
    """Last in this module: the session it makes (today, around now) would change what the
    tests above see."""
    counselor = counselor_with_session(live_server)
    appointment = book(live_server, counselor, 10)
    page = visitor.new_page()
    page.goto(f"{live_server.url}/kiosk/{LOCATION}")
    page.get_by_test_id("have-appointment").click()
    expect(page.get_by_test_id("appointment-ok")).to_be_visible()
    assert_accessible(page, "kiosk appointment keypad (de)")
    wrong = "000000" if appointment["code"] != "000000" else "111111"
    page.keyboard.type(wrong)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("appointment-error")).to_be_visible()
    assert_accessible(page, "kiosk appointment keypad, a code refused (de)")
    page.get_by_test_id("appointment-back").click()
    expect(page.get_by_test_id("have-appointment")).to_be_visible()

    # A fresh start: taps right after going back are ignored as leftovers of the last one.
    page.goto(f"{live_server.url}/kiosk/{LOCATION}")
    page.get_by_test_id("lang-ar").click()
    page.get_by_test_id("have-appointment").click()
    page.keyboard.type(appointment["code"])
    assert_accessible(page, "kiosk appointment keypad (ar)")
    shot(page, "kiosk-appointment-ar")
    page.get_by_test_id("appointment-ok").click()
    expect(page.get_by_test_id("ticket-appointment")).to_be_visible()
    shot(page, "kiosk-appointment-ticket-ar")
    assert_accessible(page, "kiosk appointment ticket (ar)")
    status_url = page.get_by_test_id("ticket-status-url").inner_text().strip()
    page.goto(f"{live_server.url}/kiosk/{LOCATION}")
    page.get_by_test_id("lang-ar").click()
    page.get_by_test_id("have-card").click()
    expect(page.get_by_test_id("card-ok")).to_be_visible()
    shot(page, "kiosk-card-ar")
    assert_accessible(page, "kiosk card keypad (ar)")
    page.keyboard.type(make_card(live_server, "jobservice"))  # no session today
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("card-colleague")).to_be_visible()
    shot(page, "kiosk-card-not-today-ar")
    assert_accessible(page, "kiosk card, counselor not here today (ar)")
    page.get_by_test_id("card-colleague").click()
    expect(page.get_by_test_id("choice-topic-language")).to_be_visible()
    assert_accessible(page, "kiosk card, a colleague now (ar)")
    page.get_by_test_id("choice-back").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")

    page.goto(f"{live_server.url}/kiosk/{LOCATION}")
    page.get_by_test_id("have-card").click()
    page.keyboard.type(make_card(live_server, "beratung1"))
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("choice-topic-orientation")).to_be_visible()
    shot(page, "kiosk-card-topics")
    assert_accessible(page, "kiosk card, the counselor's topics (de)")

    # The job service is here tomorrow: its next free time, booked at the kiosk.
    tomorrow = now().date() + timedelta(days=1)
    job_service = staff_id(live_server, "jobservice")
    add_session(live_server, ["work"], [job_service], "10:00", "12:00", day=tomorrow)
    page.goto(f"{live_server.url}/kiosk/{LOCATION}")
    page.get_by_test_id("lang-ar").click()
    page.get_by_test_id("have-card").click()
    page.keyboard.type(make_card(live_server, "jobservice"))
    page.keyboard.press("Enter")
    page.get_by_test_id("card-book").click()
    expect(page.get_by_test_id("booked-code")).to_be_visible()
    shot(page, "kiosk-card-booked-ar")
    assert_accessible(page, "kiosk card, an appointment booked (ar)")
    page.close()

    phone = visitor.new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    for lang in ("de", "ar"):
        phone.goto(f"{status_url}?lang={lang}")
        expect(phone.get_by_test_id("status-appointment")).to_be_visible()
        shot(phone, f"phone-appointment-{lang}")
        assert_accessible(phone, f"phone, an appointment's ticket ({lang})")
    phone.close()
