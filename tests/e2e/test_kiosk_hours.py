"""The kiosk outside consultation hours, in a real browser: a topic whose session is
tomorrow is a dimmed tile that says when it is next offered (in the visitor's language) and
draws nothing; with nothing open the next consultation hours are listed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from servicepoint import demo, i18n
from tests import live_clock

pytestmark = pytest.mark.e2e

LEVERKUSEN = [key for key, _prefix, _names in demo.LEVERKUSEN_TOPICS]


def tomorrow() -> str:
    return (live_clock.now().date() + timedelta(days=1)).isoformat()


def add_session(live_server, topics: list[str]) -> None:
    manager = live_server.signed_in("leitung")
    day = tomorrow()
    made = manager.post(
        f"{live_server.url}/api/v1/locations/leverkusen/sessions",
        json={
            "start": "10:00",
            "end": "12:00",
            "topics": topics,
            "valid_from": day,
            "valid_to": day,
        },
    )
    assert made.status_code == 201, made.text


def test_a_closed_topic_says_when_it_is_next_offered(browser, live_server):
    add_session(live_server, ["residence"])
    page = browser.new_page(viewport={"width": 1080, "height": 1920})
    page.goto(f"{live_server.url}/kiosk/leverkusen")
    closed = page.get_by_test_id("topic-residence")
    expect(closed).to_have_attribute("aria-disabled", "true")
    expect(page.get_by_test_id("topic-next-residence")).to_contain_text("09:45")
    expect(page.get_by_test_id("topic-orientation")).not_to_have_attribute("aria-disabled", "true")
    closed.dispatch_event("click")  # a tap (Playwright will not click what says disabled)
    expect(page.locator("#announce")).to_contain_text("09:45")  # said aloud, nothing drawn
    expect(page.locator("#ticket")).to_be_hidden()
    queue = live_server.signed_in("leitung").get(
        f"{live_server.url}/api/v1/locations/leverkusen/queue"
    )
    assert queue.json()["waiting"] == []

    page.get_by_role("button", name="العربية").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_test_id("topic-next-residence")).to_contain_text("الموعد القادم")
    page.screenshot(path="/tmp/kiosk-closed-ar.png", full_page=True)

    # Chromium has no Intl data for Tigrinya: the day comes in the catalog's words.
    page.get_by_test_id("lang-ti").click()
    day = date.fromisoformat(tomorrow())
    weekday = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][day.weekday()]
    month = i18n.text("ti", f"lobby.month_{day.month}")
    next_offered = page.get_by_test_id("topic-next-residence")
    expect(next_offered).to_contain_text(i18n.text("ti", f"lobby.weekday_{weekday}"))
    expect(next_offered).to_contain_text(f"{day.day} {month}, 09:45")
    page.close()


def test_nothing_open_lists_the_next_hours(browser, live_server):
    add_session(live_server, LEVERKUSEN)
    page = browser.new_page(viewport={"width": 1080, "height": 1920})
    page.goto(f"{live_server.url}/kiosk/leverkusen")
    expect(page.get_by_test_id("no-topics")).to_contain_text("keine Sprechstunde")
    hours = page.get_by_test_id("next-hours")
    expect(hours).to_be_visible()
    expect(hours.locator("li").first).to_contain_text("10:00")
    expect(hours.locator("li").first).to_contain_text("12:00")
    page.screenshot(path="/tmp/kiosk-nothing-open.png", full_page=True)
    page.close()
