"""A kiosk whose ticket is refused by the per-address limit says so in the visitor's language."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from servicepoint import i18n
from tests.conftest import run_live_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def one_ticket_a_minute(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SERVICEPOINT_TICKETS_PER_ADDRESS", "1")
        with run_live_server(tmp_path_factory.mktemp("one-a-minute")) as server:
            yield server


def test_the_kiosk_explains_the_limit_in_the_visitors_language(browser, one_ticket_a_minute):
    page = browser.new_page(viewport={"width": 1080, "height": 1920})
    page.goto(f"{one_ticket_a_minute.url}/kiosk/leverkusen")
    page.get_by_test_id("topic-language").click()
    expect(page.get_by_test_id("ticket-code")).to_have_text("B001")
    page.get_by_test_id("ticket-done").click()
    page.wait_for_timeout(800)  # taps right after returning to the start are ignored
    page.get_by_test_id("lang-uk").click()
    page.get_by_test_id("topic-language").click()
    expect(page.get_by_test_id("problem-message")).to_have_text(i18n.text("uk", "kiosk.error_busy"))
    expect(page.get_by_test_id("problem-retry")).to_be_visible()
    page.close()
