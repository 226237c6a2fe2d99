"""The whole walk-in flow in a real browser: kiosk → counselor → lobby display and phone."""

from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_ticket_from_kiosk_is_called_and_seen_on_display_and_phone(browser, live_server):
    url = live_server.url
    lobby = browser.new_page(viewport={"width": 1920, "height": 1080})
    lobby.goto(f"{url}/display/leverkusen")
    expect(lobby.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected")

    # A visitor draws a ticket in English at the kiosk.
    kiosk = browser.new_page(viewport={"width": 1080, "height": 1920})
    kiosk.goto(f"{url}/kiosk/leverkusen")
    kiosk.get_by_test_id("lang-en").click()
    kiosk.get_by_test_id("topic-language").click()
    code_box = kiosk.get_by_test_id("ticket-code")
    expect(code_box).to_have_text(re.compile(r"^B\d{3}$"))
    code = code_box.inner_text().strip()
    expect(kiosk.get_by_test_id("ticket-people-ahead")).to_contain_text("0")

    # The QR code on the screen leads to the ticket's status page.
    qr = kiosk.get_by_test_id("ticket-qr")
    expect(qr).to_be_visible()
    kiosk.wait_for_function(
        "() => { const i = document.querySelector('[data-testid=ticket-qr]');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))
    assert decoded, "the QR code on the kiosk did not decode"
    status_url = decoded[0].text
    assert re.fullmatch(rf"{re.escape(url)}/t/[\w-]+", status_url)

    # The waiting count on the lobby screen follows at once.
    expect(lobby.get_by_test_id("waiting-language")).to_contain_text("1")

    # The visitor follows their turn on a phone.
    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.goto(status_url)
    expect(phone.get_by_test_id("status-code")).to_have_text(code)
    expect(phone.get_by_test_id("status-state")).to_have_attribute("data-state", "waiting")

    # A counselor signs in, picks a desk and calls the next person.
    desk_view = browser.new_page(viewport={"width": 1000, "height": 700})
    desk_view.goto(f"{url}/staff/")
    desk_view.get_by_test_id("login-username").fill("beratung1")
    desk_view.get_by_test_id("login-password").fill(live_server.logins()["beratung1"])
    desk_view.get_by_test_id("login-submit").click()
    desk_view.get_by_test_id("select-location").select_option("leverkusen")
    desk_view.get_by_test_id("select-desk").select_option(label="Raum 2")
    expect(desk_view.get_by_test_id(f"waiting-{code}")).to_be_visible()
    desk_view.get_by_test_id("call-next").click()
    expect(desk_view.get_by_test_id("current-ticket")).to_contain_text(code)

    # The lobby screen shows number and room, flashing; the phone says it is their turn.
    call = lobby.get_by_test_id(f"call-{code}")
    expect(call).to_contain_text(code)
    expect(call).to_contain_text("Raum 2")
    expect(call).to_have_attribute("data-new", "true")
    # With a call under "Now calling", "Last called" never says there were no calls today.
    expect(lobby.locator(".recent-empty")).to_have_count(0)
    expect(phone.get_by_test_id("status-state")).to_have_attribute("data-state", "called")
    # The room in the phone's language where it has a name in it, its German name too.
    expect(phone.locator(".call")).to_contain_text("Raum 2")

    # The counselor starts and finishes; the call leaves the lobby's current list.
    desk_view.get_by_test_id("action-start").click()
    desk_view.get_by_test_id("action-finish").click()
    expect(lobby.get_by_test_id(f"call-{code}")).to_have_count(0)
    expect(lobby.get_by_test_id("recent-calls")).to_contain_text(code)
    expect(phone.get_by_test_id("status-state")).to_have_attribute("data-state", "done")


def test_wrong_password_is_shown_on_the_sign_in_page(browser, live_server):
    page = browser.new_page()
    page.goto(f"{live_server.url}/staff/")
    page.get_by_test_id("login-username").fill("beratung1")
    page.get_by_test_id("login-password").fill("not the password")
    page.get_by_test_id("login-submit").click()
    # The server's message, in the page's language.
    expect(page.get_by_role("alert")).to_contain_text("Benutzername oder Passwort ist falsch")


def test_arabic_kiosk_turns_right_to_left(browser, live_server):
    page = browser.new_page(viewport={"width": 1080, "height": 1920})
    page.goto(f"{live_server.url}/kiosk/leverkusen")
    page.get_by_test_id("lang-ar").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_test_id("topic-language")).to_contain_text("دورات اللغة")
