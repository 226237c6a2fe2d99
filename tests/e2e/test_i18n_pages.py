"""Languages in a real browser: kiosk, phone and lobby show the catalog's strings in every
configured language (the default: all fifteen), only those, and ``<html lang dir>`` always
name the language shown. Where the browser has no data for a language (Tigrinya, Pashto,
Kurmanji), durations and dates come from the catalog, never in English.

One browser context serves every test of the module (pages are opened and closed in it)."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from servicepoint import i18n
from servicepoint.config import DEFAULTS
from tests.conftest import run_live_server

pytestmark = pytest.mark.e2e

DEFAULT = str(DEFAULTS["LANGUAGES"]).split(",")
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# es is configured too but has no strings: it must not be offered anywhere.
LANGUAGES = ",".join([*DEFAULT, "es"])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SERVICEPOINT_LANGUAGES", LANGUAGES)
        with run_live_server(tmp_path_factory.mktemp("i18n")) as live:
            yield live


@pytest.fixture(scope="module")
def context(browser):
    context = browser.new_context()
    yield context
    context.close()


def own(code: str, key: str, **params: object) -> str:
    """The string in ``code``'s own file: never a fallback."""
    return i18n.fill(i18n.catalog().own(code)[key], params)


def fits(page) -> bool:
    """Whether the page fits its screen: nothing to scroll, no language button cut."""
    return page.evaluate(
        """() => document.documentElement.scrollHeight <= innerHeight
            && document.documentElement.scrollWidth <= innerWidth
            && [...document.querySelectorAll('.lang-button')].every(
                (b) => b.scrollWidth <= b.clientWidth && b.scrollHeight <= b.clientHeight)"""
    )


#: The fonts of Debian's fonts-noto-core the pages name for every script (base.css).
NOTO = {"Noto Sans", "Noto Sans Arabic", "Noto Sans Ethiopic"}


def fonts_drawing(cdp, selector: str) -> set[str]:
    """The fonts Chromium draws the elements matching ``selector`` with (DevTools)."""
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    found: set[str] = set()
    for node in cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": selector})["nodeIds"]:
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        found |= {font["familyName"] for font in fonts if font["glyphCount"]}
    return found


def test_kiosk_switches_language_in_place_and_draws_in_it(context, server):
    page = context.new_page()
    page.set_viewport_size({"width": 1080, "height": 1920})
    page.goto(f"{server.url}/kiosk/leverkusen")
    buttons = page.locator(".lang-button")
    expect(buttons).to_have_count(15)
    assert buttons.evaluate_all("bs => bs.map(b => b.dataset.lang)") == DEFAULT
    html = page.locator("html")
    title = page.locator("#start-title")
    cdp = context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    # Every language's own name, in its own script, is drawn with the Noto fonts.
    assert fonts_drawing(cdp, ".lang-button:not([aria-pressed=true])") == NOTO

    for code in DEFAULT[1:]:
        page.get_by_test_id(f"lang-{code}").click()
        expect(html).to_have_attribute("lang", code)
        expect(html).to_have_attribute("dir", i18n.catalog().direction(code))
        expect(title).to_have_text(own(code, "kiosk.choose_topic"))
        assert fits(page), f"the portrait start screen scrolls in {code}"
        assert fonts_drawing(cdp, "#start-title, #start .hint") <= NOTO, code
    # Landscape: the fifteen buttons take two rows and every topic tile still fits.
    page.set_viewport_size({"width": 1920, "height": 1080})
    for code in DEFAULT:
        page.get_by_test_id(f"lang-{code}").click()
        expect(title).to_have_text(own(code, "kiosk.choose_topic"))
        assert fits(page), f"the landscape start screen scrolls in {code}"
    page.set_viewport_size({"width": 1080, "height": 1920})

    # Romanian has strings but the demo has no Romanian topic names: German shows instead.
    page.get_by_test_id("lang-ro").click()
    expect(page.locator("[data-topic=language] .topic-name")).to_have_attribute("lang", "de")

    # Tigrinya: Chromium has no Intl data for it; the countdown is in the catalog's words.
    page.get_by_test_id("lang-ti").click()
    page.get_by_test_id("topic-language").click()
    expect(page.get_by_test_id("ticket-code")).to_have_text(re.compile(r"^B\d{3}$"))
    expect(page.locator("#ticket-title")).to_have_text(own("ti", "kiosk.your_number"))
    countdown = page.get_by_test_id("ticket-countdown")
    before, after = own("ti", "kiosk.returns_in").split("{time}")
    seconds = re.escape(own("ti", "kiosk.seconds")).replace(r"\{n\}", r"\d+")
    expect(countdown).to_have_text(re.compile(re.escape(before) + seconds + re.escape(after)))

    # Done: the next visitor starts in the first language again.
    page.get_by_test_id("ticket-done").click()
    expect(html).to_have_attribute("lang", "de")
    expect(title).to_have_text(own("de", "kiosk.choose_topic"))
    page.close()


