"""Small numbers stay hidden against someone who does the arithmetic: the JSON the reporting
role gets, the CSV and the XLSX (table and arrivals) each tried with every equation the
table offers (a line's total, a column's total, minutes over their mean, the arrivals' sum,
the share of capacity times the counselor-minutes). On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from servicepoint import i18n
from servicepoint.models import Role, Staff, Visit
from servicepoint.stats.suppression import HIDDEN
from tests.admin.test_stats_api import reporter  # noqa: F401 (a fixture)
from tests.appointment_day import weekday_session

MONDAY = date(2026, 10, 5)
OUTCOMES = ("served", "no_show", "cancelled", "left")
# The true counts per language (served, no-show, cancelled, left); 20 minutes per service.
TRUE = {
    "de": (12, 0, 0, 0),
    "ar": (2, 1, 0, 0),
    "uk": (9, 0, 6, 0),
}


@pytest.fixture
def quarter(session, centre, factory):
    """Thirty visits of one Monday: German 12 served, Arabic 2 served and 1 no-show,
    Ukrainian 9 served and 6 cancelled; everyone arrived at 9 or 10 o'clock but one German
    visitor, who arrived at 14 o'clock."""
    carla = factory.staff("carla", admin=False)
    rows = []
    for language, numbers in TRUE.items():
        for outcome, n in zip(OUTCOMES, numbers, strict=True):
            for i in range(n):
                served = outcome == "served"
                late = language == "de" and i == 0
                rows.append(
                    Visit(
                        service_day=MONDAY,
                        location_id=centre.id,
                        topic_id=centre.topics[0].id,
                        language=language,
                        channel="walk_in",
                        outcome=outcome,
                        arrival_hour=14 if late else 9 + i % 2,
                        wait_minutes=i if served else None,
                        service_minutes=20 if served else None,
                        staff_id=carla.id if served else None,
                    )
                )
    session.add_all(rows)
    session.commit()
    return rows


def ask(client, path="/api/v1/stats", **params):
    query = {"location": "test-centre", "from": "2026-10-01", "to": "2026-12-31"} | params
    return client.get(path, query_string=query)


def number(value):
    """A cell as shown: a number, HIDDEN or None (empty), whatever the file made of it."""
    if value is None or value == "":
        return None
    if value == HIDDEN:
        return HIDDEN
    if isinstance(value, int | float):
        return value
    return float(value) if "." in value else int(value)


def lines_of(header, rows):
    """Header and rows (the last one the total) as dicts of the cells the arithmetic uses
    (an export's headings are in the staff member's language: read back to the columns)."""
    wanted = ("visits", *OUTCOMES, "service_minutes", "service_mean")
    column: dict[str, str] = {}
    for language in i18n.STAFF_LANGUAGES:
        column |= {i18n.text(language, f"staff.stats.{key}"): key for key in wanted}
    keys = [column.get(heading, heading) for heading in header]
    return [{name: number(row[keys.index(name)]) for name in wanted} for row in rows]


def total_label(cell) -> bool:
    return cell in {i18n.text(language, "staff.stats.total") for language in i18n.STAFF_LANGUAGES}


def recompute(lines, arrivals=None, sessions=None) -> set[tuple[int, str]]:
    """Every hidden cell of ``lines`` (groups, then the total) that the table gives away:
    (line, column) of each. Arrivals: 7 lists of 24 (their sum is the visits not cancelled);
    sessions: the JSON's (share of capacity times counselor-minutes is the service minutes)."""
    lines = [dict(line) for line in lines]
    hidden = {(i, c) for i, line in enumerate(lines) for c, v in line.items() if v == HIDDEN}
    found: set[tuple[int, str]] = set()
    *groups, total = range(len(lines))
    arrivals = [list(day) for day in arrivals] if arrivals else None

    def known(i, c):
        return lines[i][c] not in (HIDDEN, None)

    def learn(i, c, value):
        lines[i][c] = value
        found.add((i, c))

    progress = True
    while progress:
        progress = False
        if (
            sessions
            and not known(total, "service_minutes")
            and isinstance(sessions["share_used"], float)
        ):
            minutes = sessions["share_used"] * sessions["counselor_minutes"]
            lines[total]["service_minutes"] = round(minutes)
            progress = True
        for i in range(len(lines)):
            line = lines[i]
            if (
                not known(i, "served")
                and known(i, "service_minutes")
                and isinstance(line["service_mean"], int | float)
                and line["service_mean"] > 0
            ):
                learn(i, "served", round(line["service_minutes"] / line["service_mean"]))
                progress = True
            unknown = [c for c in ("visits", *OUTCOMES) if not known(i, c)]
            if len(unknown) == 1:
                (c,) = unknown
                parts = sum(line[o] for o in OUTCOMES if o != c)
                learn(i, c, parts if c == "visits" else line["visits"] - parts)
                progress = True
        for c in ("visits", *OUTCOMES):
            unknown = [i for i in range(len(lines)) if not known(i, c)]
            if len(unknown) == 1:
                (i,) = unknown
                parts = sum(lines[g][c] for g in groups if g != i)
                learn(i, c, parts if i == total else lines[total][c] - parts)
                progress = True
        if arrivals and known(total, "visits") and known(total, "cancelled"):
            cells = [(d, h) for d in range(7) for h in range(24)]
            unknown = [p for p in cells if arrivals[p[0]][p[1]] == HIDDEN]
            if len(unknown) == 1:
                (d, h) = unknown[0]
                rest = sum(arrivals[x][y] for x, y in cells if (x, y) != (d, h))
                arrivals[d][h] = lines[total]["visits"] - lines[total]["cancelled"] - rest
                found.add((-1, f"arrivals {d} {h}"))
                progress = True
    return {(i, c) for i, c in found if (i, c) in hidden or i == -1}


