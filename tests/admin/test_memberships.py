"""Staff per location: a counselor acts only where they work and calls only the topics they
serve there; a location's manager manages only their locations' staff; organisations are
the admins'. Every refusal names the location or topic and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from servicepoint.models import Membership, Organisation, Role, Staff, Ticket
from tests.conftest import AuthActions


@pytest.fixture
def leverkusen(factory):
    return factory.location("leverkusen", topics=("residence", "language", "work"))


@pytest.fixture
def hamborn(factory, leverkusen):
    return factory.location("duisburg-hamborn", topics=("residence", "family"))


@pytest.fixture
def counselor(factory, leverkusen, hamborn):
    """A counselor of Leverkusen only."""
    return factory.staff("lev.beratung", locations=[leverkusen])


@pytest.fixture
def lev_manager(factory, leverkusen, hamborn):
    """Leverkusen's manager: not an admin."""
    return factory.staff("lev.leitung", role=Role.MANAGER, locations=[leverkusen], admin=False)


@pytest.fixture
def admin(factory, leverkusen, hamborn):
    return factory.staff("admin", role=Role.MANAGER)


def draw(client, session, slug, topic="residence"):
    """A ticket drawn at the kiosk, with its id (which visitors are not told)."""
    response = client.post(f"/api/v1/locations/{slug}/tickets", json={"topic": topic})
    assert response.status_code == 201, response.json
    found = session.scalar(select(Ticket.id).where(Ticket.public_token == response.json["token"]))
    return {**response.json, "id": found}


def refused(response, status, error, *words):
    assert response.status_code == status, response.json
    assert response.json["error"] == error
    for word in words:
        assert word in response.json["message"]
    return response.json


# --- a counselor at another location ------------------------------------------------------


def test_a_counselor_cannot_touch_another_locations_queue(
    client, session, hamborn, counselor, auth
):
    waiting = draw(client, session, "duisburg-hamborn")
    auth.login("lev.beratung")
    desk = hamborn.desks[0]
    tid = waiting["id"]
    cases = [
        client.post(f"/api/v1/desks/{desk.id}/call-next"),
        client.post(f"/api/v1/desks/{desk.id}/call", json={"ticket_id": tid}),
        client.post(f"/api/v1/tickets/{tid}/cancel"),
        client.post(f"/api/v1/tickets/{tid}/transfer", json={"topic": "family"}),
        client.post(f"/api/v1/tickets/{tid}/requeue"),
        client.get(f"/api/v1/tickets/{tid}/events"),
        client.get("/api/v1/locations/duisburg-hamborn/queue"),
    ]
    for response in cases:
        refused(response, 403, "not_member", "Centre duisburg-hamborn")
    german = client.post(f"/api/v1/tickets/{tid}/cancel", headers={"Accept-Language": "de"}).json[
        "message"
    ]
    assert german == "Sie arbeiten nicht am Standort Centre duisburg-hamborn."
    ticket = session.get(Ticket, tid)
    session.refresh(ticket)
    assert (ticket.state, ticket.topic.key, ticket.desk_id) == ("waiting", "residence", None)


def test_a_counselor_still_works_at_their_own_location(
    client, session, leverkusen, counselor, auth
):
    drawn = draw(client, session, "leverkusen")
    auth.login("lev.beratung")
    called = client.post(f"/api/v1/desks/{leverkusen.desks[0].id}/call-next")
    assert called.status_code == 200 and called.json["code"] == drawn["code"]


def test_the_staff_socket_refuses_another_location(client, counselor, auth, socket_client):
    auth.login("lev.beratung")
    refused_socket = socket_client("/staff", {"location": "duisburg-hamborn"})
    assert not refused_socket.is_connected("/staff")
    own = socket_client("/staff", {"location": "leverkusen"})
    assert own.is_connected("/staff")
    assert [m["name"] for m in own.get_received("/staff")] == ["queue"]


def test_the_desk_page_is_refused_nowhere_but_offers_only_own_locations(client, counselor, auth):
    auth.login("lev.beratung")
    me = client.get("/api/v1/session").json
    assert me["locations"] == {"leverkusen": ["view_queue", "move_tickets"]}
    assert me["memberships"] == [{"location": "leverkusen", "role": "counselor", "topics": []}]
    assert me["is_admin"] is False and "topics" not in me
    assert client.get("/staff/").status_code == 200
    assert client.get("/staff/manage").status_code == 403


# --- topics served ------------------------------------------------------------------------


