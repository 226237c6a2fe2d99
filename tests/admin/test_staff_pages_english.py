"""The managers' page, the statistics, the quarterly report and the audit trail in English
for a staff member who chose English: English headings, no German left in what the page
shows (what is marked as another language, like the switch's "Deutsch", aside), and the
scripts get the English strings; German stays the default."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from servicepoint import i18n
from servicepoint.models import Role
from tests.page_html import Page

#: Words and letters that give German away (the brief's "Speichern", "Standort", umlauts).
GERMAN = re.compile(
    r"[äöüÄÖÜß„]|\b(Speichern|Standort|Standorte|Abbrechen|Bearbeiten|Thema|Themen|Sprache|Verwaltung|Statistik|Protokoll|Anzeigen|Gesamt|Alle|und|oder|der|die|das)\b"
)
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class ShownText(HTMLParser):
    """The text a reader meets: element text and the attributes read aloud or shown
    (``aria-label``, ``title``, ``placeholder``, ``alt``), without scripts and without
    elements marked as another language than the page's."""

    def __init__(self, page_language: str) -> None:
        super().__init__()
        self.page_language = page_language
        self.stack: list[tuple[str, bool]] = []  # (tag, hidden from this check)
        self.parts: list[str] = []

    def _skipping(self) -> bool:
        return any(skip for _tag, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        other = values.get("lang") not in (None, self.page_language) and tag != "html"
        skip = tag in ("script", "style") or other
        if not self._skipping() and not skip:
            for name in ("aria-label", "title", "placeholder", "alt"):
                if values.get(name):
                    self.parts.append(values[name])
        if tag not in VOID:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not self._skipping() and data.strip():
            self.parts.append(data.strip())


def shown_text(html: str, language: str = "en") -> str:
    parser = ShownText(language)
    parser.feed(html)
    return "\n".join(parser.parts)


def german_in(text: str) -> list[str]:
    return sorted({m.group(0) for m in GERMAN.finditer(text)})


@pytest.fixture
def manager(factory, session, centre):
    """A manager (an admin too: every tab) who reads the staff pages in English."""
    staff = factory.staff("leitung", role=Role.MANAGER)
    staff.language = "en"
    session.commit()
    return staff


def page(client, auth, path: str) -> tuple[str, Page]:
    assert auth.login("leitung").status_code == 200
    answer = client.get(path)
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert re.search(r'<html lang="en"', html), "the page is not in English"
    return html, Page(html)


def test_the_managers_page_in_english(client, auth, manager):
    html, parsed = page(client, auth, "/staff/manage")
    text = shown_text(html)
    tabs = [tab.text for tab in parsed.find_all("button", role="tab")]
    assert tabs == [
        "Locations",
        "Topics",
        "Desks",
        "Staff",
        "Kiosks & printers",
        "Organisations",
        "Consultation sessions",
    ]
    assert parsed.find("h1").text == "Administration"
    for words in (
        "Add location",
        "Add topic",
        "Add desk",
        "Add account",
        "Add kiosk",
        "Add organisation",
        "Add consultation session",
        "Add closing day",
        "Names per language",
        "Reset password",
        "Preview: what a printed ticket looks like",
    ):
        assert words in text, words
    assert german_in(text) == []
    # The other languages are named in English.
    assert "Ukrainian (uk)" in text and "Arabic (ar)" in text
    assert "Ukrainisch" not in html
    # The scripts' words: the catalog the page carries is English.
    catalog = parsed.json("catalog")
    assert catalog["lang"] == "en"
    strings = catalog["strings"]["en"]
    assert strings["staff.manage.save"] == "Save"
    assert strings["staff.manage.no_location"] == "Please add a location first."
    assert strings["staff.manage.kiosks.printer_state.paper_out"] == "Out of paper"


def test_the_managers_page_stays_german_by_default(client, auth, manager, session):
    manager.language = "de"
    session.commit()
    assert auth.login("leitung").status_code == 200
    html = client.get("/staff/manage").get_data(as_text=True)
    assert '<html lang="de"' in html
    text = shown_text(html, "de")
    for words in (
        "Verwaltung",
        "Standort anlegen",
        "Thema anlegen",
        "Namen je Sprache",
        "Ukrainisch",
    ):
        assert words in text, words
    assert {"Standort", "Abbrechen", "ä"} <= set(german_in(text))  # the check sees German


def test_the_statistics_page_and_the_report_in_english(client, auth, manager):
    html, parsed = page(client, auth, "/staff/stats")
    text = shown_text(html)
    assert parsed.find("h1").text == "Statistics"
    for words in (
        "Overview",
        "Breakdown",
        "Whole range",
        "Print quarterly report",
        "Arrivals by weekday and hour",
        "Visits by month",
        "Counselor",
    ):
        assert words in text, words
    assert german_in(text) == []

    html, parsed = page(client, auth, "/staff/stats/report?quarter=2026-Q4")
    text = shown_text(html)
    assert "Quarterly report" in parsed.find("h1").text
    for words in ("All locations", "Topics", "Languages", "Channels", "Organisations", "Print"):
        assert words in text, words
    assert german_in(text) == []


def test_the_audit_trail_in_english(client, auth, manager):
    html, parsed = page(client, auth, "/staff/audit")
    text = shown_text(html)
    assert parsed.find("h1").text == "Audit trail of changes"
    for words in ("When", "Who", "Before → after", "Newer", "Older", "Everything"):
        assert words in text, words
    assert german_in(text) == []
    config = parsed.json("audit-config")
    assert config["kindNames"]["ticket"] == "Ticket"
    assert config["actionNames"]["no_show"] == "no-show"
    strings = parsed.json("catalog")["strings"]["en"]
    assert strings["staff.audit_page"] == "Page {n}"


def test_the_english_strings_of_these_pages_have_no_german_in_them():
    english = i18n.strings("en", ("staff.manage.", "staff.stats.", "staff.audit"))
    german = i18n.strings("de", ("staff.manage.", "staff.stats.", "staff.audit"))
    assert len(english) == len(german) > 300
    # Names of things that are German on purpose (a sample organisation's name).
    leftovers = {
        key: text
        for key, text in english.items()
        if german_in(text) and key != "staff.manage.organisations.name_hint"
    }
    assert leftovers == {}