@pytest.mark.parametrize("code", ["ti", "ro", "bg", "ps"])
def test_phone_follows_a_ticket_in_its_language(context, server, code):
    ticket = requests.post(
        f"{server.url}/api/v1/locations/leverkusen/tickets",
        json={"topic": "language", "language": code},
        timeout=10,
    ).json()
    phone = context.new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(f"{server.url}/t/{ticket['token']}")

    html = phone.locator("html")
    expect(html).to_have_attribute("lang", code)
    expect(html).to_have_attribute("dir", i18n.catalog().direction(code))
    expect(phone.get_by_test_id("status-state")).to_have_text(own(code, "status.state_waiting"))
    expect(phone.locator(".lang-current")).to_have_text(i18n.language(code).name)
    expect(phone.locator(".lang-list a")).to_have_count(15)
    phone.close()


def test_phone_switches_language_and_cancels_when_the_payload_allows(context, server):
    ticket = requests.post(
        f"{server.url}/api/v1/locations/leverkusen/tickets",
        json={"topic": "language", "language": "uk"},
        timeout=10,
    ).json()
    phone = context.new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(f"{server.url}/t/{ticket['token']}")
    html = phone.locator("html")
    expect(html).to_have_attribute("lang", "uk")
    state = phone.get_by_test_id("status-state")
    expect(state).to_have_text(own("uk", "status.state_waiting"))

    phone.locator(".lang-switch summary").click()
    phone.get_by_test_id("status-lang-ar").click()
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    expect(state).to_have_text(own("ar", "status.state_waiting"))
    expect(phone.locator(".lang-current")).to_have_text("العربية")
    assert phone.url.endswith("?lang=ar")

    cancel = phone.get_by_test_id("status-cancel")
    expect(cancel).to_be_visible()
    cancel.click()
    phone.get_by_test_id("status-cancel-confirm").click()
    expect(state).to_have_attribute("data-state", "cancelled")
    expect(state).to_have_text(own("ar", "status.state_cancelled"))
    expect(cancel).to_be_hidden()
    phone.close()


def test_lobby_rotates_the_configured_languages(context, server):
    lobby = context.new_page()
    lobby.set_viewport_size({"width": 1920, "height": 1080})
    lobby.goto(f"{server.url}/display/leverkusen")
    expect(lobby.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected")
    expect(lobby.get_by_test_id("connection-status")).to_have_text("Verbunden · Connected")
    html = lobby.locator("html")
    expect(html).to_have_attribute("lang", "de")

    heading_alt = lobby.locator("#current-heading .alt")
    expect(heading_alt).to_have_attribute("lang", "en")
    expect(heading_alt).to_have_text(own("en", "lobby.now_calling"))
    # The second line moves on to the next configured language (every 8 s).
    expect(heading_alt).to_have_attribute("lang", "uk", timeout=15000)
    expect(heading_alt).to_have_text(own("uk", "lobby.now_calling"))
    rotation = lobby.evaluate(
        "() => JSON.parse(document.getElementById('catalog').textContent)"
        ".languages.map(l => l.code)"
    )
    assert rotation == DEFAULT
    lobby.close()


def test_a_lobby_in_tigrinya_writes_its_date_in_tigrinya(context, tmp_path):
    """Chromium has no Intl data for Tigrinya: the clock's date comes from the catalog."""
    with run_live_server(tmp_path, settings={"LANGUAGES": "ti,de"}) as live:
        lobby = context.new_page()
        lobby.set_viewport_size({"width": 1920, "height": 1080})
        lobby.goto(f"{live.url}/display/leverkusen")
        expect(lobby.locator("html")).to_have_attribute("lang", "ti")
        weekdays = [own("ti", f"lobby.weekday_{day}") for day in WEEKDAYS]
        date = lobby.locator(".clock-date")
        expect(date).to_have_text(re.compile("^(" + "|".join(weekdays) + r"), \d+ "))
        months = [own("ti", f"lobby.month_{month}") for month in range(1, 13)]
        assert any(f" {month} " in date.inner_text() for month in months)
        lobby.close()
