"""Staff JSON API: sign-in, calling and moving tickets, management."""

from __future__ import annotations

from sqlalchemy import select

from servicepoint.models import Staff, Topic
from tests.conftest import PASSWORD


def draw(client, topic="general"):
    return client.post("/api/v1/locations/test-centre/tickets", json={"topic": topic}).json


def test_sign_in_with_wrong_password_is_refused(client, counselor, auth):
    response = auth.login(password="wrong password!")
    assert response.status_code == 401
    assert response.json["message"] == "Wrong username or password."
    assert auth.login(username="nobody").json["message"] == "Wrong username or password."
    assert client.get("/api/v1/session").status_code == 401


def test_sign_in_and_out(client, counselor, auth):
    me = auth.login()
    assert me.status_code == 200 and me.json["username"] == "berater"
    assert "password_hash" not in me.json
    assert client.get("/api/v1/session").json["display_name"] == "Berater"
    assert auth.logout().status_code == 204
    assert client.get("/api/v1/session").status_code == 401


def test_deactivated_staff_lose_access_at_once(client, session, counselor, auth):
    auth.login()
    counselor.active = False
    session.commit()
    assert client.post("/api/v1/desks/1/call-next").status_code == 401


def test_call_next_needs_a_signed_in_counselor(client, centre):
    draw(client)
    response = client.post(f"/api/v1/desks/{centre.desks[0].id}/call-next")
    assert response.status_code == 401


def test_call_next_and_every_move_over_http(client, centre, counselor, auth):
    auth.login()
    desk = centre.desks[0]
    assert client.post(f"/api/v1/desks/{desk.id}/call-next").json["error"] == "nothing_to_call"
    first, second = draw(client), draw(client, "language")
    called = client.post(f"/api/v1/desks/{desk.id}/call-next")
    assert called.status_code == 200
    ticket = called.json
    assert (ticket["code"], ticket["desk"], ticket["state"]) == (first["code"], "Raum 1", "called")
    tid = ticket["id"]
    assert client.post(f"/api/v1/tickets/{tid}/recall").json["call_count"] == 2
    assert client.post(f"/api/v1/tickets/{tid}/start").json["state"] == "serving"
    assert client.post(f"/api/v1/tickets/{tid}/finish").json["state"] == "done"
    refused = client.post(f"/api/v1/tickets/{tid}/start")
    assert refused.status_code == 409 and "is finished" in refused.json["message"]
    nxt = client.post(f"/api/v1/desks/{desk.id}/call-next").json
    assert nxt["code"] == second["code"]
    assert client.post(f"/api/v1/tickets/{nxt['id']}/no-show").json["state"] == "no_show"
    assert client.post(f"/api/v1/tickets/{nxt['id']}/requeue").json["state"] == "waiting"
    moved = client.post(f"/api/v1/tickets/{nxt['id']}/transfer", json={"topic": "general"})
    assert moved.json["topic"] == "general" and moved.json["code"] == second["code"]
    assert client.post(f"/api/v1/tickets/{nxt['id']}/cancel").json["state"] == "cancelled"
    history = client.get(f"/api/v1/tickets/{nxt['id']}/events").json["events"]
    assert [e["kind"] for e in history] == [
        "issued",
        "call",
        "no_show",
        "requeue",
        "transfer",
        "cancel",
    ]
    assert client.post(f"/api/v1/tickets/{tid}/dance").status_code == 404


def test_call_chosen_ticket_out_of_order(client, centre, counselor, auth):
    auth.login()
    draw(client)
    later = draw(client)
    status = client.get(f"/api/v1/tickets/{later['token']}").json
    queue = client.get("/api/v1/locations/test-centre/queue").json
    chosen = next(t for t in queue["waiting"] if t["code"] == status["code"])
    response = client.post(
        f"/api/v1/desks/{centre.desks[1].id}/call", json={"ticket_id": chosen["id"]}
    )
    assert response.status_code == 200 and response.json["code"] == later["code"]
    bad = client.post(f"/api/v1/desks/{centre.desks[1].id}/call", json={"ticket_id": "x"})
    assert bad.status_code == 400 and "whole number" in bad.json["message"]


def test_unknown_desk_and_ticket_are_404(client, centre, counselor, auth):
    auth.login()
    assert client.post("/api/v1/desks/9999/call-next").status_code == 404
    assert client.post("/api/v1/tickets/9999/start").status_code == 404


def test_counselors_cannot_manage(client, centre, counselor, auth):
    auth.login()
    response = client.post("/api/v1/locations/test-centre/desks", json={"name": "Raum 9"})
    assert response.status_code == 403


