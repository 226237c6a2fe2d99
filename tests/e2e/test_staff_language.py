"""The staff pages in German or English, in a real browser: the switch on the sign-in page
and in the desk's top bar (by keyboard), the desk's own words and times in English, the
choice kept on the account across signing out and another browser."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

LOCATION = "leverkusen"
SHOTS = os.environ.get("SERVICEPOINT_SCREENSHOTS")  # a folder to keep screenshots in


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"staff-language-{name}.png"), full_page=True)


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