def test_calling_a_topic_not_served_is_refused_naming_it(
    client, session, factory, leverkusen, hamborn, auth
):
    residence = factory.topic(leverkusen, "residence")
    factory.staff("aufenthalt", topics=[residence], locations=[leverkusen])
    language = draw(client, session, "leverkusen", "language")
    auth.login("aufenthalt")
    desk = leverkusen.desks[0]
    queue = client.get("/api/v1/locations/leverkusen/queue").json
    [listed] = queue["waiting"]
    assert listed["served"] is False and "call" not in listed["moves"]
    response = client.post(
        f"/api/v1/desks/{desk.id}/call",
        json={"ticket_id": language["id"]},
        headers={"Accept-Language": "de"},
    )
    body = refused(response, 403, "topic_not_served", "„Language“", "Centre leverkusen")
    assert body["field"] == "ticket_id"
    assert refused(client.post(f"/api/v1/desks/{desk.id}/call-next"), 409, "nothing_to_call")
    ticket = session.get(Ticket, language["id"])
    session.refresh(ticket)
    assert ticket.state == "waiting" and ticket.desk_id is None
    # Transfer and cancel act on any ticket of the location (handing a visitor on).
    moved = client.post(f"/api/v1/tickets/{language['id']}/transfer", json={"topic": "residence"})
    assert moved.status_code == 200 and moved.json["topic"] == "residence"
    assert (
        client.post(f"/api/v1/desks/{desk.id}/call", json={"ticket_id": language["id"]}).json[
            "state"
        ]
        == "called"
    )


# --- a location's manager -----------------------------------------------------------------


def test_a_location_manager_sees_only_their_locations_staff_and_memberships(
    client, factory, leverkusen, hamborn, counselor, lev_manager, auth
):
    factory.staff("ham.beratung", locations=[hamborn])
    factory.staff("beide", locations=[leverkusen, hamborn])
    auth.login("lev.leitung")
    listed = {s["username"]: s for s in client.get("/api/v1/staff").json["staff"]}
    assert set(listed) == {"lev.beratung", "lev.leitung", "beide"}
    assert [m["location"] for m in listed["beide"]["memberships"]] == ["leverkusen"]
    me = client.get("/api/v1/session").json
    assert me["locations"] == {
        "leverkusen": ["view_queue", "move_tickets", "manage", "view_stats", "view_stats_detail"]
    }
    managed = client.get("/api/v1/locations?all=1").json["locations"]
    assert [loc["slug"] for loc in managed] == ["leverkusen"]
    assert "manage" in me["permissions"] and "administer" not in me["permissions"]


def test_a_location_manager_cannot_manage_another_location(
    client, session, factory, leverkusen, hamborn, lev_manager, auth
):
    other = factory.staff("ham.beratung", locations=[hamborn])
    auth.login("lev.leitung")
    refused(
        client.post("/api/v1/locations/duisburg-hamborn/desks", json={"name": "Raum 9"}),
        403,
        "not_member",
        "Centre duisburg-hamborn",
    )
    refused(client.patch(f"/api/v1/staff/{other.id}", json={"display_name": "X"}), 404, "not_found")
    made = client.post(
        "/api/v1/staff",
        json={
            "username": "neu",
            "password": "ein langes Passwort",
            "memberships": [{"location": "duisburg-hamborn", "role": "counselor"}],
        },
    )
    body = refused(made, 403, "not_manager", "Centre duisburg-hamborn")
    assert body["field"] == "memberships.0.location"
    refused(
        client.post("/api/v1/staff", json={"username": "neu", "password": "ein langes Passwort"}),
        400,
        "invalid",
        "at least one",
    )
    refused(
        client.post("/api/v1/locations", json={"slug": "essen", "name": "Essen"}),
        403,
        "admins_only",
    )
    assert session.scalar(select(Staff).where(Staff.username == "neu")) is None


def test_a_location_manager_cannot_make_or_change_admins(
    client, session, factory, leverkusen, hamborn, counselor, lev_manager, admin, auth
):
    auth.login("lev.leitung")
    body = refused(
        client.patch(f"/api/v1/staff/{counselor.id}", json={"role": "admin"}),
        403,
        "admins_only",
        "admin",
    )
    assert body["field"] == "role"
    refused(
        client.post(
            "/api/v1/staff",
            json={
                "username": "neu",
                "password": "ein langes Passwort",
                "role": "admin",
                "memberships": [{"location": "leverkusen", "role": "counselor"}],
            },
        ),
        403,
        "admins_only",
    )
    for change in ({"active": False}, {"password": "ein anderes Passwort"}, {"memberships": []}):
        refused(client.patch(f"/api/v1/staff/{admin.id}", json=change), 403, "admins_only", "Admin")
    session.refresh(admin)
    session.refresh(counselor)
    assert admin.active and admin.is_admin and len(admin.memberships) == 2
    assert counselor.role == Role.STAFF


