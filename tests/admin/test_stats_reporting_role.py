"""What the reporting role reaches: aggregates only, always suppressed (asking for them in
full changes nothing), never the counselors, the audit trail or the management; and the
statistics' parameters refused with a message naming the field. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from servicepoint.models import Role, Visit
from servicepoint.stats.suppression import HIDDEN
from tests.admin.test_stats_api import reporter, visits  # noqa: F401 (fixtures)

RANGE = "from=2026-10-01&to=2026-12-31"


def test_the_reporting_role_cannot_ask_for_more(client, auth, visits, reporter):  # noqa: F811
    assert auth.login(reporter).status_code == 200
    for query in (f"location=test-centre&{RANGE}&by=language", f"{RANGE}&by=language"):
        for full in ("", "&suppressed=0", "&suppressed=false"):
            report = client.get(f"/api/v1/stats?{query}{full}").json
            assert report["suppressed"] is True
            assert {r["language"]: r["served"] for r in report["rows"]}["ar"] == HIDDEN
    for path in ("/api/v1/stats", "/api/v1/stats/export.csv", "/api/v1/stats/export.xlsx"):
        for where in ("location=test-centre&", ""):
            refused = client.get(f"{path}?{where}{RANGE}&by=topic,counselor")
            assert refused.status_code == 400 and refused.json["field"] == "by"
            assert "managers only" in refused.json["message"]


def test_the_reporting_role_sees_no_audit_trail_and_manages_nothing(
    client,
    auth,
    visits,  # noqa: F811
    reporter,  # noqa: F811
):
    assert auth.login(reporter).status_code == 200
    assert client.get("/api/v1/audit").status_code == 403
    assert client.get("/api/v1/audit?location=test-centre").status_code == 403
    page = client.get("/staff/audit")
    assert page.status_code == 403
    assert client.get("/staff/").status_code == 302  # to the statistics
    assert client.get("/staff/stats").status_code == 200
    changed = client.patch("/api/v1/locations/test-centre/topics/general", json={"prefix": "Z"})
    assert changed.status_code == 403


@pytest.mark.parametrize(
    ("query", "field", "says"),
    [
        ("by=shoe_size", "by", "'shoe_size' (known: location, organisation"),
        ("by=topic,,nonsense", "by", "'nonsense'"),
        ("from=2026-02-30", "from", "a date like '2026-12-24' (not '2026-02-30')"),
        ("from=01.10.2026", "from", "(not '01.10.2026')"),
        ("to=tomorrow", "to", "(not 'tomorrow')"),
        ("from=2026-12-01&to=2026-11-01", "to", "before"),
        ("from=2020-01-01&to=2026-12-31", "to", "At most 1099 days"),
    ],
)
def test_bad_parameters_are_refused_with_a_message(
    client, auth, centre, factory, query, field, says
):
    factory.staff("leitung", role=Role.MANAGER, admin=False)
    auth.login("leitung")
    for path in ("/api/v1/stats", "/api/v1/stats/export.csv", "/api/v1/stats/export.xlsx"):
        answer = client.get(f"{path}?location=test-centre&{query}")
        assert answer.status_code == 400, (path, query)
        assert (answer.json["error"], answer.json["field"]) == ("invalid", field)
        assert says in answer.json["message"], answer.json
    unknown = client.get(f"/api/v1/stats?location=atlantis&{RANGE}")
    assert unknown.status_code == 404


def test_a_manager_sees_the_figures_of_their_own_locations_only(
    client,
    auth,
    session,
    centre,
    factory,
    visits,  # noqa: F811
):
    elsewhere = factory.location("moers")
    session.add(
        Visit(
            service_day=visits[0].service_day,
            location_id=elsewhere.id,
            language="tr",
            channel="walk_in",
            outcome="served",
            arrival_hour=9,
        )
    )
    session.commit()
    factory.staff("leitung", role=Role.MANAGER, locations=[centre], admin=False)
    auth.login("leitung")
    assert client.get(f"/api/v1/stats?location=moers&{RANGE}").status_code == 403
    assert client.get(f"/api/v1/stats/export.csv?location=moers&{RANGE}").status_code == 403
    mine = client.get(f"/api/v1/stats?{RANGE}&by=location").json
    assert [row["location"] for row in mine["rows"]] == [centre.name]
    assert mine["total"]["visits"] == 30 and mine["suppressed"] is False