def test_manager_sets_up_topics_desks_and_staff(client, session, centre, manager, auth):
    auth.login("leitung")
    created = client.post(
        "/api/v1/locations/test-centre/topics",
        json={
            "key": "housing",
            "prefix": "h",
            "names": {"de": "Wohnen", "en": "Housing", "ar": "السكن"},
        },
    )
    assert created.status_code == 201 and created.json["prefix"] == "H"
    bad = client.post(
        "/api/v1/locations/test-centre/topics",
        json={"key": "x", "prefix": "12", "names": {"de": "X"}},
    )
    assert bad.status_code == 400 and "single letter" in bad.json["message"]
    no_german = client.post(
        "/api/v1/locations/test-centre/topics",
        json={"key": "y", "prefix": "Y", "names": {"en": "Y"}},
    )
    assert no_german.status_code == 400 and "German" in no_german.json["message"]
    dup = client.post(
        "/api/v1/locations/test-centre/topics",
        json={"key": "housing", "prefix": "H", "names": {"de": "W"}},
    )
    assert dup.status_code == 409
    kiosk = client.get("/api/v1/locations/test-centre/topics").json["topics"]
    assert [t["key"] for t in kiosk] == ["general", "language", "housing"]
    client.patch("/api/v1/locations/test-centre/topics/housing", json={"active": False})
    kiosk = client.get("/api/v1/locations/test-centre/topics").json["topics"]
    assert "housing" not in [t["key"] for t in kiosk]

    desk = client.post("/api/v1/locations/test-centre/desks", json={"name": "Raum 3"})
    assert desk.status_code == 201
    assert (
        client.patch(f"/api/v1/desks/{desk.json['id']}", json={"name": "Raum 1"}).status_code == 409
    )

    housing = session.scalar(select(Topic).where(Topic.key == "housing"))
    staff = client.post(
        "/api/v1/staff",
        json={"username": "Neu.Berater", "password": "short", "topics": [housing.id]},
    )
    assert staff.status_code == 400 and "at least" in staff.json["message"]
    assert session.scalar(select(Staff).where(Staff.username == "neu.berater")) is None
    staff = client.post(
        "/api/v1/staff",
        json={"username": "Neu.Berater", "password": PASSWORD, "topics": [housing.id]},
    )
    assert staff.status_code == 201 and staff.json["username"] == "neu.berater"
    [there] = [m for m in staff.json["memberships"] if m["location"] == housing.location.slug]
    assert there == {"location": housing.location.slug, "role": "counselor", "topics": ["housing"]}
    me = session.scalar(select(Staff).where(Staff.username == "leitung"))
    locked_out = client.patch(f"/api/v1/staff/{me.id}", json={"active": False})
    assert locked_out.status_code == 400


def test_manager_creates_location_with_valid_timezone_only(client, manager, auth):
    auth.login("leitung")
    bad = client.post(
        "/api/v1/locations", json={"slug": "neu", "name": "Neu", "timezone": "Mars/Base"}
    )
    assert bad.status_code == 400 and "time zone" in bad.json["message"]
    good = client.post("/api/v1/locations", json={"slug": "neu", "name": "Neu"})
    assert good.status_code == 201 and good.json["timezone"] == "Europe/Berlin"
    assert client.get("/api/v1/locations/neu/topics").json["topics"] == []


def test_inactive_locations_are_listed_for_managers_only(
    client, session, centre, manager, counselor, auth
):
    centre.active = False
    session.commit()
    assert client.get("/api/v1/locations").json["locations"] == []
    auth.login()
    assert client.get("/api/v1/locations?all=1").status_code == 403
    auth.login("leitung")
    listed = client.get("/api/v1/locations?all=1").json["locations"]
    assert [(loc["slug"], loc["active"]) for loc in listed] == [("test-centre", False)]


def test_empty_password_is_refused_not_ignored(client, counselor, manager, auth):
    auth.login("leitung")
    response = client.patch(f"/api/v1/staff/{counselor.id}", json={"password": ""})
    assert response.status_code == 400 and "at least" in response.json["message"]


def test_repeated_wrong_passwords_are_slowed_down(client, counselor, auth):
    # The counters live in the database (servicepoint.throttle): the test's transaction
    # starts with none and takes them away again.
    for _ in range(10):
        assert auth.login(password="wrong password!").status_code == 401
    blocked = auth.login()
    assert blocked.status_code == 429 and "wait" in blocked.json["message"]
    assert int(blocked.headers["Retry-After"]) > 0
    elsewhere = client.post(
        "/api/v1/session",
        json={"username": "berater", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "192.0.2.99"},
    )
    assert elsewhere.status_code == 200


def test_other_web_pages_cannot_move_tickets_with_the_staff_cookie(
    client, session, centre, counselor, auth
):
    auth.login()
    ticket = draw(client)
    desk = centre.desks[0]
    for origin in ("http://evil.example", "http://localhost:9999"):
        forged = client.post(
            f"/api/v1/desks/{desk.id}/call-next",
            data="x",
            content_type="text/plain",
            headers={"Origin": origin},
        )
        assert forged.status_code == 403 and forged.json["error"] == "cross_site"
    status = client.get(f"/api/v1/tickets/{ticket['token']}").json
    assert status["state"] == "waiting"
    # A form under the no-referrer policy says "null": the browser's fetch metadata decides.
    for site in ("cross-site", "same-site", None):
        headers = {"Origin": "null", **({"Sec-Fetch-Site": site} if site else {})}
        forged = client.post(f"/api/v1/desks/{desk.id}/call-next", headers=headers)
        assert forged.status_code == 403 and forged.json["error"] == "cross_site", site
    own_page = client.post(
        f"/api/v1/desks/{desk.id}/call-next", headers={"Origin": "http://localhost"}
    )
    assert own_page.status_code == 200
    own_form = client.post(
        "/staff/language",
        data={"language": "en", "next": "/staff/"},
        headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"},
    )
    assert own_form.status_code == 302 and own_form.headers["Location"].endswith("/staff/")


def test_huge_numbers_are_refused_cleanly(client, centre, manager, auth):
    auth.login("leitung")
    desk = centre.desks[0].id
    assert client.post("/api/v1/desks/99999999999999999999/call-next").status_code == 404
    assert client.post("/api/v1/tickets/99999999999999999999/finish").status_code == 404
    huge_ticket = client.post(f"/api/v1/desks/{desk}/call", json={"ticket_id": 2**70})
    assert huge_ticket.status_code == 400 and "out of range" in huge_ticket.json["message"]
    huge_topic = client.patch(f"/api/v1/staff/{manager.id}", json={"topics": [2**70]})
    assert huge_topic.status_code == 400 and "topic ids" in huge_topic.json["message"]


def test_deeply_nested_json_is_a_clear_400(client, centre):
    response = client.post("/api/v1/session", data="[" * 5000, content_type="application/json")
    assert response.status_code == 400 and "nested" in response.json["message"]
