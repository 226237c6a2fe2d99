"""A desk has one occupant, in two real browsers: a second counselor takes Raum 1 over after
confirming it; the first one's page says so at once, stops offering calls there and lets
them choose another desk."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

LOCATION = "leverkusen"


def raum1_id(page, url) -> int:
    desks = page.request.get(f"{url}/api/v1/locations/{LOCATION}/desks").json()["desks"]
    return next(d["id"] for d in desks if d["name"] == "Raum 1")


def test_a_desk_taken_over_is_said_at_once_and_offers_no_calls(browser, live_server, tmp_path):
    url = live_server.url
    drawn = live_server.signed_in("beratung1").post(
        f"{url}/api/v1/locations/{LOCATION}/tickets", json={"topic": "residence"}
    )
    assert drawn.status_code == 201
    code = drawn.json()["code"]

    # Counselor 1 sits down at Raum 1 and calls the visitor.
    first_context = browser.new_context(viewport={"width": 1100, "height": 800})
    first = first_context.new_page()
    errors: list[str] = []
    first.on("pageerror", lambda error: errors.append(str(error)))
    first.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(first, live_server, "beratung1")
    first.get_by_test_id("select-location").select_option(LOCATION)
    first.get_by_test_id("select-desk").select_option(label="Raum 1")
    expect(first.get_by_test_id("seat-text")).to_have_text(re.compile(r"^Sie sitzen an Raum 1"))
    expect(first.get_by_test_id("leave-desk")).to_be_visible()
    expect(first.get_by_test_id(f"waiting-{code}")).to_be_visible()
    first.get_by_test_id("call-next").click()
    expect(first.get_by_test_id("current-ticket")).to_contain_text(code)

    # Counselor 2, in another browser, sees who sits at Raum 1 and takes it over.
    second_context = browser.new_context(viewport={"width": 1100, "height": 800})
    second = second_context.new_page()
    sign_in(second, live_server, "beratung2")
    second.get_by_test_id("select-location").select_option(LOCATION)
    chooser = second.get_by_test_id("select-desk")
    expect(chooser.locator("option", has_text="Raum 1")).to_have_text(
        "Raum 1 – besetzt: Beratung 1 (Diakonie)"
    )
    asked: list[str] = []

    def confirm(dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    second.once("dialog", confirm)
    chooser.select_option(label="Raum 1 – besetzt: Beratung 1 (Diakonie)")
    expect(second.get_by_test_id("seat-text")).to_have_text(re.compile(r"^Sie sitzen an Raum 1"))
    assert (
        asked and "An Raum 1 sitzt Beratung 1 (Diakonie)" in asked[0] and "übernehmen" in asked[0]
    )

    # Counselor 1's page says so at once and offers no call there any more.
    notice = first.get_by_test_id("desk-notice")
    expect(notice).to_contain_text("Beratung 2 (Caritas) hat Raum 1 übernommen.")
    expect(notice).to_have_attribute("role", "alert")
    expect(first.get_by_test_id("call-next")).to_be_disabled()
    expect(first.get_by_test_id("call-next-hint")).to_contain_text(
        "Nur Beratung 2 (Caritas) ruft zu Raum 1"
    )
    expect(first.get_by_test_id("action-start")).to_be_hidden()
    expect(first.get_by_test_id("seat-text")).to_have_text(
        re.compile(r"^An Raum 1 sitzt Beratung 2 \(Caritas\)")
    )
    expect(first.get_by_test_id("take-over")).to_be_visible()
    first.locator("#at-desks summary").click()
    expect(first.get_by_test_id(f"at-desk-{raum1_id(first, url)}")).to_contain_text(
        re.compile(rf"Raum 1 · Beratung 2 \(Caritas\) · {code} Aufgerufen")
    )
    first.screenshot(path=str(tmp_path / "taken-over.png"), full_page=True)
    second.screenshot(path=str(tmp_path / "took-over.png"), full_page=True)

    # The server refuses counselor 1's call to Raum 1 too, and the ticket stays where it is.
    desks = first.request.get(f"{url}/api/v1/locations/{LOCATION}/desks").json()["desks"]
    raum1 = next(d for d in desks if d["name"] == "Raum 1")
    assert raum1["occupant"]["display_name"] == "Beratung 2 (Caritas)"
    refused = first.request.post(f"{url}/api/v1/desks/{raum1['id']}/call-next")
    assert refused.status == 409 and refused.json()["error"] == "desk_taken"
    expect(second.get_by_test_id("current-ticket")).to_contain_text(code)
    expect(second.get_by_test_id("action-start")).to_be_visible()

    # Counselor 1 chooses another desk from the notice.
    first.get_by_test_id("choose-other-desk").click()
    expect(first.get_by_test_id("select-desk")).to_be_focused()
    first.get_by_test_id("select-desk").select_option(label="Raum 2")
    expect(first.get_by_test_id("seat-text")).to_have_text(re.compile(r"^Sie sitzen an Raum 2"))
    expect(notice).to_be_empty()

    # Leaving frees the desk for everyone's chooser.
    first.get_by_test_id("leave-desk").click()
    expect(first.get_by_test_id("status")).to_have_text("Sie haben Raum 2 verlassen.")
    expect(second.get_by_test_id("select-desk").locator("option", has_text="Raum 2")).to_have_text(
        "Raum 2"
    )
    assert errors == []  # the page's own code raised nothing, the browser logged nothing
    first_context.close()
    second_context.close()
