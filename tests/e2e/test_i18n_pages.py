"""Languages in a real browser: kiosk, phone and lobby show the catalog's strings, in the
configured languages only, and ``<html lang dir>`` always name the language shown."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from servicepoint import i18n
from tests.conftest import run_live_server

pytestmark = pytest.mark.e2e

# pl is configured but has no strings: it must not be offered anywhere.
LANGUAGES = "de,en,uk,ar,fa,pl,ro"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SERVICEPOINT_LANGUAGES", LANGUAGES)
        with run_live_server(tmp_path_factory.mktemp("i18n")) as live:
            yield live


def test_kiosk_switches_language_in_place_and_draws_in_it(browser, server):
    page = browser.new_page(viewport={"width": 1080, "height": 1920})
    page.goto(f"{server.url}/kiosk/leverkusen")
    buttons = page.locator(".lang-button")
    expect(buttons).to_have_count(6)
    assert buttons.evaluate_all("bs => bs.map(b => b.dataset.lang)") == [
        "de", "en", "uk", "ar", "fa", "ro",
    ]  # fmt: skip

    page.get_by_test_id("lang-fa").click()
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "fa")
    expect(html).to_have_attribute("dir", "rtl")
    expect(page.locator("#start-title")).to_have_text(i18n.text("fa", "kiosk.choose_topic"))

    # Romanian has strings but the demo has no Romanian topic names: German shows instead.
    page.get_by_test_id("lang-ro").click()
    expect(html).to_have_attribute("dir", "ltr")
    expect(page.locator("#start-title")).to_have_text(i18n.text("ro", "kiosk.choose_topic"))
    expect(page.locator("[data-topic=language] .topic-name")).to_have_attribute("lang", "de")

    page.get_by_test_id("lang-uk").click()
    page.get_by_test_id("topic-language").click()
    expect(page.get_by_test_id("ticket-code")).to_have_text(re.compile(r"^B\d{3}$"))
    expect(page.locator("#ticket-title")).to_have_text(i18n.text("uk", "kiosk.your_number"))
    expect(page.get_by_test_id("ticket-countdown")).to_contain_text("До повернення на початок")

    # Done: the next visitor starts in the first language again.
    page.get_by_test_id("ticket-done").click()
    expect(html).to_have_attribute("lang", "de")
    expect(page.locator("#start-title")).to_have_text(i18n.text("de", "kiosk.choose_topic"))


def test_phone_switches_language_and_cancels_when_the_payload_allows(browser, server):
    ticket = requests.post(
        f"{server.url}/api/v1/locations/leverkusen/tickets",
        json={"topic": "language", "language": "uk"},
        timeout=10,
    ).json()
    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.goto(f"{server.url}/t/{ticket['token']}")
    html = phone.locator("html")
    expect(html).to_have_attribute("lang", "uk")
    state = phone.get_by_test_id("status-state")
    expect(state).to_have_text(i18n.text("uk", "status.state_waiting"))
    expect(phone.locator(".lang-list a")).to_have_count(6)

    phone.locator(".lang-switch summary").click()
    phone.get_by_test_id("status-lang-ar").click()
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    expect(state).to_have_text(i18n.text("ar", "status.state_waiting"))
    expect(phone.locator(".lang-current")).to_have_text("العربية")
    assert phone.url.endswith("?lang=ar")

    cancel = phone.get_by_test_id("status-cancel")
    expect(cancel).to_be_visible()
    cancel.click()
    phone.get_by_test_id("status-cancel-confirm").click()
    expect(state).to_have_attribute("data-state", "cancelled")
    expect(state).to_have_text(i18n.text("ar", "status.state_cancelled"))
    expect(cancel).to_be_hidden()


def test_lobby_rotates_the_configured_languages(browser, server):
    lobby = browser.new_page(viewport={"width": 1920, "height": 1080})
    lobby.goto(f"{server.url}/display/leverkusen")
    expect(lobby.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected")
    expect(lobby.get_by_test_id("connection-status")).to_have_text("Verbunden · Connected")
    html = lobby.locator("html")
    expect(html).to_have_attribute("lang", "de")

    heading_alt = lobby.locator("#current-heading .alt")
    expect(heading_alt).to_have_attribute("lang", "en")
    expect(heading_alt).to_have_text(i18n.text("en", "lobby.now_calling"))
    # The second line moves on to the next configured language (every 8 s).
    expect(heading_alt).to_have_attribute("lang", "uk", timeout=15000)
    expect(heading_alt).to_have_text(i18n.text("uk", "lobby.now_calling"))
    rotation = lobby.evaluate(
        "() => JSON.parse(document.getElementById('catalog').textContent)"
        ".languages.map(l => l.code)"
    )
    assert rotation == ["de", "en", "uk", "ar", "fa", "ro"]
