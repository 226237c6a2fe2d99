"""A visitor waits for a topic a manager then closes: the desk view lists them among the
counselor's own topics, names them as next, and call-next calls exactly them."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_desk_view_and_call_next_agree_after_a_topic_closes(browser, live_server):
    url = live_server.url
    drawn = live_server.signed_in("beratung2").post(
        f"{url}/api/v1/locations/leverkusen/tickets", json={"topic": "residence"}
    )
    assert drawn.status_code == 201
    code = drawn.json()["code"]
    manager = live_server.signed_in("leitung")
    closed = manager.patch(
        f"{url}/api/v1/locations/leverkusen/topics/residence", json={"active": False}
    )
    assert closed.status_code == 200 and closed.json()["active"] is False

    page = browser.new_page(viewport={"width": 1000, "height": 700})
    sign_in(page, live_server, "beratung2")
    page.get_by_test_id("select-location").select_option("leverkusen")
    page.get_by_test_id("select-desk").select_option(label="Raum 1")

    # Listed among the counselor's own topics, not under "other topics"; named as next.
    mine = page.get_by_test_id("waiting-list")
    expect(mine.get_by_test_id(f"waiting-{code}")).to_be_visible()
    expect(page.get_by_test_id("waiting-other").get_by_test_id(f"waiting-{code}")).to_have_count(0)
    expect(page.get_by_test_id("call-next")).to_be_enabled()
    expect(page.get_by_test_id("call-next-hint")).to_contain_text(code)
    expect(page.get_by_text("Niemand wartet auf Ihre Themen")).to_be_hidden()

    page.get_by_test_id("call-next").click()
    expect(page.get_by_test_id("current-ticket")).to_contain_text(code)
    status = manager.get(f"{url}/api/v1/locations/leverkusen/queue").json()
    called = next(t for t in status["active"] if t["code"] == code)
    assert called["state"] == "called" and called["desk"] == "Raum 1"
