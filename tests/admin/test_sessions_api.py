"""Consultation sessions over the staff API: rules, single occurrences, closures, the
occurrences of a range; validation and access; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from servicepoint.models import (
    Closure,
    Consultation,
    ConsultationChange,
    Organisation,
    Role,
)

RULE = {"weekdays": ["mon", "thu"], "start": "12:45", "end": "16:45", "topics": ["general"]}


@pytest.fixture
def manager(factory, centre):
    return factory.staff("leitung", role=Role.MANAGER, admin=False, locations=[centre])


@pytest.fixture
def signed_in(auth, manager):
    assert auth.login("leitung").status_code == 200
    return manager


def counts(session):
    session.expire_all()
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (Consultation, ConsultationChange, Closure)
    )


def create(client, **values):
    response = client.post("/api/v1/locations/test-centre/sessions", json={**RULE, **values})
    assert response.status_code == 201, response.json
    return response.json


def test_create_a_rule_and_read_it_back(client, session, centre, signed_in, factory):
    organisation = Organisation(name="Caritasverband Leverkusen", short_name="Caritas")
    session.add(organisation)
    session.commit()
    colleague = factory.staff("beraterin", locations=[centre])
    made = create(
        client,
        valid_from="2026-01-05",
        organisation=organisation.id,
        staff=[colleague.id],
        max_tickets=20,
        names={"de": "Offene Sprechstunde", "en": "Open consultation"},
    )
    assert made["weekdays"] == ["mon", "thu"]
    assert (made["start"], made["end"], made["topics"]) == ("12:45", "16:45", ["general"])
    assert made["organisation"]["short_name"] == "Caritas"
    assert made["staff"] == [{"id": colleague.id, "display_name": "Beraterin"}]
    assert (made["max_tickets"], made["extra"], made["every_weeks"]) == (20, False, 1)
    listed = client.get("/api/v1/locations/test-centre/sessions").json["sessions"]
    assert [rule["id"] for rule in listed] == [made["id"]]
    assert listed[0]["title"] == "Open consultation"  # no Accept-Language: English


def test_occurrences_of_a_range_with_holidays_and_closures(client, signed_in):
    made = create(client)
    client.post("/api/v1/locations/test-centre/closures", json={"date": "2026-06-08"})
    body = client.get(
        "/api/v1/locations/test-centre/sessions?from=2026-06-01&to=2026-06-11",
        headers={"Accept-Language": "de"},
    ).json
    assert [o["date"] for o in body["occurrences"]] == ["2026-06-01", "2026-06-11"]
    first = body["occurrences"][0]
    assert first == {
        "date": "2026-06-01",
        "start": "12:45",
        "end": "16:45",
        "starts_at": "2026-06-01T12:45:00+02:00",
        "ends_at": "2026-06-01T16:45:00+02:00",
        "topics": ["general"],
        "organisation": None,
        "title": "General",
        "changed": False,
        "extra": False,
        "reason": "",
        "session": made["id"],
    }
    assert body["holidays"] == [{"date": "2026-06-04", "name": "Fronleichnam"}]
    assert [c["date"] for c in body["closures"]] == ["2026-06-08"]


def test_cancel_move_and_restore_one_occurrence(client, signed_in):
    made = create(client)
    url = f"/api/v1/sessions/{made['id']}/changes"
    cancelled = client.post(url, json={"date": "2026-06-01", "cancelled": True, "reason": "Team"})
    assert cancelled.status_code == 201 and cancelled.json["cancelled"] is True
    moved = client.post(url, json={"date": "2026-06-11", "start": "14:00", "end": "17:00"})
    assert moved.status_code == 201
    week = "/api/v1/locations/test-centre/sessions?from=2026-06-01&to=2026-06-11"
    body = client.get(week).json
    assert [(o["date"], o["start"], o["changed"]) for o in body["occurrences"]] == [
        ("2026-06-08", "12:45", False),
        ("2026-06-11", "14:00", True),
    ]
    assert [(c["date"], c["reason"]) for c in body["cancelled"]] == [("2026-06-01", "Team")]
    assert client.delete(f"{url}?date=2026-06-01").status_code == 204
    assert [o["date"] for o in client.get(week).json["occurrences"]] == [
        "2026-06-01",
        "2026-06-08",
        "2026-06-11",
    ]
    again = client.delete(f"{url}?date=2026-06-01")
    assert again.status_code == 404 and again.json["field"] == "date"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"date": "2026-06-02", "cancelled": True}, "date"),  # a Tuesday: no occurrence
        ({"date": "2026-06-04", "cancelled": True}, "date"),  # Fronleichnam
        ({"date": "2026-06-01"}, "start"),
        ({"date": "2026-06-01", "start": "14:00"}, "end"),
        ({"date": "2026-06-01", "start": "14:00", "end": "13:00"}, "end"),
        ({"date": "2026-06-01", "start": "25:00", "end": "26:00"}, "start"),
        ({"date": "1.6.2026", "cancelled": True}, "date"),
        ({"date": "2026-02-30", "cancelled": True}, "date"),
    ],
)
def test_a_change_is_refused_naming_its_field(client, session, signed_in, body, field):
    made = create(client)
    before = counts(session)
    response = client.post(f"/api/v1/sessions/{made['id']}/changes", json=body)
    assert response.status_code == 400, response.json
    assert response.json["field"] == field
    assert counts(session) == before


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"end": "12:00"}, "end"),
        ({"end": "12:45"}, "end"),
        ({"start": "9:00"}, "start"),
        ({"weekdays": ["monday"]}, "weekdays"),
        ({"weekdays": []}, "weekdays"),
        ({"weekdays": ["mon", "mon"]}, "weekdays"),
        ({"weekdays": "mon"}, "weekdays"),
        ({"topics": []}, "topics"),
        ({"topics": ["nope"]}, "topics"),
        ({"topics": [1]}, "topics"),
        ({"valid_from": "2026-02-01", "valid_to": "2026-01-01"}, "valid_to"),
        ({"valid_from": "2026-13-01"}, "valid_from"),
        ({"every_weeks": 0}, "every_weeks"),
        ({"every_weeks": 53}, "every_weeks"),
        ({"week_of_month": 6}, "week_of_month"),
        ({"week_of_month": 0}, "week_of_month"),
        ({"week_of_month": 2, "every_weeks": 2}, "week_of_month"),
        ({"organisation": 999999}, "organisation"),
        ({"staff": [999999]}, "staff"),
        ({"staff": ["x"]}, "staff"),
        ({"max_tickets": 0}, "max_tickets"),
        ({"names": {"en": "Only English"}}, "names.de"),
        ({"valid_from": "2026-06-04", "valid_to": "2026-06-04", "weekdays": ["fri"]}, "weekdays"),
    ],
)
def test_a_rule_is_refused_naming_its_field(client, session, signed_in, values, field):
    before = counts(session)
    response = client.post("/api/v1/locations/test-centre/sessions", json={**RULE, **values})
    assert response.status_code == 400, response.json
    assert response.json["field"] == field
    assert response.json["message"]
    assert counts(session) == before


def test_required_fields_of_a_new_rule(client, signed_in):
    for name in ("weekdays", "start", "end", "topics"):
        body = {key: value for key, value in RULE.items() if key != name}
        response = client.post("/api/v1/locations/test-centre/sessions", json=body)
        assert (response.status_code, response.json["field"]) == (400, name)


def test_topics_and_staff_of_another_location_are_refused(client, factory, session, signed_in):
    other = factory.location("other-centre", topics=("elsewhere",))
    stranger = factory.staff("fremd", locations=[other])
    refused = client.post(
        "/api/v1/locations/test-centre/sessions", json={**RULE, "topics": ["elsewhere"]}
    )
    assert refused.json["field"] == "topics"
    refused = client.post(
        "/api/v1/locations/test-centre/sessions", json={**RULE, "staff": [stranger.id]}
    )
    assert refused.json["field"] == "staff"
    assert "Centre test-centre" in refused.json["message"]
    assert counts(session) == (0, 0, 0)


def test_an_extra_session_needs_no_weekdays_and_is_held_on_a_holiday(client, signed_in):
    made = create(client, weekdays=None, valid_from="2026-06-04", valid_to="2026-06-04")
    assert (made["weekdays"], made["extra"]) == (["thu"], True)
    body = client.get("/api/v1/locations/test-centre/sessions?from=2026-06-04&to=2026-06-04")
    assert [(o["date"], o["extra"]) for o in body.json["occurrences"]] == [("2026-06-04", True)]


def test_patch_changes_only_what_it_names_and_null_clears(client, signed_in):
    made = create(client, max_tickets=10, week_of_month=2, weekdays=["tue"])
    url = f"/api/v1/sessions/{made['id']}"
    changed = client.patch(url, json={"end": "17:00", "max_tickets": None})
    assert changed.status_code == 200
    assert (changed.json["start"], changed.json["end"]) == ("12:45", "17:00")
    assert (changed.json["max_tickets"], changed.json["week_of_month"]) == (None, 2)
    refused = client.patch(url, json={"start": "18:00"})
    assert (refused.status_code, refused.json["field"]) == (400, "end")
    assert client.get("/api/v1/locations/test-centre/sessions").json["sessions"][0]["start"] == (
        "12:45"
    )


def test_delete_a_rule_with_its_changes(client, session, signed_in):
    made = create(client)
    client.post(
        f"/api/v1/sessions/{made['id']}/changes", json={"date": "2026-06-01", "cancelled": True}
    )
    assert counts(session) == (1, 1, 0)
    assert client.delete(f"/api/v1/sessions/{made['id']}").status_code == 204
    assert counts(session) == (0, 0, 0)
    assert client.delete(f"/api/v1/sessions/{made['id']}").status_code == 404


def test_closures(client, session, signed_in):
    made = client.post(
        "/api/v1/locations/test-centre/closures",
        json={"date": "2026-12-24", "reason": "Heiligabend"},
    )
    assert made.status_code == 201
    assert made.json["date"] == "2026-12-24" and made.json["reason"] == "Heiligabend"
    twice = client.post("/api/v1/locations/test-centre/closures", json={"date": "2026-12-24"})
    assert (twice.status_code, twice.json["field"]) == (409, "date")
    bad = client.post("/api/v1/locations/test-centre/closures", json={"date": "24.12."})
    assert (bad.status_code, bad.json["field"]) == (400, "date")
    listed = client.get("/api/v1/locations/test-centre/closures").json["closures"]
    assert [c["date"] for c in listed] == ["2026-12-24"]
    assert client.delete(f"/api/v1/closures/{made.json['id']}").status_code == 204
    assert counts(session) == (0, 0, 0)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-01-01", "to"),
        ("to=2026-01-01", "from"),
        ("from=2026-02-01&to=2026-01-01", "to"),
        ("from=2026-01-01&to=2027-02-05", "to"),
        ("from=x&to=2026-01-01", "from"),
    ],
)
def test_the_range_is_checked(client, signed_in, query, field):
    response = client.get(f"/api/v1/locations/test-centre/sessions?{query}")
    assert (response.status_code, response.json["field"]) == (400, field)


def test_a_year_and_a_month_may_be_asked_for(client, signed_in):
    create(client)
    body = client.get("/api/v1/locations/test-centre/sessions?from=2026-01-01&to=2027-01-31").json
    assert len(body["occurrences"]) > 90


def test_only_managers_of_the_location_manage_its_sessions(client, factory, session, centre, auth):
    other = factory.location("other-centre")
    factory.staff("leitung", role=Role.MANAGER, admin=False, locations=[centre])
    factory.staff("anderswo", role=Role.MANAGER, admin=False, locations=[other])
    factory.staff("berater", locations=[centre])
    auth.login("leitung")
    made = create(client)
    closure = client.post("/api/v1/locations/test-centre/closures", json={"date": "2026-12-31"})
    before = counts(session)
    for username in ("anderswo", "berater"):
        auth.logout()
        auth.login(username)
        requests = [
            client.get("/api/v1/locations/test-centre/sessions"),
            client.get("/api/v1/locations/test-centre/sessions?from=2026-01-01&to=2026-01-31"),
            client.post("/api/v1/locations/test-centre/sessions", json=RULE),
            client.patch(f"/api/v1/sessions/{made['id']}", json={"end": "17:00"}),
            client.delete(f"/api/v1/sessions/{made['id']}"),
            client.post(
                f"/api/v1/sessions/{made['id']}/changes",
                json={"date": "2026-06-01", "cancelled": True},
            ),
            client.get("/api/v1/locations/test-centre/closures"),
            client.post("/api/v1/locations/test-centre/closures", json={"date": "2026-12-24"}),
            client.delete(f"/api/v1/closures/{closure.json['id']}"),
        ]
        assert [r.status_code for r in requests] == [403] * len(requests), username
    assert counts(session) == before
    auth.logout()
    assert client.get("/api/v1/locations/test-centre/sessions").status_code == 401


def test_an_admin_manages_every_locations_sessions(client, factory, centre, auth):
    factory.staff("admin", role=Role.MANAGER, admin=True, locations=[])
    auth.login("admin")
    assert create(client)["topics"] == ["general"]


def test_every_change_reaches_the_kiosks(client, socket_client, signed_in):
    kiosk = socket_client("/kiosk", {"location": "test-centre"})
    kiosk.get_received("/kiosk")
    made = create(client)
    client.post(
        f"/api/v1/sessions/{made['id']}/changes", json={"date": "2026-06-01", "cancelled": True}
    )
    client.post("/api/v1/locations/test-centre/closures", json={"date": "2026-12-24"})
    client.delete(f"/api/v1/sessions/{made['id']}")
    received = [m["name"] for m in kiosk.get_received("/kiosk")]
    assert received.count("topics") == 4
