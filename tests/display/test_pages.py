"""The phone status page and the lobby screen as rendered: languages from the catalog."""

from __future__ import annotations

import pytest

from servicepoint import i18n
from tests.page_html import Page


def draw(client, topic="general", language="de"):
    response = client.post(
        "/api/v1/locations/test-centre/tickets", json={"topic": topic, "language": language}
    )
    assert response.status_code == 201, response.json
    return response.json


def status_page(client, token, query="") -> Page:
    response = client.get(f"/t/{token}{query}")
    assert response.status_code == 200
    return Page(response.data)


# --- the phone's status page ------------------------------------------------------------


@pytest.mark.parametrize(("language", "direction"), [("uk", "ltr"), ("fa", "rtl")])
def test_status_page_is_shown_in_the_tickets_language(client, centre, language, direction):
    ticket = draw(client, language=language)

    page = status_page(client, ticket["token"])

    assert (page.html.get("lang"), page.html.get("dir")) == (language, direction)
    state = page.find(data_testid="status-state")
    assert state.text == i18n.text(language, "status.state_waiting")
    for element in page.find_all(data_i18n=True):
        assert element.text == i18n.text(language, element.get("data-i18n")), element.attrs
    assert page.json("catalog")["lang"] == language


def test_lang_in_the_address_wins_if_offered(client, centre):
    ticket = draw(client, language="uk")

    page = status_page(client, ticket["token"], "?lang=ar")

    assert (page.html.get("lang"), page.html.get("dir")) == ("ar", "rtl")
    current = page.find(**{"class": "lang-current"})
    assert current.text == "العربية" and current.get("dir") == "rtl"


def test_a_language_without_strings_falls_back_and_lang_says_so(app, client, centre):
    app.config["LANGUAGES"] = "de,en,es"
    ticket = draw(client, language="es")  # drawn in a language the catalog cannot show

    page = status_page(client, ticket["token"], "?lang=es")

    assert page.html.get("lang") == "de"
    assert page.find(data_testid="status-state").text == i18n.text("de", "status.state_waiting")
    offered = [a.get("data-lang") for a in page.find_all("a", data_lang=True)]
    assert offered == ["de", "en"]


def test_the_tickets_language_is_offered_even_when_no_longer_configured(app, client, centre):
    ticket = draw(client, language="fa")
    app.config["LANGUAGES"] = "de,en"

    page = status_page(client, ticket["token"])

    assert page.html.get("lang") == "fa"
    offered = [a.get("data-lang") for a in page.find_all("a", data_lang=True)]
    assert offered == ["de", "en", "fa"]
    assert [entry["code"] for entry in page.json("catalog")["languages"]] == offered


def test_cancel_is_offered_exactly_when_the_payload_allows_it(client, centre):
    ticket = draw(client)
    page = status_page(client, ticket["token"])
    config = page.json("status-config")
    assert config["status"]["can_cancel"] is True
    assert "hidden" not in page.find("section", **{"class": "cancel"}).attrs

    client.post(f"/api/v1/tickets/{ticket['token']}/cancel")
    page = status_page(client, ticket["token"])
    assert page.json("status-config")["status"]["can_cancel"] is False
    assert "hidden" in page.find("section", **{"class": "cancel"}).attrs
    assert page.find(data_testid="status-state").text == i18n.text("de", "status.state_cancelled")


# --- the lobby screen -------------------------------------------------------------------


def lobby_page(client) -> Page:
    response = client.get("/display/test-centre")
    assert response.status_code == 200
    return Page(response.data)


def test_lobby_shows_the_first_language_and_the_second_under_it(app, client, centre):
    app.config["LANGUAGES"] = "de,uk,es,ar"

    page = lobby_page(client)

    assert (page.html.get("lang"), page.html.get("dir")) == ("de", "ltr")
    heading = page.find("h1", id="current-heading")
    alt = page.find("span", data_alt="lobby.now_calling")
    assert heading.text.startswith(i18n.text("de", "lobby.now_calling"))
    assert (alt.text, alt.get("lang")) == (i18n.text("uk", "lobby.now_calling"), "uk")
    catalog = page.json("catalog")
    # The screen rotates through exactly the configured languages that have strings.
    assert [entry["code"] for entry in catalog["languages"]] == ["de", "uk", "ar"]
    assert all(key.startswith("lobby.") for key in catalog["strings"]["ar"])


def test_lobby_with_one_language_has_no_second_line(app, client, centre):
    app.config["LANGUAGES"] = "de"

    page = lobby_page(client)

    assert all(span.text == "" for span in page.find_all("span", data_alt=True))
    assert page.find(**{"class": "connection-text"}).text == i18n.text("de", "lobby.connecting")


def test_lobby_in_another_first_language(app, client, centre):
    app.config["LANGUAGES"] = "ar,de"

    page = lobby_page(client)

    assert (page.html.get("lang"), page.html.get("dir")) == ("ar", "rtl")
    assert page.find("title").text.startswith(i18n.text("ar", "lobby.title"))
    alt = page.find("span", data_alt="lobby.recent")
    assert (alt.text, alt.get("lang"), alt.get("dir")) == ("Zuletzt aufgerufen", "de", "ltr")


# --- the catalog as JSON ----------------------------------------------------------------


def test_one_languages_strings_as_json(client):
    response = client.get("/i18n/fa.json?prefix=status.")

    assert response.status_code == 200
    body = response.json
    assert body["lang"] == "fa" and body["language"]["dir"] == "rtl"
    assert body["strings"] == i18n.strings("fa", ["status."])
    assert client.get("/i18n/es.json").status_code == 404  # known, but no strings
    assert client.get("/i18n/xx.json").status_code == 404


# --- an appointment's ticket on the phone -------------------------------------------------


def test_an_appointments_ticket_shows_its_time_instead_of_a_wait(client, session, centre, factory):
    from datetime import date, datetime, time
    from zoneinfo import ZoneInfo

    from servicepoint import appointments, clock
    from servicepoint.models import Consultation

    berlin = ZoneInfo("Europe/Berlin")
    monday = date(2026, 12, 7)
    general = centre.topics[0]
    carla = factory.staff("carla", topics=[general])
    session.add(
        Consultation(
            location=centre,
            weekdays="mon",
            start=time(10),
            end=time(12),
            topics=[general],
            staff=[carla],
            slot_minutes=30,
            bookable_share=100,
        )
    )
    session.commit()
    with clock.frozen(datetime.combine(monday, time(8), tzinfo=berlin)) as move_to:
        booked = appointments.book(
            session, centre, general, datetime.combine(monday, time(10), tzinfo=berlin), staff=carla
        )
        session.commit()
        move_to(datetime.combine(monday, time(9, 40), tzinfo=berlin))
        ticket = client.post(
            "/api/v1/locations/test-centre/check-in", json={"code": booked.code, "language": "de"}
        ).json
        page = status_page(client, ticket["token"])
        move_to(datetime.combine(monday, time(10), tzinfo=berlin))
        walk_in = status_page(client, draw(client)["token"])

    shown = page.find(data_testid="status-appointment")
    assert shown.text == "Ihr Termin: 10:00 Uhr" and "hidden" not in shown.attrs
    assert "hidden" in page.find("dl", **{"class": "facts"}).attrs
    assert page.json("status-config")["status"]["appointment_at"].startswith("2026-12-07T09:00")
    assert "hidden" in walk_in.find(data_testid="status-appointment").attrs
    assert "hidden" not in walk_in.find("dl", **{"class": "facts"}).attrs
