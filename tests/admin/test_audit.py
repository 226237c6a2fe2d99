"""The audit trail: every change by staff, with who, when, what, before and after, written
in the change's own transaction, and the tickets' moves beside it; managers browse their
locations' trail, admins everything."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from servicepoint import audit, clock, manage
from servicepoint.audit import AuditEntry
from servicepoint.models import Role, Staff
from tests.conftest import AuthActions


@pytest.fixture
def leverkusen(factory):
    return factory.location("leverkusen", topics=("residence", "language"))


@pytest.fixture
def hamborn(factory, leverkusen):
    return factory.location("hamborn", topics=("residence",))


@pytest.fixture
def lev_manager(factory, leverkusen, hamborn):
    return factory.staff("lev.leitung", role=Role.MANAGER, locations=[leverkusen], admin=False)


@pytest.fixture
def admin(factory, leverkusen, hamborn):
    return factory.staff("admin", role=Role.MANAGER)


def trail(client, **params):
    response = client.get("/api/v1/audit", query_string=params)
    assert response.status_code == 200, response.json
    return response.json["entries"]


def test_a_managers_change_is_recorded_with_who_what_before_and_after(
    client, auth, leverkusen, lev_manager
):
    auth.login("lev.leitung")
    with clock.frozen(datetime(2026, 12, 3, 9, 30, tzinfo=UTC)):
        response = client.patch(
            "/api/v1/locations/leverkusen/topics/language",
            json={"prefix": "L", "names": {"de": "Sprache", "en": "Language"}},
        )
    assert response.status_code == 200
    [entry] = trail(client, location="leverkusen", kind="topic")
    assert entry["at"] == "2026-12-03T09:30:00+00:00"
    assert entry["staff"] == {"id": lev_manager.id, "name": "Lev.Leitung"}
    assert entry["source"] == "web"
    assert entry["location"] == "leverkusen"
    assert entry["action"] == "update"
    assert entry["before"] == {"prefix": "B", "names": {"de": "Language", "en": "Language"}}
    assert entry["after"] == {"prefix": "L", "names": {"de": "Sprache", "en": "Language"}}


def test_a_refused_change_leaves_no_entry(client, auth, session, leverkusen, lev_manager):
    auth.login("lev.leitung")
    response = client.patch("/api/v1/locations/leverkusen/topics/language", json={"prefix": "A"})
    assert response.status_code == 409
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_creations_deletions_and_collections_are_recorded(
    client, auth, session, leverkusen, hamborn, admin
):
    auth.login("admin")
    made = client.post(
        "/api/v1/staff",
        json={
            "username": "neu",
            "password": "ein langes Passwort",
            "memberships": [
                {"location": "leverkusen", "role": "counselor", "topics": ["language"]}
            ],
        },
    )
    assert made.status_code == 201, made.json
    staff_id = made.json["id"]
    entries = trail(client)
    created = {e["kind"]: e for e in entries if e["action"] == "create"}
    assert created["staff"]["id"] == staff_id
    assert created["staff"]["location"] is None  # an account belongs to no location
    assert created["staff"]["after"]["username"] == "neu"
    assert created["staff"]["after"]["password_hash"] == "changed"  # never the hash
    language = next(t for t in leverkusen.topics if t.key == "language")
    assert created["membership"]["location"] == "leverkusen"
    assert created["membership"]["after"]["topics"] == [language.id]

    changed = client.patch(
        f"/api/v1/staff/{staff_id}",
        json={
            "password": "ein anderes langes Passwort",
            "memberships": [{"location": "leverkusen", "role": "counselor", "topics": []}],
        },
    )
    assert changed.status_code == 200, changed.json
    latest = [e for e in trail(client) if e["action"] != "create"]
    by_kind = {e["kind"]: e for e in latest}
    assert by_kind["staff"]["before"] == {"password_hash": None}
    assert by_kind["staff"]["after"] == {"password_hash": "changed"}
    assert by_kind["membership"]["before"] == {"topics": [language.id]}
    assert by_kind["membership"]["after"] == {"topics": []}


def test_desk_occupancy_and_ticket_moves_are_in_the_trail(client, auth, leverkusen, lev_manager):
    desk = leverkusen.desks[0]
    drawn = client.post("/api/v1/locations/leverkusen/tickets", json={"topic": "residence"})
    assert drawn.status_code == 201
    auth.login("lev.leitung")
    assert client.post(f"/api/v1/desks/{desk.id}/occupy").status_code == 200
    assert client.post(f"/api/v1/desks/{desk.id}/call-next").status_code == 200
    entries = trail(client, location="leverkusen")
    desks = [e for e in entries if e["kind"] == "desk"]
    assert [(e["action"], e["after"]) for e in desks] == [
        ("update", {"occupant_id": lev_manager.id})
    ]
    moves = [e for e in entries if e["kind"] == "ticket"]
    assert [m["action"] for m in moves] == ["call", "issued"]  # newest first
    call, issue = moves
    assert call["staff"]["name"] == "Lev.Leitung"
    assert call["before"] == {"state": "waiting"}
    assert call["after"] == {"state": "called", "code": drawn.json["code"], "desk": desk.name}
    assert issue["staff"] is None  # the visitor drew it at the kiosk
    assert trail(client, location="leverkusen", kind="ticket") == moves
    assert trail(client, location="leverkusen", staff=str(lev_manager.id), kind="ticket") == [call]


def test_changes_without_a_signed_in_actor_write_nothing(db, session, leverkusen):
    with db.unit_of_work() as work:
        manage.create_desk(work, work.get(type(leverkusen), leverkusen.id), name="Raum 9")
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_the_command_line_is_named_as_the_source(db, session, leverkusen):
    with db.unit_of_work() as work:
        audit.act_as(work, None, audit.Source.CLI)
        manage.create_desk(work, work.get(type(leverkusen), leverkusen.id), name="Raum 9")
    [entry] = session.scalars(select(AuditEntry))
    assert (entry.source, entry.staff_id, entry.kind, entry.action) == (
        "cli",
        None,
        "desk",
        "create",
    )
    assert entry.after["name"] == "Raum 9"


def test_managers_see_only_their_locations_admins_everything(
    client, auth, session, leverkusen, hamborn, lev_manager, admin
):
    auth.login("admin")
    for slug in ("leverkusen", "hamborn"):
        response = client.post(f"/api/v1/locations/{slug}/desks", json={"name": "Neu"})
        assert response.status_code == 201
    client.post("/api/v1/organisations", json={"name": "Caritas", "short_name": "CV"})
    everything = trail(client)
    assert {e["location"] for e in everything} == {"leverkusen", "hamborn", None}
    auth.logout()
    AuthActions(client).login("lev.leitung")
    mine = trail(client)
    assert {e["location"] for e in mine} == {"leverkusen"}
    assert not [e for e in mine if e["kind"] == "organisation"]
    refused = client.get("/api/v1/audit", query_string={"location": "hamborn"})
    assert refused.status_code == 403
    assert refused.json["error"] == "not_member"


def test_counselors_are_refused(client, auth, factory, leverkusen):
    factory.staff("berater", locations=[leverkusen])
    auth.login("berater")
    response = client.get("/api/v1/audit")
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "weather"}, "kind"),
        ({"from": "3.12.2026"}, "from"),
        ({"from": "2026-12-04", "to": "2026-12-03"}, "to"),
        ({"page": "0"}, "page"),
        ({"staff": "x"}, "staff"),
    ],
)
def test_bad_filters_are_refused_naming_the_field(client, auth, admin, params, field):
    auth.login("admin")
    response = client.get("/api/v1/audit", query_string=params)
    assert response.status_code == 400
    assert response.json["field"] == field


def test_days_are_the_locations_and_pages_hold_fifty(client, auth, session, leverkusen, admin):
    auth.login("admin")
    # 23:30 UTC on 2 December is 00:30 on 3 December in Leverkusen.
    with clock.frozen(datetime(2026, 12, 2, 23, 30, tzinfo=UTC)):
        for number in range(51):
            response = client.patch(
                "/api/v1/locations/leverkusen/topics/language", json={"position": number + 10}
            )
            assert response.status_code == 200
    assert len(trail(client, location="leverkusen", to="2026-12-02")) == 0
    first = client.get(
        "/api/v1/audit", query_string={"location": "leverkusen", "from": "2026-12-03"}
    ).json
    assert len(first["entries"]) == 50 and first["more"] is True
    second = client.get(
        "/api/v1/audit", query_string={"location": "leverkusen", "from": "2026-12-03", "page": 2}
    ).json
    assert len(second["entries"]) == 1 and second["more"] is False


def test_retention_deletes_entries_older_than_the_setting(db, session, leverkusen, runner):
    staff = Staff(username="x", display_name="X", password_hash="-")
    session.add(staff)
    session.commit()
    for day in (1, 20):
        session.add(
            AuditEntry(
                at=datetime(2026, 11, day, tzinfo=UTC),
                staff_id=staff.id,
                staff_name="X",
                kind="desk",
                action="update",
                after={"name": "Raum"},
            )
        )
    session.commit()
    runner.app.config["AUDIT_KEEP_DAYS"] = 30
    with clock.frozen(datetime(2026, 12, 10, tzinfo=UTC)):
        dry = runner.invoke(["jobs", "run", "audit", "--dry-run"])
        assert dry.output.strip() == "audit: 1 (dry run)"
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 2
        done = runner.invoke(["jobs", "run", "audit"])
        assert done.output.strip() == "audit: 1"
        again = runner.invoke(["jobs", "run", "audit"])
        assert again.output.strip() == "audit: 0"
    session.expire_all()
    [left] = session.scalars(select(AuditEntry))
    assert left.at == datetime(2026, 11, 20, tzinfo=UTC)


def test_every_ticket_move_has_a_name_on_the_page():
    from servicepoint.tickets import ALLOWED_FROM

    assert {"issued", *ALLOWED_FROM} <= set(audit.ACTIONS)


def test_the_page_offers_the_managers_locations_and_refuses_counselors(
    client, auth, factory, leverkusen, hamborn, lev_manager
):
    from tests.page_html import Page

    auth.login("lev.leitung")
    response = client.get("/staff/audit")
    assert response.status_code == 200
    page = Page(response.data)
    options = page.find("select", id="audit-location").parts
    assert [o.get("value") for o in page.find_all("option") if o.get("value")][:1] == ["leverkusen"]
    assert "hamborn" not in "".join(options)
    config = page.json("audit-config")
    assert config["kindNames"]["ticket"] == "Wartenummer"
    assert config["actionNames"]["no_show"] == "nicht erschienen"
    # The script's own words come from the catalog the page carries (base.html).
    strings = page.json("catalog")["strings"]["de"]
    assert strings["staff.audit_page"] == "Seite {n}"
    assert strings["staff.audit_nobody"] and strings["staff.audit_cli"]
    auth.logout()
    factory.staff("berater", locations=[leverkusen])
    auth.login("berater")
    assert client.get("/staff/audit").status_code == 403


def test_a_membership_taken_away_is_recorded_as_deleted(
    client, auth, factory, leverkusen, hamborn, admin
):
    both = factory.staff("beide", locations=[leverkusen, hamborn])
    auth.login("admin")
    response = client.patch(
        f"/api/v1/staff/{both.id}",
        json={"memberships": [{"location": "leverkusen", "role": "counselor", "topics": []}]},
    )
    assert response.status_code == 200, response.json
    [gone] = [e for e in trail(client, kind="membership") if e["action"] == "delete"]
    assert gone["location"] == "hamborn"
    assert gone["before"]["staff_id"] == both.id and gone["before"]["role"] == "counselor"
    assert gone["after"] is None


def test_cards_and_closures_are_recorded_without_the_cards_code(
    client, auth, leverkusen, lev_manager
):
    auth.login("lev.leitung")
    made = client.post("/api/v1/cards", json={"location": "leverkusen"})
    assert made.status_code == 201, made.json
    code = made.json["code"]
    assert client.delete(f"/api/v1/cards/{code}").status_code == 200
    closure = client.post(
        "/api/v1/locations/leverkusen/closures", json={"date": "2026-12-24", "reason": "Heilig"}
    )
    assert closure.status_code == 201
    entries = trail(client, location="leverkusen")
    cards = [(e["action"], e["before"], e["after"]) for e in entries if e["kind"] == "card"]
    assert cards[0] == ("update", {"active": True}, {"active": False})
    assert cards[1][0] == "create" and cards[1][2]["staff_id"] == lev_manager.id
    assert code not in str(entries).replace("-", "")
    [closed] = [e for e in entries if e["kind"] == "closure"]
    assert closed["after"] == {
        "location_id": leverkusen.id,
        "day": "2026-12-24",
        "reason": "Heilig",
    }


def test_managers_see_the_account_changes_of_their_staff_only(
    client, auth, factory, leverkusen, hamborn, lev_manager, admin
):
    mine = factory.staff("lev.berater", locations=[leverkusen])
    other = factory.staff("ham.berater", locations=[hamborn])
    auth.login("admin")
    for person in (mine, other):
        response = client.patch(f"/api/v1/staff/{person.id}", json={"display_name": "Neu"})
        assert response.status_code == 200, response.json
    assert {e["id"] for e in trail(client, kind="staff")} == {mine.id, other.id}
    auth.logout()
    auth.login("lev.leitung")
    [seen] = trail(client, kind="staff")
    assert (seen["id"], seen["location"], seen["after"]) == (
        mine.id,
        None,
        {"display_name": "Neu"},
    )


def test_consultation_sessions_their_changes_and_deletion(client, auth, leverkusen, lev_manager):
    auth.login("lev.leitung")
    made = client.post(
        "/api/v1/locations/leverkusen/sessions",
        json={"weekdays": ["mon"], "start": "12:45", "end": "16:45", "topics": ["language"]},
    )
    assert made.status_code == 201, made.json
    rule = made.json["id"]
    changed = client.post(
        f"/api/v1/sessions/{rule}/changes", json={"date": "2026-06-01", "cancelled": True}
    )
    assert changed.status_code in (200, 201), changed.json
    assert client.delete(f"/api/v1/sessions/{rule}").status_code == 204
    entries = [e for e in trail(client, location="leverkusen") if e["kind"].startswith("session")]
    language = next(t for t in leverkusen.topics if t.key == "language")
    # The rule's changes go with it in the database (ON DELETE CASCADE): its deletion says so.
    assert [(e["kind"], e["action"]) for e in entries] == [
        ("session", "delete"),
        ("session_change", "create"),
        ("session", "create"),
    ]
    created = entries[-1]["after"]
    assert (created["weekdays"], created["start"], created["topics"]) == (
        "mon",
        "12:45",
        [language.id],
    )
    assert entries[1]["location"] == entries[0]["location"] == "leverkusen"
    assert entries[1]["after"]["cancelled"] is True and entries[0]["before"]["weekdays"] == "mon"


def test_a_change_rolled_back_after_its_flush_leaves_no_entry(db, session, leverkusen, admin):
    """The entries are rows of the change's own transaction: a change already flushed (its
    differences gathered) and then rolled back writes none, and leaves nothing behind for
    the next unit of work of the same session."""
    with pytest.raises(RuntimeError), db.unit_of_work() as work:
        audit.act_as(work, work.get(Staff, admin.id))
        manage.create_desk(work, work.get(type(leverkusen), leverkusen.id), name="Raum 9")
        work.flush()
        raise RuntimeError("the request failed after the change")
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0
    work = db.sessionmaker()
    try:
        audit.act_as(work, work.get(Staff, admin.id))
        manage.create_desk(work, work.get(type(leverkusen), leverkusen.id), name="Raum 8")
        work.flush()
        work.rollback()
        audit.act_as(work, work.get(Staff, admin.id))
        manage.create_desk(work, work.get(type(leverkusen), leverkusen.id), name="Raum 7")
        work.commit()
    finally:
        work.close()
    entries = session.scalars(select(AuditEntry)).all()
    assert [(e.kind, e.action, e.after["name"]) for e in entries] == [("desk", "create", "Raum 7")]
    assert entries[0].staff_id == admin.id


def test_locations_their_settings_and_kiosks_are_recorded(client, auth, leverkusen, admin):
    auth.login("admin")
    made = client.post("/api/v1/locations", json={"slug": "moers", "name": "Moers"})
    assert made.status_code == 201, made.json
    changed = client.patch(
        "/api/v1/locations/moers", json={"address": "Neuer Wall 2", "discreet_prefix": "Q"}
    )
    assert changed.status_code == 200, changed.json
    kiosk = client.post("/api/v1/locations/moers/kiosks", json={"name": "Eingang"})
    assert kiosk.status_code == 201, kiosk.json
    kiosk_id = kiosk.json["id"]
    renewed = client.patch(f"/api/v1/kiosks/{kiosk_id}", json={"name": "Foyer", "new_token": True})
    assert renewed.status_code == 200, renewed.json
    entries = trail(client, location="moers")
    found = [(e["kind"], e["action"]) for e in entries]
    assert found == [
        ("kiosk", "update"),
        ("kiosk", "create"),
        ("location", "update"),
        ("location", "create"),
    ]
    kiosk_update, kiosk_create, location_update, location_create = entries
    assert location_create["after"]["name"] == "Moers"
    assert location_update["before"] == {"address": "", "discreet_prefix": None}
    assert location_update["after"] == {"address": "Neuer Wall 2", "discreet_prefix": "Q"}
    assert kiosk_create["after"]["name"] == "Eingang"
    assert kiosk_create["after"]["token_hash"] == "changed"  # never the token's hash
    assert kiosk_update["before"]["name"] == "Eingang"
    assert kiosk_update["after"] == {"name": "Foyer", "token_hash": "changed"}
    assert all(e["staff"]["id"] == admin.id and e["at"] for e in entries)
