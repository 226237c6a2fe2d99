"""The audit trail page in a real browser: a manager's change (a desk made and renamed) is
listed with who and before → after; the filters (kind, staff, location, days) narrow the
list as the API does. Screenshots with SERVICEPOINT_SCREENSHOTS."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests import live_clock
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

SHOTS = os.environ.get("SERVICEPOINT_SCREENSHOTS")


@pytest.fixture(scope="module")
def renamed(live_server):
    """A desk the manager made and renamed through the API; the entries' staff id."""
    manager = live_server.signed_in("leitung")
    made = manager.post(
        f"{live_server.url}/api/v1/locations/leverkusen/desks", json={"name": "Raum Prüfung"}
    )
    assert made.status_code == 201, made.text
    changed = manager.patch(
        f"{live_server.url}/api/v1/desks/{made.json()['id']}", json={"name": "Raum Prüfung 2"}
    )
    assert changed.status_code == 200, changed.text
    entries = manager.get(f"{live_server.url}/api/v1/audit?kind=desk").json()["entries"]
    return entries[0]["staff"]["id"]


def rows(page: Page):
    return page.get_by_test_id("audit-table").locator("tbody tr")


def apply(page: Page) -> None:
    """Send the filters and wait until their answer is shown (the rows before may count the
    same: the table is busy from the click until then)."""
    page.get_by_test_id("audit-apply").click()
    expect(page.get_by_test_id("audit-table")).not_to_have_attribute("aria-busy", "true")


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_the_filters_narrow_the_trail(browser, live_server, renamed, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, "leitung")
    page.goto(f"{live_server.url}/staff/audit")
    expect(rows(page).first).to_be_visible()
    page.get_by_test_id("audit-kind").select_option("desk")
    apply(page)
    expect(rows(page)).to_have_count(2)
    kinds = {rows(page).nth(i).get_attribute("data-kind") for i in range(rows(page).count())}
    assert kinds == {"desk"}
    newest = rows(page).first
    expect(newest.locator("del")).to_have_text("Raum Prüfung")
    expect(newest.locator("ins")).to_have_text("Raum Prüfung 2")
    expect(newest).to_contain_text("leverkusen")
    page.get_by_test_id("audit-staff").select_option(str(renamed))
    page.get_by_test_id("audit-location").select_option("leverkusen")
    apply(page)
    expect(rows(page)).to_have_count(2)
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"audit-{width}.png"), full_page=True)
    tomorrow = live_clock.now().date() + timedelta(days=1)
    page.get_by_test_id("audit-from").fill(tomorrow.isoformat())
    apply(page)
    expect(rows(page)).to_have_count(0)
    expect(page.get_by_test_id("audit-empty")).to_be_visible()
    page.get_by_test_id("audit-from").fill("")
    page.get_by_test_id("audit-kind").select_option("topic")
    apply(page)
    expect(rows(page)).to_have_count(0)
    assert not errors, errors
    context.close()
