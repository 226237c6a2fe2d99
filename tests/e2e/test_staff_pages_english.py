"""The managers' page (every tab), the statistics and the audit trail in a real browser for a
staff member reading English: what the scripts draw (rows, buttons, pills, the calendar, the
tables and the heat map) is English too, and no German word of the interface is left. The
demo's own data (rooms, holidays) stays as entered; topics have their English names.
Screenshots, also at a phone's width, with SERVICEPOINT_SCREENSHOTS."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import _cli
from tests.e2e.conftest import sign_in
from tests.e2e.manage_tabs import each_tab

pytestmark = pytest.mark.e2e

LOCATION = "leverkusen"
SHOTS = os.environ.get("SERVICEPOINT_SCREENSHOTS")
# Words of the German interface that no demo data contains.
GERMAN_UI = re.compile(
    r"\b(Bearbeiten|Deaktivieren|Aktivieren|Speichern|Umbenennen|Schließen|Öffnen|Aktiv|Inaktiv"
    r"|alle Themen|Standort|Standorte|Noch keine|Testdruck|Druckaufträge|Bereit|Woche"
    r"|heute|Feiertag|abgesagt|Uhr|Sprechstunde|Sprechstunden|Überblick|Besuche|Gesamt|Thema"
    r"|Sprache|Zugang|Mo|Di|Mi|Do|Fr|Sa|So|Wann|Wer|Aktion|Seite|Neuere|Ältere|Offen)\b"
)
# The text a reader meets, without what is marked as another language (the other
# languages' names, the switch's "Deutsch", printers' own English messages).
SHOWN_TEXT = """() => {
  const parts = [];
  const mine = (el) => {
    const marked = el.closest("[lang]");
    const page = document.documentElement.lang;
    return !el.closest("script, style") && (!marked || marked.lang === page);
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (el && mine(el)) parts.push(walker.currentNode.textContent);
  }
  for (const el of document.body.querySelectorAll("[aria-label], [title], [placeholder], [alt]")) {
    if (!mine(el)) continue;
    for (const name of ["aria-label", "title", "placeholder", "alt"]) {
      if (el.getAttribute(name)) parts.push(el.getAttribute(name));
    }
  }
  return parts.join("\\n");
}"""


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"english-{name}.png"), full_page=True)


def german_words(page: Page) -> list[str]:
    return sorted(set(GERMAN_UI.findall(page.evaluate(SHOWN_TEXT))))


@pytest.fixture(scope="module")
def english(browser, live_server):
    """A manager signed in on a browser that chose English (the switch's cookie)."""
    env = {**os.environ, "SERVICEPOINT_INSTANCE_PATH": str(live_server.instance)}
    env.pop("SERVICEPOINT_DATABASE_URL", None)
    _cli(env, "demo", "--history", "60")
    made = live_server.signed_in("leitung").post(
        f"{live_server.url}/api/v1/locations/{LOCATION}/kiosks",
        json={"name": "Entrance", "printer_mode": "server", "printer_uri": "dummy://"},
        timeout=10,
    )
    assert made.status_code == 201, made.text
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.add_cookies([{"name": "sp_staff_lang", "value": "en", "url": live_server.url}])
    page = context.new_page()
    sign_in(page, live_server, "leitung")
    page.close()
    yield context
    context.close()


def test_every_manage_tab_in_english(english, live_server):
    page = english.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/staff/manage")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("locations-table").locator("tbody tr").first).to_be_visible()
    for tab, _button in each_tab(page, LOCATION):
        shot(page, f"manage-{tab}")
        assert german_words(page) == [], tab
    # What the scripts drew, in English.
    page.get_by_test_id("tab-topics").click()
    expect(page.get_by_test_id("topics-table")).to_contain_text("Edit")
    expect(page.get_by_test_id("topics-table")).to_contain_text("Deactivate")
    expect(page.get_by_test_id("topics-table").locator(".pill.on").first).to_have_text("Active")
    page.get_by_test_id("tab-desks").click()
    expect(page.get_by_test_id("desks-list")).to_contain_text("Rename")
    page.get_by_test_id("tab-staff").click()
    expect(page.get_by_test_id("staff-table")).to_contain_text("Counselor")
    expect(page.get_by_test_id("staff-memberships")).to_contain_text("No access")
    page.get_by_test_id("tab-kiosks").click()
    expect(page.get_by_test_id("kiosks-table")).to_contain_text("Make a new key")
    page.get_by_test_id("tab-sessions").click()
    expect(page.get_by_test_id("calendar-range")).to_have_text(
        re.compile(r"^Week from \d+ \w+ \d{4} to ")
    )
    expect(page.locator("#calendar h4").first).to_contain_text("Monday")
    page.get_by_test_id("view-month").click()
    expect(page.get_by_test_id("calendar-range")).to_have_text(re.compile(r"^[A-Z][a-z]+ \d{4}$"))
    expect(page.locator("#calendar thead th").first).to_have_text("Mon")
    page.wait_for_load_state("networkidle")
    shot(page, "manage-sessions-month")
    assert german_words(page) == []
    # At a phone's width too (a manager may look on the way).
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_test_id("tab-topics").click()
    shot(page, "manage-topics-phone")
    assert not errors, errors
    page.close()


def test_statistics_and_report_in_english(english, live_server):
    page = english.new_page()
    page.goto(f"{live_server.url}/staff/stats")
    expect(page.locator("body[data-loaded='true']")).to_be_attached(timeout=15000)
    head = page.get_by_test_id("stats-table").locator("thead")
    expect(head).to_contain_text("Topic")
    expect(head).to_contain_text("Visits")
    expect(page.get_by_test_id("stats-summary")).to_contain_text("Counselor time used")
    expect(page.get_by_test_id("heat-map").locator("th[scope='row']").first).to_have_text("Mon")
    page.get_by_test_id("stats-group").select_option("channel")
    page.get_by_test_id("stats-show").click()
    expect(page.get_by_test_id("stats-table").locator("tbody")).to_contain_text("Walk-in")
    shot(page, "stats")
    assert german_words(page) == []
    expect(page.get_by_test_id("export-csv")).to_have_attribute("href", re.compile("channel"))
    csv = page.get_by_test_id("export-csv").get_attribute("href")
    answer = page.request.get(f"{live_server.url}{csv}")
    assert answer.ok
    assert answer.text().lstrip("\ufeff").startswith("Month;Channel;Visits;Served")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "stats-phone")

    page.set_viewport_size({"width": 1000, "height": 1400})
    page.goto(f"{live_server.url}/staff/stats/report?location={LOCATION}")
    expect(page.locator("body[data-loaded='true']")).to_be_attached(timeout=15000)
    expect(page.get_by_test_id("report-topic").locator("thead")).to_contain_text("Served")
    shot(page, "stats-report")
    assert german_words(page) == []
    page.close()


