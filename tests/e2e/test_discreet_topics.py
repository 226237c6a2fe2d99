"""Discreet topics in a real browser: a manager marks one on the managers' page; in Arabic,
the kiosk's tile names it, its ticket screen and the phone page say "Counselling" with a code
of the neutral series; with nobody on duty they say so instead of a wait, and with a
counselor at a desk they give minutes."""

from __future__ import annotations

import sqlite3

import pytest
import requests
from playwright.sync_api import expect

from servicepoint import i18n
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module", autouse=True)
def automatic_series(live_server):
    """The demo hides its discreet topic among the first orientation's codes (letter A);
    these tests start from an automatic neutral series and the topic not yet discreet."""
    manager = live_server.signed_in("leitung")
    url = f"{live_server.url}/api/v1/locations/leverkusen"
    for path, body in (("", {"discreet_prefix": ""}), ("/topics/violence", {"discreet": False})):
        answer = manager.patch(url + path, json=body, timeout=10)
        assert answer.status_code == 200, answer.text


@pytest.fixture(scope="module")
def discreet_topic(live_server):
    """The demo's "Beratung nach Gewalterfahrungen", marked discreet by its manager."""
    manager = live_server.signed_in("leitung")
    marked = manager.patch(
        f"{live_server.url}/api/v1/locations/leverkusen/topics/violence",
        json={"discreet": True},
        timeout=10,
    )
    assert marked.status_code == 200, marked.text
    assert marked.json()["discreet"] is True
    return marked.json()


def test_a_manager_marks_a_topic_discreet_on_the_managers_page(browser, live_server, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, live_server, "leitung")
    page.goto(f"{live_server.url}/staff/manage")
    page.get_by_test_id("tab-topics").click()
    page.get_by_test_id("topics-location").select_option("leverkusen")
    row = page.get_by_test_id("topic-violence")
    row.get_by_role("button", name="Thema Beratung nach Gewalterfahrungen bearbeiten").click()
    form = page.get_by_test_id("topic-form")
    expect(form.get_by_test_id("topic-neutral-letter")).to_have_text(" (Z001, Z002, …)")
    box = form.get_by_label("Diskret")
    expect(box).not_to_be_checked()
    box.check()
    form.get_by_test_id("topic-submit").click()
    expect(row).to_contain_text("Diskret · Z")
    page.screenshot(path=str(tmp_path / "manage-discreet.png"), full_page=True)

    # The neutral letter is refused to a topic, at the letter, in German.
    row = page.get_by_test_id("topic-orientation")
    row.get_by_role("button", name="Thema Erstorientierung bearbeiten").click()
    form.get_by_test_id("topic-prefix").fill("Z")
    form.get_by_test_id("topic-submit").click()
    prefix = form.get_by_test_id("topic-prefix")
    expect(prefix).to_have_attribute("aria-invalid", "true")
    described = prefix.get_attribute("aria-describedby").split()
    expect(page.locator(f"#{described[0]}")).to_contain_text("neutralen Reihe")
    context.close()

    manager = live_server.signed_in("leitung")
    topics = manager.get(
        f"{live_server.url}/api/v1/locations/leverkusen/topics/all", timeout=10
    ).json()
    flags = {t["key"]: (t["prefix"], t["discreet"]) for t in topics["topics"]}
    assert flags["violence"] == ("G", True) and flags["orientation"] == ("A", False)


def occupy(live_server, desk: str, username: str) -> None:
    """``username`` sits at ``desk`` of Leverkusen (the column only, as taking a desk would)."""
    with sqlite3.connect(live_server.instance / "servicepoint.sqlite3") as db:
        db.execute(
            "UPDATE desk SET occupant_id = (SELECT id FROM staff WHERE username = ?)"
            " WHERE name = ? AND location_id = (SELECT id FROM location WHERE slug = ?)",
            (username, desk, "leverkusen"),
        )


def test_arabic_kiosk_and_phone_never_name_a_discreet_topic(
    browser, live_server, discreet_topic, tmp_path
):
    names = discreet_topic["names"]
    kiosk = browser.new_page(viewport={"width": 1080, "height": 1920})
    kiosk.goto(f"{live_server.url}/kiosk/leverkusen")
    kiosk.get_by_test_id("lang-ar").click()
    tile = kiosk.get_by_test_id("topic-violence")
    expect(tile).to_contain_text(names["ar"])  # the visitor must be able to choose it
    tile.click()
    expect(kiosk.get_by_test_id("ticket-code")).to_have_text("Z001")
    ticket_screen = kiosk.locator("#ticket")
    expect(ticket_screen).to_contain_text(i18n.text("ar", "ticket.discreet_topic"))
    expect(ticket_screen).not_to_contain_text(names["ar"])
    expect(ticket_screen).not_to_contain_text(names["de"])
    # Nobody sits at a desk in the demo: no number, a sentence.
    expect(kiosk.get_by_test_id("ticket-wait")).to_have_text(
        i18n.text("ar", "kiosk.nobody_on_duty")
    )
    kiosk.screenshot(path=str(tmp_path / "kiosk-discreet-ar.png"))
    status_url = kiosk.get_by_test_id("ticket-status-url").inner_text()

    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.goto(status_url)
    expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    expect(phone.get_by_test_id("status-code")).to_have_text("Z001")
    expect(phone.locator(".topic-name")).to_have_text(i18n.text("ar", "ticket.discreet_topic"))
    expect(phone.get_by_test_id("status-wait")).to_have_text(
        i18n.text("ar", "status.nobody_on_duty")
    )
    html = phone.content()
    assert names["ar"] not in html and "violence" not in html and "Gewalt" not in html
    phone.screenshot(path=str(tmp_path / "status-nobody-on-duty-ar.png"), full_page=True)

    # A counselor sits down; the next visitor of the topic is told minutes (the default,
    # 10 per visitor, until five of the topic's tickets are finished).
    occupy(live_server, "Raum 1", "beratung1")
    drawn = requests.post(
        f"{live_server.url}/api/v1/locations/leverkusen/tickets",
        json={"topic": "violence", "language": "ar"},
        timeout=10,
    ).json()
    assert (drawn["code"], drawn["estimated_wait_minutes"]) == ("Z002", 10)
    phone.goto(drawn["status_url"])
    minutes = i18n.text("ar", "status.about", time="")
    expect(phone.get_by_test_id("status-wait")).to_contain_text(minutes.strip())
    expect(phone.get_by_test_id("status-ahead")).to_have_text("1")
    phone.screenshot(path=str(tmp_path / "status-wait-ar.png"), full_page=True)
    kiosk.close()
    phone.close()
