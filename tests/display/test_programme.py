"""The printable monthly programme and the lobby's next sessions; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from servicepoint import clock
from servicepoint.models import Closure, Consultation, ConsultationChange, Organisation, Role
from tests.page_html import Page


@pytest.fixture
def programme(session, factory, centre):
    general, language = centre.topics
    general.names = {"de": "Allgemeine Beratung", "ar": "استشارة عامة", "en": "General advice"}
    counselor = factory.staff("frau-geheim", locations=[centre])
    weekly = Consultation(
        location=centre,
        weekdays="mon,thu",
        start=time(12, 45),
        end=time(16, 45),
        topics=[general],
        organisation=Organisation(name="Caritasverband Leverkusen", short_name="Caritas"),
        staff=[counselor],
    )
    session.add_all(
        [
            weekly,
            Consultation(
                location=centre,
                weekdays="tue",
                start=time(13, 0),
                end=time(16, 30),
                topics=[language],
                week_of_month=2,
                names={"de": "Sprechstunde Wohnen", "ar": "استشارة السكن"},
            ),
            Closure(location=centre, day=date(2026, 12, 24), reason="Betriebsfeier intern"),
            Closure(location=centre, day=date(2026, 12, 31)),
            ConsultationChange(
                consultation=weekly, day=date(2026, 12, 14), start=time(14, 0), end=time(17, 0)
            ),
        ]
    )
    session.commit()
    return weekly


def test_the_programme_of_a_month_in_german(app, client, programme):
    app.config["LANGUAGES"] = "de,en,ar"
    page = Page(client.get("/locations/test-centre/programme?month=2026-12").data)
    assert page.html.get("lang") == "de" and page.html.get("dir") == "ltr"
    assert page.find("h1").text == "Sprechstunden Dezember 2026"
    rows = {row.get("data-date"): row for row in page.find_all("tr")}
    # Mondays and Thursdays, the second Tuesday; 24, 25, 26 and 31 December closed.
    assert "2026-12-07" in rows and "2026-12-08" in rows and "2026-12-15" not in rows
    assert rows["2026-12-24"].get("class") == "closed"
    assert rows["2026-12-25"].get("class") == "closed"
    assert [r.get("class") for r in page.find_all("tr") if r.get("data-date") == "2026-12-31"] == [
        "closed"
    ]
    text = page.find("table").text
    assert "Erster Weihnachtstag" in text
    assert "Betriebsfeier intern" not in text  # a closure's reason is for staff
    assert "12:45–16:45 Uhr Allgemeine Beratung Caritas" in text
    assert "14:00–17:00 Uhr Allgemeine Beratung Caritas Geänderte Zeit" in text
    assert "Sprechstunde Wohnen" in text
    assert "Frau-Geheim" not in page.find("body").text


def test_the_programme_in_arabic_runs_right_to_left(app, client, programme):
    app.config["LANGUAGES"] = "de,en,ar"
    response = client.get("/locations/test-centre/programme?month=2026-12&lang=ar")
    assert response.status_code == 200
    page = Page(response.data)
    assert page.html.get("lang") == "ar" and page.html.get("dir") == "rtl"
    assert page.find("h1").text == "مواعيد الاستشارة ديسمبر 2026"
    text = page.find("table").text
    assert "استشارة عامة" in text and "استشارة السكن" in text
    assert "الاثنين" in text and "مغلق" in text
    links = [a for a in page.find_all("a") if a.get("hreflang")]
    assert [a.get("hreflang") for a in links] == ["de", "en", "ar"]
    assert [a.get("aria-current") for a in links] == [None, None, "page"]


def test_month_navigation_and_the_default_month(app, client, programme):
    with clock.frozen(datetime(2027, 1, 10, 12, 0, tzinfo=UTC)):
        page = Page(client.get("/locations/test-centre/programme").data)
    assert page.find("h1").text == "Sprechstunden Januar 2027"
    assert "month=2026-12" in page.find("a", **{"data-testid": "previous-month"}).get("href")
    assert "month=2027-02" in page.find("a", **{"data-testid": "next-month"}).get("href")


def test_a_month_without_sessions_says_so(client, centre):
    page = Page(client.get("/locations/test-centre/programme?month=2026-12").data)
    assert page.find(**{"data-testid": "programme-none"}).text == (
        "In diesem Monat sind keine Sprechstunden geplant."
    )


@pytest.mark.parametrize("month", ["2026-13", "12-2026", "2026-1", "x", "1999-01"])
def test_a_bad_month_is_refused(client, centre, month):
    assert client.get(f"/locations/test-centre/programme?month={month}").status_code == 400


def test_the_lobby_names_the_next_sessions(session, client, programme, factory, centre):
    discreet = factory.topic(centre, "language")
    discreet.discreet = True
    session.commit()
    # Monday 7 December 2026, 13:00 in Berlin: the weekly session runs.
    with clock.frozen(datetime(2026, 12, 7, 12, 0, tzinfo=UTC)):
        snapshot = client.get("/api/v1/locations/test-centre/display").json
    upcoming = snapshot["next_sessions"]
    assert [(s["date"], s["day"], s["start"], s["now"]) for s in upcoming] == [
        ("2026-12-07", "today", "12:45", True),
        ("2026-12-10", "thu", "12:45", False),
        ("2026-12-14", "mon", "14:00", False),
    ]
    # The second Tuesday's session is only of a discreet topic: never on the lobby.
    assert all(s["session"] == programme.id for s in upcoming)
    assert upcoming[0]["titles"]["ar"] == "استشارة عامة"
    assert upcoming[0]["titles"]["de"] == "Allgemeine Beratung"
    assert "staff" not in upcoming[0]


def test_the_lobby_hears_of_a_new_session(client, socket_client, factory, centre, auth):
    factory.staff("leitung", role=Role.MANAGER)
    with clock.frozen(datetime(2026, 12, 7, 8, 0, tzinfo=UTC)):
        auth.login("leitung")
        lobby = socket_client("/display", {"location": "test-centre"})
        lobby.get_received("/display")
        made = client.post(
            "/api/v1/locations/test-centre/sessions",
            json={"weekdays": ["mon"], "start": "12:45", "end": "16:45", "topics": ["general"]},
        )
        assert made.status_code == 201
        queues = [e["args"][0] for e in lobby.get_received("/display") if e["name"] == "queue"]
    assert queues and queues[-1]["next_sessions"][0]["day"] == "today"