def test_a_managers_change_merges_memberships_and_narrowing_signs_out(
    app, client, session, factory, leverkusen, hamborn, lev_manager, auth
):
    both = factory.staff(
        "beide",
        topics=[factory.topic(hamborn, "family")],
        locations=[leverkusen, hamborn],
    )
    browser = app.test_client()
    assert AuthActions(browser).login("beide").status_code == 200
    auth.login("lev.leitung")
    widened = client.patch(
        f"/api/v1/staff/{both.id}",
        json={"memberships": [{"location": "leverkusen", "role": "manager", "topics": []}]},
    )
    assert widened.status_code == 200
    assert widened.json["memberships"] == [
        {"location": "leverkusen", "role": "manager", "topics": []}
    ]
    assert browser.get("/api/v1/session").status_code == 200  # wider: still signed in
    narrowed = client.patch(
        f"/api/v1/staff/{both.id}",
        json={"memberships": [{"location": "leverkusen", "role": "counselor", "topics": ["work"]}]},
    )
    assert narrowed.status_code == 200
    assert browser.get("/api/v1/session").status_code == 401
    rows = session.scalars(
        select(Membership).where(Membership.staff_id == both.id).order_by(Membership.location_id)
    ).all()
    for row in rows:
        session.refresh(row)
    assert [(m.location.slug, m.role, [t.key for t in m.topics]) for m in rows] == [
        ("leverkusen", "counselor", ["work"]),
        ("duisburg-hamborn", "counselor", ["family"]),  # untouched: not theirs to change
    ]
    removed = client.patch(f"/api/v1/staff/{both.id}", json={"memberships": []})
    assert removed.status_code == 200 and removed.json["memberships"] == []
    session.expire_all()
    assert [m.location.slug for m in session.get(Staff, both.id).memberships] == [
        "duisburg-hamborn"
    ]


def test_an_admin_replaces_memberships_and_makes_admins(
    client, session, leverkusen, hamborn, counselor, admin, auth
):
    auth.login("admin")
    saved = client.patch(
        f"/api/v1/staff/{counselor.id}",
        json={
            "role": "admin",
            "memberships": [
                {"location": "duisburg-hamborn", "role": "manager", "topics": ["family"]}
            ],
        },
    )
    assert saved.status_code == 200
    assert saved.json["role"] == "admin"
    assert saved.json["memberships"] == [
        {"location": "duisburg-hamborn", "role": "manager", "topics": ["family"]}
    ]
    twice = client.patch(
        f"/api/v1/staff/{counselor.id}",
        json={
            "memberships": [
                {"location": "leverkusen", "role": "counselor"},
                {"location": "leverkusen", "role": "manager"},
            ]
        },
    )
    assert refused(twice, 409, "duplicate", "twice")["field"] == "memberships.1"
    elsewhere = client.patch(
        f"/api/v1/staff/{counselor.id}",
        json={"memberships": [{"location": "leverkusen", "topics": ["family"]}]},
    )
    assert refused(elsewhere, 404, "not_found")["field"] == "memberships.0.topics"


def test_the_older_role_and_topics_shorthand_keeps_working(
    client, leverkusen, hamborn, admin, lev_manager, counselor, auth
):
    auth.login("admin")
    made = client.post(
        "/api/v1/staff",
        json={"username": "alt", "password": "ein langes Passwort", "role": "manager"},
    )
    assert made.status_code == 201 and made.json["role"] == "staff"
    assert [(m["location"], m["role"]) for m in made.json["memberships"]] == [
        ("leverkusen", "manager"),
        ("duisburg-hamborn", "manager"),
    ]
    # Topics alone keep the role each location has.
    work = next(t for t in leverkusen.topics if t.key == "work")
    topics = client.patch(f"/api/v1/staff/{made.json['id']}", json={"topics": [work.id]})
    assert [(m["location"], m["role"], m["topics"]) for m in topics.json["memberships"]] == [
        ("leverkusen", "manager", ["work"]),
        ("duisburg-hamborn", "manager", []),
    ]
    # A location's manager's shorthand stands for their own locations only.
    AuthActions(client).login("lev.leitung")
    mine = client.patch(f"/api/v1/staff/{counselor.id}", json={"role": "manager"})
    assert mine.json["memberships"] == [{"location": "leverkusen", "role": "manager", "topics": []}]


# --- organisations ------------------------------------------------------------------------


