"""Every configured language with a catalog works on the kiosk, the phone, the lobby and the
printed ticket: none falls back to English or German because a page keeps its own list.

Tigrinya, Romanian and Bulgarian once fell back (English on the kiosk, German on the
phone); the default offers all fifteen languages now.
"""

from __future__ import annotations

import pytest

from printers import build_layout, test_ticket
from printers.layout import Text
from servicepoint import i18n
from servicepoint.config import DEFAULTS
from tests.page_html import Page

DEFAULT = str(DEFAULTS["LANGUAGES"]).split(",")


def test_the_kiosk_offers_every_default_language_by_its_own_name(app, client, centre):
    app.config["LANGUAGES"] = DEFAULTS["LANGUAGES"]
    page = Page(client.get("/kiosk/test-centre").data)

    buttons = page.find_all("button", **{"class": "lang-button"})
    assert [b.get("data-lang") for b in buttons] == DEFAULT
    assert [b.text for b in buttons] == [i18n.language(code).name for code in DEFAULT]
    assert [b.get("lang") for b in buttons] == DEFAULT
    rtl = [b.get("data-lang") for b in buttons if b.get("dir") == "rtl"]
    assert rtl == ["ar", "fa", "prs", "ps"]
    catalog = page.json("catalog")
    for code in DEFAULT:
        strings = catalog["strings"][code]
        assert strings["kiosk.choose_topic"] == i18n.catalog().own(code)["kiosk.choose_topic"]
        assert strings["kiosk.minutes"] == i18n.catalog().own(code)["kiosk.minutes"]


@pytest.mark.parametrize("code", DEFAULT)
def test_a_ticket_drawn_in_any_default_language_is_followed_in_it_on_the_phone(
    app, client, centre, code
):
    app.config["LANGUAGES"] = DEFAULTS["LANGUAGES"]
    drawn = client.post(
        "/api/v1/locations/test-centre/tickets", json={"topic": "general", "language": code}
    )
    assert drawn.status_code == 201, drawn.json
    assert drawn.json["language"] == code

    page = Page(client.get(f"/t/{drawn.json['token']}").data)

    assert page.html.get("lang") == code
    assert page.html.get("dir") == i18n.catalog().direction(code)
    own = i18n.catalog().own(code)
    assert page.find(data_testid="status-state").text == own["status.state_waiting"]
    offered = [a.get("data-lang") for a in page.find_all("a", data_lang=True)]
    assert offered == DEFAULT


@pytest.mark.parametrize("code", ["ti", "ro", "bg", "prs", "ps", "kmr", "pl", "fr"])
def test_the_lobby_and_the_programme_show_any_default_language(app, client, centre, code):
    app.config["LANGUAGES"] = f"{code},de"

    lobby = Page(client.get("/display/test-centre").data)
    programme = Page(client.get("/locations/test-centre/programme").data)

    own = i18n.catalog().own(code)
    assert lobby.html.get("lang") == code and programme.html.get("lang") == code
    assert lobby.find("title").text.startswith(own["lobby.title"])
    assert programme.find("title").text.startswith(own["lobby.programme_title"])


def test_the_lobby_rotates_through_all_fifteen(app, client, centre):
    app.config["LANGUAGES"] = DEFAULTS["LANGUAGES"]

    catalog = Page(client.get("/display/test-centre").data).json("catalog")

    assert [entry["code"] for entry in catalog["languages"]] == DEFAULT
    assert set(catalog["strings"]) == set(DEFAULT)


@pytest.mark.parametrize("code", DEFAULT)
def test_the_printed_ticket_speaks_the_language_it_was_drawn_in(code):
    printed = [b.text for b in build_layout(test_ticket(code, code="B042")) if isinstance(b, Text)]
    own = i18n.catalog().own(code)

    assert "B042" in printed
    assert own["ticket.sample_topic"] in printed
    assert i18n.fill(own["ticket.people_ahead"], {"n": 3}) in printed
    assert own["ticket.privacy_note"] in printed


@pytest.mark.parametrize("code", ["ps", "ti", "kmr"])
def test_a_refused_draw_is_explained_in_the_visitors_language(app, client, centre, code):
    app.config["LANGUAGES"] = DEFAULTS["LANGUAGES"]
    app.config["TICKETS_PER_ADDRESS"] = 1
    url = "/api/v1/locations/test-centre/tickets"
    assert client.post(url, json={"topic": "general", "language": code}).status_code == 201

    refused = client.post(
        url, json={"topic": "general", "language": code}, headers={"Accept-Language": code}
    )

    assert refused.status_code == 429 and refused.json["error"] == "too_many_tickets"
    seconds = refused.headers["Retry-After"]
    assert refused.json["message"] == i18n.fill(
        i18n.catalog().own(code)["error.too_many_tickets"], {"seconds": seconds}
    )


@pytest.mark.parametrize("code", ["ti", "prs", "pl"])
def test_a_refused_check_in_is_explained_in_the_visitors_language(app, client, centre, code):
    app.config["LANGUAGES"] = DEFAULTS["LANGUAGES"]
    url = "/api/v1/locations/test-centre/check-in"

    empty = client.post(url, json={}, headers={"Accept-Language": code})
    unknown = client.post(url, json={"code": "000000"}, headers={"Accept-Language": code})

    own = i18n.catalog().own(code)
    assert empty.status_code == 400
    assert empty.json["message"] == own["error.check_in_code_or_token"]
    assert unknown.status_code == 404
    assert unknown.json["message"] == own["error.no_appointment_code"]
