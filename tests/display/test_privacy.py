"""The privacy notice: what is stored, why, how long (as the settings say), whom to ask,
in every language (right to left where it is), linked from the kiosk, the status page and
the booking pages; the printed ticket points to it in the visitor's language."""

from __future__ import annotations

import pytest

from printers import build_layout, test_ticket
from printers.layout import Text
from servicepoint import i18n
from servicepoint.config import DEFAULTS
from tests.page_html import Page

LANGUAGES = str(DEFAULTS["LANGUAGES"]).split(",")


@pytest.fixture
def every_language(app):
    app.config["LANGUAGES"] = DEFAULTS["LANGUAGES"]


def test_the_notice_names_the_periods_of_the_settings_and_the_operator(app, client, centre):
    app.config["CARD_KEEP_MONTHS"] = 6
    app.config["TICKET_KEEP_DAYS"] = 60
    response = client.get("/t/privacy/test-centre?lang=en")
    assert response.status_code == 200
    page = Page(response.data)
    assert page.find(data_testid="privacy-tickets").text == (
        "Tickets and appointments: 60 days, then they are deleted."
    )
    cards = page.find(data_testid="privacy-cards").text
    assert cards == "Client cards: 6 months after their last use."
    operator = page.find(data_testid="privacy-operator").text
    assert "Centre test-centre" in operator and "Teststraße 1" in operator
    assert "\u2068Centre test-centre\u2069 stores" in page.find("article").text
    assert not page.find_all(data_testid="privacy-back")


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_notice_speaks_every_kiosk_language(every_language, client, centre, code):
    page = Page(client.get(f"/t/privacy/test-centre?lang={code}").data)
    own = i18n.catalog().own(code)
    assert page.html.get("lang") == code
    assert page.html.get("dir") == ("rtl" if i18n.is_rtl(code) else "ltr")
    assert page.find("h1").text == own["privacy.title"]
    assert own["privacy.keep_email"] in page.find("article").text


def test_an_unknown_location_has_no_notice(client, centre):
    assert client.get("/t/privacy/nowhere").status_code == 404


def test_the_kiosk_the_status_page_and_the_booking_page_link_the_notice(client, centre):
    kiosk = Page(client.get("/kiosk/test-centre").data)
    assert kiosk.find(data_testid="kiosk-privacy").get("href").startswith("/t/privacy/test-centre?")
    drawn = client.post("/api/v1/locations/test-centre/tickets", json={"topic": "general"})
    status = Page(client.get(f"/t/{drawn.json['token']}?lang=en").data)
    assert status.find(data_testid="privacy-link").get("href") == ("/t/privacy/test-centre?lang=en")
    booking = Page(client.get("/t/book/test-centre?lang=en").data)
    assert booking.find(data_testid="privacy-link").get("href") == (
        "/t/privacy/test-centre?lang=en"
    )


def test_from_the_kiosk_the_notice_leads_back_to_it(client, centre):
    page = Page(client.get("/t/privacy/test-centre?lang=de&from=kiosk").data)
    assert page.find(data_testid="privacy-back").get("href") == "/kiosk/test-centre"


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_printed_ticket_points_to_the_notice_on_one_line(code):
    printed = [b.text for b in build_layout(test_ticket(code)) if isinstance(b, Text)]
    line = i18n.catalog().own(code)["ticket.privacy_notice"]
    assert printed[-1] == line
    assert len(line) <= 40  # one line of an 80 mm printer's 48 characters