def test_admins_manage_organisations(client, session, leverkusen, admin, counselor, auth):
    auth.login("admin")
    caritas = client.post(
        "/api/v1/organisations", json={"name": "Caritasverband Leverkusen", "short_name": "Caritas"}
    )
    assert caritas.status_code == 201
    assert caritas.json == {
        "id": caritas.json["id"],
        "name": "Caritasverband Leverkusen",
        "short_name": "Caritas",
        "active": True,
    }
    oid = caritas.json["id"]
    dup = client.post(
        "/api/v1/organisations", json={"name": "caritasverband leverkusen", "short_name": "C"}
    )
    assert refused(dup, 409, "duplicate", "Caritasverband Leverkusen")["field"] == "name"
    assert refused(client.post("/api/v1/organisations", json={"name": "AWO"}), 400, "invalid")[
        "field"
    ] == ("short_name")
    long = client.post("/api/v1/organisations", json={"name": "AWO", "short_name": "x" * 41})
    assert refused(long, 400, "invalid")["field"] == "short_name"
    awo = client.post("/api/v1/organisations", json={"name": "AWO", "short_name": "AWO"}).json
    rename = client.patch(
        f"/api/v1/organisations/{awo['id']}", json={"name": "Caritasverband Leverkusen"}
    )
    assert refused(rename, 409, "duplicate")["field"] == "name"
    renamed = client.patch(
        f"/api/v1/organisations/{oid}", json={"name": "Caritas Leverkusen e. V."}
    )
    assert (
        renamed.json["name"] == "Caritas Leverkusen e. V."
        and renamed.json["short_name"] == "Caritas"
    )
    assigned = client.patch(f"/api/v1/staff/{counselor.id}", json={"organisation": oid})
    assert assigned.json["organisation"]["short_name"] == "Caritas"
    off = client.patch(f"/api/v1/organisations/{oid}", json={"active": False})
    assert off.json["active"] is False
    # Its staff keep it; nobody new is given it.
    assert (
        client.patch(f"/api/v1/staff/{counselor.id}", json={"display_name": "B"}).status_code == 200
    )
    newcomer = client.post(
        "/api/v1/staff",
        json={"username": "neu", "password": "ein langes Passwort", "organisation": oid},
    )
    assert refused(newcomer, 400, "invalid", "deactivated")["field"] == "organisation"
    missing = client.patch(f"/api/v1/staff/{counselor.id}", json={"organisation": 99999})
    assert refused(missing, 404, "not_found")["field"] == "organisation"
    listed = client.get("/api/v1/organisations").json["organisations"]
    assert [(o["name"], o["active"]) for o in listed] == [
        ("AWO", True),
        ("Caritas Leverkusen e. V.", False),
    ]
    assert session.scalar(select(Organisation).where(Organisation.id == oid)).active is False


def test_only_admins_change_organisations(client, session, lev_manager, counselor, auth):
    session.add(Organisation(name="DRK", short_name="DRK"))
    session.commit()
    auth.login("lev.leitung")
    assert [o["name"] for o in client.get("/api/v1/organisations").json["organisations"]] == ["DRK"]
    refused(
        client.post("/api/v1/organisations", json={"name": "AWO", "short_name": "AWO"}),
        403,
        "admins_only",
    )
    drk = session.scalar(select(Organisation))
    refused(
        client.patch(f"/api/v1/organisations/{drk.id}", json={"active": False}), 403, "admins_only"
    )
    AuthActions(client).login("lev.beratung")
    assert client.get("/api/v1/organisations").status_code == 403
    session.refresh(drk)
    assert (
        drk.active
        and session.scalar(select(Organisation).where(Organisation.name == "AWO")) is None
    )


def test_a_location_manager_cannot_take_over_an_account_that_works_elsewhere_too(
    client, session, factory, leverkusen, hamborn, counselor, lev_manager, auth
):
    """Whoever holds an account acts wherever it works: its password, active flag, name and
    organisation are changed only by someone who manages every one of its locations."""
    both = factory.staff(
        "hamborn.leitung", role=Role.MANAGER, locations=[leverkusen, hamborn], admin=False
    )
    before = (both.password_hash, both.display_name)
    auth.login("lev.leitung")
    for change in (
        {"password": "ein anderes Passwort"},
        {"active": False},
        {"display_name": "Jemand anderes"},
        {"organisation": None},
    ):
        body = refused(
            client.patch(f"/api/v1/staff/{both.id}", json=change),
            403,
            "not_manager",
            hamborn.name,
        )
        assert body["field"] == next(iter(change))
    session.refresh(both)
    assert (both.password_hash, both.display_name) == before and both.active
    # Their own location's counselor, and their own account, they may still change.
    assert (
        client.patch(
            f"/api/v1/staff/{counselor.id}", json={"password": "ein anderes Passwort"}
        ).status_code
        == 200
    )
    assert (
        client.patch(
            f"/api/v1/staff/{lev_manager.id}", json={"display_name": "Leitung LEV"}
        ).status_code
        == 200
    )