def no_small_number(values) -> None:
    assert 1 not in values and 2 not in values and 1.0 not in values and 2.0 not in values


def test_the_attack_finds_what_a_careless_table_gives_away():
    # Row 1's served (2) hidden alone, row 0's and the total shown: the column gives it.
    lines = [
        {"visits": 12, "served": 12, "no_show": 0, "cancelled": 0, "left": 0},
        {"visits": 3, "served": HIDDEN, "no_show": HIDDEN, "cancelled": 0, "left": 0},
        {"visits": 15, "served": 14, "no_show": HIDDEN, "cancelled": 0, "left": 0},
    ]
    for line in lines:
        line.update(service_minutes=None, service_mean=None)
    assert recompute(lines) == {(1, "served"), (1, "no_show"), (2, "no_show")}
    # Minutes over their mean give a count hidden by the secondary rule.
    lines = [
        {"visits": 12, "served": 12, "service_minutes": 240, "service_mean": 20.0},
        {"visits": HIDDEN, "served": HIDDEN, "service_minutes": None, "service_mean": None},
        {"visits": HIDDEN, "served": HIDDEN, "service_minutes": 180, "service_mean": 20.0},
        {"visits": 23, "served": 23, "service_minutes": 460, "service_mean": 20.0},
    ]
    for line in lines:
        line.update(no_show=0, cancelled=0, left=0)
    assert (1, "served") in recompute(lines)
    # One hidden arrival: the visits not cancelled less the others.
    arrivals = [[0] * 24 for _day in range(7)]
    arrivals[0][9], arrivals[1][14] = 20, HIDDEN
    total = {"visits": 21, "served": 21, "no_show": 0, "cancelled": 0, "left": 0}
    total.update(service_minutes=None, service_mean=None)
    assert recompute([dict(total), total], arrivals) == {(-1, "arrivals 1 14")}


def test_the_reporting_roles_json_gives_nothing_away(client, auth, quarter, reporter):  # noqa: F811
    assert auth.login(reporter).status_code == 200
    report = ask(client, by="language").json
    assert report["suppressed"] is True
    rows = {row["language"]: row for row in report["rows"]}
    assert rows["ar"]["served"] == HIDDEN and rows["ar"]["no_show"] == HIDDEN
    assert rows["de"]["served"] == 12  # what is big enough stays shown
    assert report["arrivals"][0][14] == HIDDEN
    header = report["columns"]
    table = [[row[c] for c in header] for row in report["rows"]]
    table.append([report["total"][c] for c in header])
    assert recompute(lines_of(header, table), report["arrivals"], report["sessions"]) == set()
    values = [v for row in table for v in row]
    values += [n for day in report["arrivals"] for n in day]
    values += [report["sessions"]["held"], report["sessions"]["cancelled"]]
    no_small_number(values)


def test_the_csv_gives_nothing_away(client, auth, quarter, factory):
    factory.staff("leitung", role=Role.MANAGER, admin=False)
    auth.login("leitung")
    for by in ("language", "topic,language", ""):
        answer = ask(client, "/api/v1/stats/export.csv", by=by)
        assert answer.status_code == 200
        header, *rows = csv.reader(io.StringIO(answer.data.decode("utf-8-sig")), delimiter=";")
        assert total_label(rows[-1][0]) or not by
        assert recompute(lines_of(header, rows)) == set()
        no_small_number([number(cell) for row in rows for cell in row[len(by.split(",")) :]])


def test_the_xlsx_gives_nothing_away(client, auth, quarter, factory):
    factory.staff("leitung", role=Role.MANAGER, admin=False)
    auth.login("leitung")
    book = load_workbook(io.BytesIO(ask(client, "/api/v1/stats/export.xlsx", by="language").data))
    header, *rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    arrivals = [list(row)[1:] for row in book.worksheets[1].iter_rows(values_only=True)][1:]
    assert len(arrivals) == 7 and all(len(day) == 24 for day in arrivals)
    assert arrivals[0][14] == HIDDEN
    assert recompute(lines_of(header, rows), arrivals) == set()
    no_small_number([cell for row in rows for cell in row[1:]])
    no_small_number([n for day in arrivals for n in day])


def test_sessions_and_the_share_of_capacity_follow_the_rules(
    client,
    auth,
    session,
    centre,
    quarter,
    factory,
    reporter,  # noqa: F811
):
    carla = session.get(Staff, quarter[0].staff_id)
    weekday_session(session, centre, [carla])
    one_day = {"from": MONDAY.isoformat(), "to": MONDAY.isoformat()}
    factory.staff("leitung", role=Role.MANAGER, admin=False)
    auth.login("leitung")
    full = ask(client, **one_day).json["sessions"]
    assert full["held"] == 1 and full["counselor_minutes"] == 120
    assert full["share_used"] == round(23 * 20 / 120, 3)
    auth.logout()
    auth.login(reporter)
    shown = ask(client, **one_day).json["sessions"]
    assert shown["held"] == HIDDEN and shown["cancelled"] == 0
    # 23 services of 20 minutes: a line whose counts are all shown keeps its minutes.
    report = ask(client, **one_day).json
    assert report["total"]["service_minutes"] == 460
    assert shown["share_used"] == full["share_used"]