def test_audit_trail_in_english(english, live_server):
    drawn = live_server.signed_in("leitung").post(
        f"{live_server.url}/api/v1/locations/{LOCATION}/tickets",
        json={"topic": "orientation", "language": "ar"},
        timeout=10,
    )
    assert drawn.status_code == 201, drawn.text
    page = english.new_page()
    page.goto(f"{live_server.url}/staff/audit")
    rows = page.get_by_test_id("audit-row")
    expect(rows.first).to_be_visible()
    expect(page.locator("#audit-page")).to_have_text("Page 1")
    page.get_by_test_id("audit-kind").select_option("ticket")
    page.get_by_test_id("audit-apply").click()
    expect(page.get_by_test_id("audit-table")).not_to_have_attribute("aria-busy", "true")
    expect(page.locator('[data-testid="audit-row"]:not([data-kind="ticket"])')).to_have_count(0)
    expect(rows.first).to_contain_text("Ticket")
    page.wait_for_load_state("networkidle")
    shot(page, "audit")
    assert german_words(page) == []
    page.close()


def test_a_manager_chooses_a_colleagues_language(english, live_server):
    page = english.new_page()
    page.goto(f"{live_server.url}/staff/manage#mitarbeitende")
    page.get_by_test_id("edit-staff-beratung2").click()
    language = page.get_by_test_id("staff-language")
    expect(language).to_have_value("")
    expect(language.locator("option[value='en']")).to_have_text("English")
    language.select_option("en")
    page.get_by_test_id("staff-submit").click()
    expect(page.locator("#staff-form-note")).to_have_text("The account beratung2 was saved.")
    listed = live_server.signed_in("leitung").get(f"{live_server.url}/api/v1/staff", timeout=10)
    [colleague] = [s for s in listed.json()["staff"] if s["username"] == "beratung2"]
    assert colleague["language"] == "en"
    # Once chosen, the language can be changed but not taken back to "not chosen".
    page.get_by_test_id("edit-staff-beratung2").click()
    expect(language).to_have_value("en")
    expect(language.locator("option[value='']")).to_be_disabled()
    page.close()
