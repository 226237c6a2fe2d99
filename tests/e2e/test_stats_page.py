"""The statistics page and the printable quarterly report in a real browser, over the demo's
months of history: a manager sees tables, the heat map and the charts (drawn by the vendored
Chart.js, offline); the reporting role sees the same page without a 1 or a 2 and without
counselors; the report prints on A4. Screenshots with SERVICEPOINT_SCREENSHOTS."""

from __future__ import annotations

import csv
import io
import os
import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD, _cli
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

SHOTS = os.environ.get("SERVICEPOINT_SCREENSHOTS")


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"stats-{name}.png"), full_page=True)


def cli(live_server, *args, **kwargs):
    env = {**os.environ, "SERVICEPOINT_INSTANCE_PATH": str(live_server.instance)}
    env.pop("SERVICEPOINT_DATABASE_URL", None)
    return _cli(env, *args, **kwargs)


@pytest.fixture(scope="module")
def history(live_server):
    made = cli(live_server, "demo", "--history", "200")
    assert "Past visits written:" in made.stdout
    cli(
        live_server,
        "users",
        "add",
        "foerder",
        "--role",
        "reporting",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    return live_server


def loaded(page: Page) -> None:
    expect(page.locator("body[data-loaded='true']")).to_be_attached(timeout=15000)


def test_a_manager_sees_tables_heat_map_and_charts(browser, history):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, history, "leitung")
    page.goto(f"{history.url}/staff/stats")
    loaded(page)
    expect(page.get_by_test_id("stats-group").locator("option[value='counselor']")).to_have_count(1)
    rows = page.get_by_test_id("stats-table").locator("tbody tr")
    assert rows.count() > 3
    expect(page.get_by_test_id("stats-table").locator("thead")).to_contain_text("Thema")
    expect(page.get_by_test_id("stats-summary")).to_contain_text("Beraten")
    assert page.get_by_test_id("heat-map").locator("td[class^='heat-']").count() == 7 * 13
    # Chart.js drew on both canvases (it is there, offline, and ran).
    drawn = page.evaluate(
        "() => ['chart-months', 'chart-languages'].map((id) => !!window.Chart.getChart(id))"
    )
    assert drawn == [True, True]
    page.get_by_test_id("stats-group").select_option("counselor")
    page.get_by_test_id("stats-show").click()
    expect(page.get_by_test_id("stats-table").locator("thead")).to_contain_text("Berater:in")
    csv_link = page.get_by_test_id("export-csv").get_attribute("href")
    assert csv_link.startswith("/api/v1/stats/export.csv?")
    shot(page, "manager")
    assert not errors, errors
    context.close()


def test_the_reporting_role_sees_no_small_numbers(browser, history):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.goto(f"{history.url}/staff/")
    page.get_by_test_id("login-username").fill("foerder")
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(re.compile(r".*/staff/stats$"))
    loaded(page)
    expect(page.get_by_test_id("suppressed-note")).to_be_visible()
    expect(page.get_by_test_id("stats-group").locator("option[value='counselor']")).to_have_count(0)
    page.get_by_test_id("stats-period").select_option("day")
    page.get_by_test_id("stats-group").select_option("language")
    page.get_by_test_id("stats-show").click()
    expect(page.get_by_test_id("stats-table").locator("thead")).to_contain_text("Sprache")
    loaded(page)
    cells = page.get_by_test_id("stats-table").locator("td.count").all_inner_texts()
    heat = page.get_by_test_id("heat-map").locator("td").all_inner_texts()
    assert "•" in cells
    assert not {"1", "2"} & set(cells + heat)
    shot(page, "reporting")
    context.close()


def test_the_quarterly_report_prints_on_a4(browser, history):
    context = browser.new_context(viewport={"width": 1000, "height": 1400})
    page = context.new_page()
    sign_in(page, history, "leitung")
    page.goto(f"{history.url}/staff/stats/report?location=leverkusen&quarter=2026-Q3")
    loaded(page)
    expect(page.get_by_test_id("report-quarter")).to_contain_text("2026-Q3")
    expect(page.get_by_test_id("report-where")).to_contain_text("Leverkusen")
    topics = page.get_by_test_id("report-topic").locator("tbody tr")
    assert topics.count() >= 3
    texts = page.get_by_test_id("report-language").locator("td.count").all_inner_texts()
    assert not {"1", "2"} & set(texts)
    # Nowhere else on the report either: the summary, every table, the heat map.
    everywhere = page.locator("#main td, #main dd").all_inner_texts()
    assert len(everywhere) > 7 * 13 and not {"1", "2"} & set(everywhere)
    page.emulate_media(media="print")
    expect(page.get_by_test_id("print")).to_be_hidden()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    shot(page, "report-print")
    context.close()


def _as_number(text: str, german: bool = False) -> str:
    """A cell as the page (German: 1.234,5) or the CSV (1234.5) shows it, made comparable."""
    text = text.strip()
    if text in ("", "–"):
        return ""
    if text == "•":
        return text
    return str(float(text.replace(".", "").replace(",", ".") if german else text))


def test_the_reporting_roles_page_matches_the_csv_export(browser, history):
    for width, height, name in ((1280, 1000, "reporting-months"), (390, 844, "reporting-phone")):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        errors: list[str] = []
        page.on(
            "console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None
        )
        page.goto(f"{history.url}/staff/")
        page.get_by_test_id("login-username").fill("foerder")
        page.get_by_test_id("login-password").fill(PASSWORD)
        page.get_by_test_id("login-submit").click()
        page.wait_for_url(re.compile(r".*/staff/stats$"))
        loaded(page)
        page.get_by_test_id("stats-period").select_option("month")
        page.get_by_test_id("stats-group").select_option("language")
        page.get_by_test_id("stats-show").click()
        expect(page.get_by_test_id("stats-table").locator("thead")).to_contain_text("Sprache")
        loaded(page)
        shown = [
            [_as_number(t, german=True) for t in row.locator("td.num").all_inner_texts()]
            for row in page.get_by_test_id("stats-table").locator("tbody tr").all()
        ]
        shown.append(
            [
                _as_number(t, german=True)
                for t in page.get_by_test_id("stats-table")
                .locator("tfoot td.num")
                .all_inner_texts()
            ]
        )
        href = page.get_by_test_id("export-csv").get_attribute("href")
        answer = page.request.get(f"{history.url}{href}")
        assert answer.ok
        header, *rows = csv.reader(io.StringIO(answer.body().decode("utf-8-sig")), delimiter=";")
        assert header[:3] == ["Monat", "Sprache", "Besuche"]  # the page's language: German
        assert shown == [[_as_number(cell) for cell in row[2:]] for row in rows]
        assert len(shown) > 3 and "•" in {cell for row in shown for cell in row}
        summary = page.get_by_test_id("stats-summary").locator("dd").all_inner_texts()
        assert not {"1", "2"} & set(summary) and not any("NaN" in s for s in summary)
        if SHOTS:
            page.screenshot(path=os.path.join(SHOTS, f"stats-{name}.png"))
        assert not errors, errors
        context.close()
