"""The statistics API: managers see their figures in full, the reporting role only with small
numbers hidden, every export suppressed; CSV and XLSX hold what the JSON says. On SQLite
and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from servicepoint.models import Organisation, Role, Visit, VisitDay
from servicepoint.stats import figures
from servicepoint.stats.suppression import HIDDEN
from tests.conftest import PASSWORD

FIRST = date(2026, 10, 5)  # a Monday of the quarter asked for


@pytest.fixture
def visits(session, centre, factory):
    """Thirty visits in October: general (German 12 served, Arabic 2 served, 1 no-show),
    language (Ukrainian 9 served, 6 cancelled); waits 0..11 for the German ones."""
    carla = factory.staff("carla", admin=False)
    organisation = Organisation(name="Caritas Leverkusen", short_name="Caritas")
    session.add(organisation)
    session.flush()
    general, language = centre.topics
    rows = []

    def add(topic, lang, outcome, n, wait=None, **values):
        for i in range(n):
            rows.append(
                Visit(
                    service_day=FIRST,
                    location_id=centre.id,
                    organisation_id=organisation.id,
                    topic_id=topic.id,
                    language=lang,
                    channel="walk_in",
                    outcome=outcome,
                    arrival_hour=9 if i % 2 else 10,
                    wait_minutes=wait(i) if wait else None,
                    service_minutes=20 if outcome == "served" else None,
                    staff_id=carla.id if outcome == "served" else None,
                    **values,
                )
            )

    add(general, "de", "served", 12, wait=lambda i: i, card_id=None)
    add(general, "ar", "served", 2, wait=lambda i: 30)
    add(general, "ar", "no_show", 1)
    add(language, "uk", "served", 9, wait=lambda i: 5, card_id=77)
    add(language, "uk", "cancelled", 6)
    session.add_all(rows)
    session.commit()
    return rows


@pytest.fixture
def reporter(runner):
    added = runner.invoke(
        ["users", "add", "foerder", "--role", "reporting", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert added.exit_code == 0, added.output
    return "foerder"


def stats(client, query="", path="/api/v1/stats"):
    return client.get(f"{path}?location=test-centre&from=2026-10-01&to=2026-12-31{query}")


def flat(report) -> list:
    values = [v for row in report["rows"] for v in row.values()]
    values += list(report["total"].values())
    values += [n for day in report["arrivals"] for n in day]
    return values


def norm(value) -> str:
    """A cell as text, numbers the same whether a spreadsheet kept them as 20 or 20.0."""
    if value is None or value == "":
        return ""
    try:
        return str(float(value))
    except ValueError:
        return str(value)


def test_a_manager_sees_the_quarter_in_full(client, auth, visits, factory):
    factory.staff("leitung", role=Role.MANAGER, admin=False)
    auth.login("leitung")
    answer = stats(client, "&by=topic,language")
    assert answer.status_code == 200, answer.json
    report = answer.json
    assert report["suppressed"] is False
    rows = {(r["topic"], r["language"]): r for r in report["rows"]}
    assert rows["General", "de"]["served"] == 12
    assert rows["General", "de"]["wait_median"] == 5.5
    assert rows["General", "de"]["wait_p90"] == 9.9
    assert rows["General", "ar"]["served"] == 2 and rows["General", "ar"]["no_show"] == 1
    assert rows["Language", "uk"]["card_holders"] == 1
    assert report["total"]["visits"] == 30
    assert sum(map(sum, report["arrivals"])) == 24  # cancelled ones never arrived
    assert report["arrivals"][0][9] == 11 and report["arrivals"][0][10] == 13
    by_counselor = stats(client, "&by=counselor").json
    assert {r["counselor"]: r["served"] for r in by_counselor["rows"]} == {"Carla": 23, "—": 0}


def test_the_reporting_role_never_sees_a_one_or_a_two(client, auth, visits, reporter):
    assert auth.login(reporter).status_code == 200
    answer = stats(client, "&by=topic,language")
    assert answer.status_code == 200, answer.json
    report = answer.json
    assert report["suppressed"] is True
    values = flat(report)
    assert 1 not in values and 2 not in values
    rows = {(r["topic"], r["language"]): r for r in report["rows"]}
    assert rows["General", "ar"]["served"] == HIDDEN
    assert rows["General", "ar"]["wait_median"] == HIDDEN  # 2 waits: fewer than 5
    assert rows["General", "de"]["wait_median"] == 5.5
    assert rows["Language", "uk"]["card_holders"] == HIDDEN
    refused = stats(client, "&by=counselor")
    assert refused.status_code == 400 and refused.json["field"] == "by"
    # Every location is theirs to see, nothing else is.
    assert client.get("/api/v1/stats?from=2026-10-01&to=2026-12-31").status_code == 200
    assert client.get("/api/v1/locations/test-centre/queue").status_code in (403, 404)


def test_counselors_see_no_statistics(client, auth, visits, factory):
    factory.staff("berater", admin=False)
    auth.login("berater")
    assert stats(client).status_code == 403


def test_exports_are_suppressed_and_match_the_json(client, auth, visits, factory):
    factory.staff("leitung", role=Role.MANAGER, admin=False)
    auth.login("leitung")
    shown = stats(client, "&by=topic,language&suppressed=1").json
    csv_answer = stats(client, "&by=topic,language", path="/api/v1/stats/export.csv")
    assert csv_answer.status_code == 200
    assert csv_answer.mimetype == "text/csv"
    assert (
        "statistik-test-centre-2026-10-01-2026-12-31.csv"
        in csv_answer.headers["Content-Disposition"]
    )
    table = list(csv.reader(io.StringIO(csv_answer.data.decode("utf-8-sig")), delimiter=";"))
    assert table[0][:4] == ["Thema", "Sprache", "Besuche", "Beraten"]
    expected = [
        [r["topic"], r["language"], *("" if r[c] is None else str(r[c]) for c in shown["columns"])]
        for r in shown["rows"]
    ]
    assert table[1:-1] == expected
    assert table[-1][0] == "Gesamt" and table[-1][2] == "30"
    xlsx = stats(client, "&by=topic,language", path="/api/v1/stats/export.xlsx")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.data))
    sheet = book.worksheets[0]
    cells = [[norm(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert cells == [[norm(v) for v in row] for row in table]
    assert 1 not in [c.value for row in sheet.iter_rows() for c in row]
    assert 2 not in [c.value for row in sheet.iter_rows() for c in row]
    assert book.worksheets[1].title == "Ankünfte"
    assert stats(client, "&by=counselor", path="/api/v1/stats/export.csv").status_code == 400


def test_days_without_facts_are_counted_from_the_aggregates(client, auth, session, centre, factory):
    factory.staff("leitung", role=Role.MANAGER, admin=False)
    session.add(
        VisitDay(
            service_day=date(2026, 11, 2),
            location_id=centre.id,
            organisation_id=0,
            topic_id=centre.topics[0].id,
            language="fa",
            channel="walk_in",
            outcome="served",
            visits=40,
            waits=40,
            wait_minutes=400,
            services=40,
            service_minutes=800,
        )
    )
    session.commit()
    auth.login("leitung")
    report = stats(client, "&by=month,language").json
    [row] = report["rows"]
    assert (row["month"], row["language"], row["served"]) == ("2026-11", "fa", 40)
    assert (row["wait_mean"], row["wait_median"], row["service_mean"]) == (10.0, None, 20.0)


def test_bad_parameters_name_their_field(client, auth, centre, factory):
    factory.staff("leitung", role=Role.MANAGER, admin=False)
    auth.login("leitung")
    assert stats(client, "&by=shoe_size").json["field"] == "by"
    backwards = client.get("/api/v1/stats?from=2026-12-01&to=2026-11-01")
    assert backwards.status_code == 400 and backwards.json["field"] == "to"
    assert client.get("/api/v1/stats?from=yesterday").json["field"] == "from"


def test_only_admins_give_the_reporting_role_in_the_staff_api(client, auth, centre, factory):
    factory.staff("leitung", role=Role.MANAGER, admin=False)
    factory.staff("chefin", role=Role.MANAGER, admin=True)
    body = {"username": "land", "password": PASSWORD, "role": "reporting"}
    auth.login("leitung")
    refused = client.post("/api/v1/staff", json=body)
    assert refused.status_code == 403 and refused.json["field"] == "role"
    auth.logout()
    auth.login("chefin")
    made = client.post("/api/v1/staff", json=body)
    assert made.status_code in (200, 201), made.json
    auth.logout()
    assert auth.login("land").status_code == 200
    assert stats(client).json["suppressed"] is True


def test_topics_are_named_in_the_staff_members_language_else_in_german(
    client, auth, session, centre, visits, factory
):
    general, language = centre.topics
    general.names = {"de": "Allgemeine Beratung", "en": "General counselling"}
    language.names = {"de": "Sprachkurse"}  # no English name yet
    leitung = factory.staff("leitung", role=Role.MANAGER, admin=False)
    session.commit()
    auth.login("leitung")

    def topics() -> tuple[list[str], list[str]]:
        rows = stats(client, "&by=topic").json["rows"]
        exported = stats(client, "&by=topic", path="/api/v1/stats/export.csv")
        table = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig")), delimiter=";"))
        return sorted(r["topic"] for r in rows), sorted(row[0] for row in table[1:-1])

    assert topics() == (["Allgemeine Beratung", "Sprachkurse"],) * 2
    leitung.language = "en"
    session.commit()
    assert topics() == (["General counselling", "Sprachkurse"],) * 2


def test_rows_and_hidden_cells_are_the_same_in_every_language(session, centre, visits, factory):
    """Topics are grouped by their German names and only then named in the reader's
    language: a name that says two things there, or that two rows would bear, stays German,
    so no row is split or merged by the language, and a hidden cell stays hidden."""
    general, language = centre.topics
    general.names = {"de": "Allgemeine Beratung", "en": "General counselling"}
    language.names = {"de": "Sprachkurse", "en": "Language courses"}
    other = factory.location("other-centre", topics=("general", "language", "work"))
    other_general, other_language, work = other.topics
    other_general.names = {"de": "Allgemeine Beratung"}  # no English name here
    other_language.names = {"de": "Sprachkurs", "en": "Language courses"}  # the same English
    work.names = {"de": "Arbeit", "en": "Work"}
    for topic, served in ((other_general, 1), (other_language, 2), (work, 7)):
        session.add_all(
            Visit(
                service_day=FIRST,
                location_id=other.id,
                topic_id=topic.id,
                language="fa",
                channel="walk_in",
                outcome="served",
                arrival_hour=11,
            )
            for _ in range(served)
        )
    session.commit()

    def rows(language: str) -> dict[str, dict]:
        query = figures.Query(None, FIRST, date(2026, 12, 31), ("topic",), language)
        report = figures.report(figures.count(session, query), suppressed=True)
        return {row.pop("topic"): row for row in report["rows"]}

    german, english = rows("de"), rows("en")
    assert sorted(german) == ["Allgemeine Beratung", "Arbeit", "Sprachkurs", "Sprachkurse"]
    assert sorted(english) == ["Allgemeine Beratung", "Sprachkurs", "Sprachkurse", "Work"]
    assert german["Sprachkurs"]["served"] == english["Sprachkurs"]["served"] == HIDDEN
    assert english["Work"] == german["Arbeit"]  # 7, hidden too: the column's lone other
    assert [english[name] for name in ("Allgemeine Beratung", "Sprachkurs", "Sprachkurse")] == [
        german[name] for name in ("Allgemeine Beratung", "Sprachkurs", "Sprachkurse")
    ]


def test_an_english_staff_members_exports_are_in_english_with_the_same_figures(
    client, auth, session, visits, factory
):
    leitung = factory.staff("leitung", role=Role.MANAGER, admin=False)
    session.commit()
    auth.login("leitung")
    query = "&by=channel,language"

    def tables():
        answer = stats(client, query, path="/api/v1/stats/export.csv")
        assert answer.status_code == 200
        table = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig")), delimiter=";"))
        workbook = load_workbook(
            io.BytesIO(stats(client, query, path="/api/v1/stats/export.xlsx").data)
        )
        return answer.headers["Content-Disposition"], table, workbook

    german_name, german, german_book = tables()
    leitung.language = "en"
    session.commit()
    english_name, english, english_book = tables()

    assert "statistik-test-centre-2026-10-01" in german_name
    assert "statistics-test-centre-2026-10-01" in english_name
    assert german[0][:4] == ["Zugang", "Sprache", "Besuche", "Beraten"]
    assert english[0][:4] == ["Channel", "Language", "Visits", "Served"]
    assert english[0][-1] == "Service minutes" and german[0][-1] == "Beratungsminuten"
    assert {row[0] for row in german[1:-1]} == {"Ohne Termin"}
    assert {row[0] for row in english[1:-1]} == {"Walk-in"}
    assert (german[-1][0], english[-1][0]) == ("Gesamt", "Total")
    # The same rows and figures, only the words differ.
    assert [row[1:] for row in english[1:]] == [row[1:] for row in german[1:]]
    assert len(english) == len(german) > 3
    assert [sheet.title for sheet in german_book.worksheets] == ["Statistik", "Ankünfte"]
    assert [sheet.title for sheet in english_book.worksheets] == ["Statistics", "Arrivals"]
    german_arrivals = list(german_book.worksheets[1].iter_rows(values_only=True))
    english_arrivals = list(english_book.worksheets[1].iter_rows(values_only=True))
    assert [row[0] for row in english_arrivals[1:]] == [
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
        "Sun",
    ]
    assert [row[0] for row in german_arrivals[1:]] == ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"]
    assert [row[1:] for row in english_arrivals] == [row[1:] for row in german_arrivals]
    english_cells = [list(row) for row in english_book.worksheets[0].iter_rows(values_only=True)]
    assert [[norm(v) for v in row] for row in english_cells] == [
        [norm(v) for v in row] for row in english
    ]
