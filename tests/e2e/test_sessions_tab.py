"""The managers' "Sprechstunden" tab in a real browser: a rule added through the form shows
its occurrences in the week and the month view (as the API answers them), a refused input is
marked at that input, one occurrence is cancelled and restored, a closing day removes the
day's sessions; the programme page is linked. The lobby shows the next sessions."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

LOCATION = "leverkusen"
SHOTS = os.environ.get("SERVICEPOINT_SCREENSHOTS")  # a folder to keep screenshots in


@pytest.fixture(scope="module")
def manager(live_server):
    return live_server.signed_in("leitung")


@pytest.fixture(scope="module")
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, "leitung")
    page.goto(f"{live_server.url}/staff/manage#sprechstunden")
    page.get_by_test_id("sessions-location").select_option(LOCATION)
    yield page
    context.close()
    assert errors == []


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def api(live_server, manager, method, path, **kwargs):
    response = manager.request(method, f"{live_server.url}/api/v1{path}", timeout=10, **kwargs)
    assert response.status_code < 400, response.text
    return response.json() if response.content else None


def shown_range(page: Page) -> tuple[str, str]:
    days = page.locator("#calendar [data-date]")
    return days.first.get_attribute("data-date"), days.last.get_attribute("data-date")


def expected(live_server, manager, first: str, last: str) -> dict:
    return api(
        live_server, manager, "GET", f"/locations/{LOCATION}/sessions?from={first}&to={last}"
    )


def test_a_refused_rule_is_marked_at_its_input(page):
    form = page.get_by_test_id("rule-form")
    form.get_by_test_id("rule-weekday-mon").check()
    form.locator('#rule-topics input[type="checkbox"]').first.check()
    form.get_by_test_id("rule-start").fill("16:00")
    form.get_by_test_id("rule-end").fill("12:00")
    form.get_by_test_id("rule-submit").click()
    end = form.get_by_test_id("rule-end")
    expect(end).to_have_attribute("aria-invalid", "true")
    expect(end).to_be_focused()
    note = page.locator(f"#{end.get_attribute('aria-describedby').split()[0]}")
    expect(note).to_have_text("Das Ende muss nach dem Beginn liegen.")


def test_add_a_rule_and_see_its_week(page, live_server, manager):
    form = page.get_by_test_id("rule-form")
    form.get_by_test_id("rule-weekday-thu").check()
    form.get_by_test_id("rule-start").fill("12:45")
    form.get_by_test_id("rule-end").fill("16:45")
    form.get_by_test_id("rule-title").fill("Offene Sprechstunde")
    form.get_by_test_id("rule-submit").click()
    expect(form.locator(".note")).to_contain_text("Offene Sprechstunde")
    rules = api(live_server, manager, "GET", f"/locations/{LOCATION}/sessions")["sessions"]
    made = next(r for r in rules if r["title"] == "Offene Sprechstunde")
    assert made["weekdays"] == ["mon", "thu"] and (made["start"], made["end"]) == ("12:45", "16:45")
    expect(page.get_by_test_id(f"rule-{made['id']}")).to_contain_text("Mo, Do · 12:45–16:45 Uhr")
    first, last = shown_range(page)
    body = expected(live_server, manager, first, last)
    mine = [o for o in body["occurrences"] if o["session"] == made["id"]]
    buttons = page.locator(f'#calendar [data-testid^="occurrence-{made["id"]}-"]')
    expect(buttons).to_have_count(len(mine))
    shot(page, "sessions-week")


def test_the_month_view(page, live_server, manager):
    page.get_by_test_id("view-month").click()
    expect(page.get_by_test_id("view-month")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#calendar table.month")).to_be_visible()
    first = page.locator("#calendar td:not(.outside)").first.get_attribute("data-date")
    last = page.locator("#calendar td:not(.outside)").last.get_attribute("data-date")
    body = expected(live_server, manager, first, last)
    expect(page.locator('#calendar button[data-testid^="occurrence-"]')).to_have_count(
        len(body["occurrences"])
    )
    month = first[:7]
    href = page.get_by_test_id("sessions-programme").get_attribute("href")
    assert href == f"/locations/{LOCATION}/programme?month={month}"
    shot(page, "sessions-month")
    # Next month and back.
    this_month = page.get_by_test_id("calendar-range").inner_text()
    page.get_by_test_id("calendar-next").click()
    expect(page.get_by_test_id("calendar-range")).not_to_have_text(this_month)
    page.get_by_test_id("calendar-today").click()
    expect(page.locator("#calendar td.today")).to_have_count(1)
    expect(page.get_by_test_id("calendar-range")).to_have_text(this_month)


def test_cancel_and_restore_one_occurrence(page, live_server, manager):
    rules = api(live_server, manager, "GET", f"/locations/{LOCATION}/sessions")["sessions"]
    made = next(r for r in rules if r["title"] == "Offene Sprechstunde")
    button = page.locator(f'#calendar [data-testid^="occurrence-{made["id"]}-"]').first
    day = button.get_attribute("data-testid").split("-", 2)[2]
    button.click()
    form = page.get_by_test_id("occurrence-form")
    expect(form).to_be_visible()
    form.get_by_test_id("occurrence-reason").fill("Teamsitzung")
    form.get_by_test_id("occurrence-cancel").click()
    expect(page.get_by_test_id(f"cancelled-{made['id']}-{day}")).to_be_visible()
    expect(page.locator("#sessions-note")).to_have_text(
        f"Termin am {int(day[8:])}.{int(day[5:7])}.{day[:4]} ist abgesagt."
    )
    body = expected(live_server, manager, day, day)
    assert [c["reason"] for c in body["cancelled"]] == ["Teamsitzung"]
    assert all(o["session"] != made["id"] for o in body["occurrences"])
    shot(page, "sessions-cancelled")
    page.get_by_test_id(f"cancelled-{made['id']}-{day}").click()
    form.get_by_test_id("occurrence-restore").click()
    expect(page.get_by_test_id(f"occurrence-{made['id']}-{day}")).to_be_visible()


def test_move_one_occurrence(page, live_server, manager):
    rules = api(live_server, manager, "GET", f"/locations/{LOCATION}/sessions")["sessions"]
    made = next(r for r in rules if r["title"] == "Offene Sprechstunde")
    button = page.locator(f'#calendar [data-testid^="occurrence-{made["id"]}-"]').last
    day = button.get_attribute("data-testid").split("-", 2)[2]
    button.click()
    form = page.get_by_test_id("occurrence-form")
    form.get_by_test_id("occurrence-start").fill("14:00")
    form.get_by_test_id("occurrence-end").fill("13:00")
    form.get_by_test_id("occurrence-move").click()
    expect(form.get_by_test_id("occurrence-end")).to_have_attribute("aria-invalid", "true")
    form.get_by_test_id("occurrence-end").fill("18:00")
    form.get_by_test_id("occurrence-move").click()
    moved = page.get_by_test_id(f"occurrence-{made['id']}-{day}")
    expect(moved).to_contain_text("14:00–18:00")
    expect(moved).to_contain_text("geänderte Zeit")


def test_a_closing_day_removes_the_days_sessions(page, live_server, manager):
    rules = api(live_server, manager, "GET", f"/locations/{LOCATION}/sessions")["sessions"]
    made = next(r for r in rules if r["title"] == "Offene Sprechstunde")
    button = page.locator(f'#calendar [data-testid^="occurrence-{made["id"]}-"]').first
    day = button.get_attribute("data-testid").split("-", 2)[2]
    form = page.get_by_test_id("closure-form")
    form.get_by_test_id("closure-date").fill(day)
    form.get_by_test_id("closure-reason").fill("Betriebsausflug")
    form.get_by_test_id("closure-submit").click()
    expect(page.get_by_test_id(f"closure-{day}")).to_contain_text("Betriebsausflug")
    expect(page.get_by_test_id(f"occurrence-{made['id']}-{day}")).to_have_count(0)
    expect(page.locator(f'#calendar [data-date="{day}"]')).to_contain_text("Geschlossen")
    # Twice: refused at the date input.
    form.get_by_test_id("closure-date").fill(day)
    form.get_by_test_id("closure-submit").click()
    expect(form.get_by_test_id("closure-date")).to_have_attribute("aria-invalid", "true")
    shot(page, "sessions-closure")
    page.get_by_test_id(f"closure-remove-{day}").click()
    expect(page.get_by_test_id(f"occurrence-{made['id']}-{day}")).to_be_visible()


def test_edit_and_delete_a_rule(page, live_server, manager):
    rules = api(live_server, manager, "GET", f"/locations/{LOCATION}/sessions")["sessions"]
    made = next(r for r in rules if r["title"] == "Offene Sprechstunde")
    page.get_by_test_id(f"rule-edit-{made['id']}").click()
    form = page.get_by_test_id("rule-form")
    expect(form.get_by_test_id("rule-start")).to_have_value("12:45")
    form.get_by_test_id("rule-end").fill("17:00")
    form.get_by_test_id("rule-submit").click()
    expect(page.get_by_test_id(f"rule-{made['id']}")).to_contain_text("12:45–17:00 Uhr")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id(f"rule-delete-{made['id']}").click()
    expect(page.get_by_test_id(f"rule-{made['id']}")).to_have_count(0)


def test_the_lobby_shows_the_next_sessions(browser, live_server, manager):
    api(
        live_server,
        manager,
        "POST",
        f"/locations/{LOCATION}/sessions",
        json={
            "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            "start": "00:00",
            "end": "23:59",
            "topics": [
                api(live_server, manager, "GET", f"/locations/{LOCATION}/topics")["topics"][0][
                    "key"
                ]
            ],
            "names": {"de": "Offene Sprechstunde", "ar": "استشارة مفتوحة"},
        },
    )
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="ar")
    lobby = context.new_page()
    lobby.goto(f"{live_server.url}/display/{LOCATION}")
    strip = lobby.get_by_test_id("next-sessions")
    expect(strip).to_be_visible()
    expect(lobby.get_by_test_id("next-session").first).to_contain_text("Offene Sprechstunde")
    shot(lobby, "lobby-sessions")
    context.close()


def test_the_programme_page_in_arabic_prints_on_a4(browser, live_server, manager):
    context = browser.new_context(viewport={"width": 1000, "height": 1300})
    programme = context.new_page()
    programme.goto(f"{live_server.url}/locations/{LOCATION}/programme?lang=ar")
    expect(programme.locator("html")).to_have_attribute("dir", "rtl")
    expect(programme.locator("h1")).to_contain_text("مواعيد الاستشارة")
    expect(programme.get_by_test_id("programme")).to_contain_text("استشارة مفتوحة")
    expect(programme.get_by_test_id("print")).to_be_visible()
    shot(programme, "programme-ar")
    programme.emulate_media(media="print")
    expect(programme.get_by_test_id("print")).to_be_hidden()
    shot(programme, "programme-ar-print")
    pdf = programme.pdf(prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    context.close()
