"""A desk has one occupant: only they call to it or move its ticket; another counselor is
refused (409 desk_taken, naming who sits there) unless they take the desk over, and the one
replaced is told at once. Leaving, signing out and an idle time free the desk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from servicepoint import clock
from servicepoint.models import Desk, Ticket, TicketEvent
from tests.conftest import AuthActions

START = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


@pytest.fixture
def second(factory):
    """A second counselor, "Beraterin"."""
    return factory.staff("beraterin")


@pytest.fixture
def other(app, second):
    """The second counselor's browser, signed in."""
    browser = app.test_client()
    assert AuthActions(browser).login("beraterin").status_code == 200
    return browser


def draw(client, topic="general"):
    answer = client.post("/api/v1/locations/test-centre/tickets", json={"topic": topic})
    assert answer.status_code == 201, answer.json
    return answer.json


def desks_of(client):
    found = client.get("/api/v1/locations/test-centre/desks")
    assert found.status_code == 200
    return {d["name"]: d for d in found.json["desks"]}


def history(session, ticket_id):
    count = select(func.count(TicketEvent.id)).where(TicketEvent.ticket_id == ticket_id)
    return session.scalar(count)


def staff_events(socket, name):
    return [e["args"][0] for e in socket.get_received("/staff") if e["name"] == name]


def test_the_issues_case_is_refused_and_changes_nothing(
    client, session, centre, counselor, other, auth, socket_client
):
    """Counselor 1 serves a visitor in Raum 1; counselor 2 presses call-next for Raum 1: it
    used to finish counselor 1's ticket and show them a new one. Now it is refused."""
    auth.login()
    raum1 = centre.desks[0].id
    first, waiting = draw(client), draw(client)
    called = client.post(f"/api/v1/desks/{raum1}/call-next").json
    assert called["code"] == first["code"]
    assert client.post(f"/api/v1/tickets/{called['id']}/start").json["state"] == "serving"
    desk_view = socket_client("/staff", {"location": "test-centre"})
    desk_view.get_received("/staff")
    events_before = history(session, called["id"])

    refused = other.post(f"/api/v1/desks/{raum1}/call-next", headers={"Accept-Language": "de"})

    assert refused.status_code == 409
    assert refused.json["error"] == "desk_taken"
    assert "Berater" in refused.json["message"] and "Raum 1" in refused.json["message"]
    session.expire_all()
    served = session.get(Ticket, called["id"])
    assert (served.state, served.finished_at) == ("serving", None)
    assert session.scalar(select(Ticket.state).where(Ticket.code == waiting["code"])) == "waiting"
    assert history(session, called["id"]) == events_before
    assert desk_view.get_received("/staff") == []  # counselor 1's screen shows nothing new
    waiting_id = session.scalar(select(Ticket.id).where(Ticket.code == waiting["code"]))
    chosen = other.post(f"/api/v1/desks/{raum1}/call", json={"ticket_id": waiting_id})
    assert chosen.status_code == 409 and chosen.json["error"] == "desk_taken"


def test_moves_of_the_ticket_at_a_taken_desk_are_refused(
    client, session, centre, counselor, other, auth
):
    auth.login()
    draw(client)
    called = client.post(f"/api/v1/desks/{centre.desks[0].id}/call-next").json
    session.expire_all()
    version = session.get(Ticket, called["id"]).version
    for move in ("recall", "start", "finish", "no-show"):
        refused = other.post(f"/api/v1/tickets/{called['id']}/{move}")
        assert refused.status_code == 409, move
        assert refused.json["error"] == "desk_taken"
        assert "Berater is at Raum 1" in refused.json["message"]
    session.expire_all()
    ticket = session.get(Ticket, called["id"])
    assert (ticket.state, ticket.version, ticket.call_count) == ("called", version, 1)
    # The occupant may.
    assert client.post(f"/api/v1/tickets/{called['id']}/start").json["state"] == "serving"


def test_taking_a_desk_over_tells_the_previous_occupant_at_once(
    client, centre, counselor, second, other, auth, socket_client
):
    auth.login()
    raum1 = centre.desks[0].id
    assert client.post(f"/api/v1/desks/{raum1}/occupy").json["occupant"]["id"] == counselor.id
    draw(client)
    called = client.post(f"/api/v1/desks/{raum1}/call-next").json
    first_view = socket_client("/staff", {"location": "test-centre"})
    first_view.get_received("/staff")

    refused = other.post(f"/api/v1/desks/{raum1}/occupy")
    assert refused.status_code == 409 and refused.json["error"] == "desk_taken"
    assert staff_events(first_view, "desk_taken_over") == []

    taken = other.post(f"/api/v1/desks/{raum1}/occupy", json={"take_over": True})
    assert taken.status_code == 200
    assert taken.json["occupant"] == {"id": second.id, "display_name": "Beraterin"}
    assert taken.json["occupied_since"] is not None

    received = first_view.get_received("/staff")
    notices = [e["args"][0] for e in received if e["name"] == "desk_taken_over"]
    by = {"id": second.id, "display_name": "Beraterin"}
    assert notices == [{"desk": {"id": raum1, "name": "Raum 1"}, "by": by}]
    queues = [e["args"][0] for e in received if e["name"] == "queue"]
    assert queues and queues[-1]["desks"][0]["occupant"]["display_name"] == "Beraterin"

    # Counselor 1 can no longer call there or move the ticket; counselor 2 can.
    again = client.post(f"/api/v1/desks/{raum1}/call-next")
    assert again.status_code == 409 and "Beraterin" in again.json["message"]
    assert client.post(f"/api/v1/tickets/{called['id']}/start").status_code == 409
    assert other.post(f"/api/v1/tickets/{called['id']}/start").json["state"] == "serving"


def test_a_staff_member_sits_at_one_desk_at_a_time(client, centre, counselor, auth):
    auth.login()
    raum1, raum2 = (d.id for d in centre.desks)
    client.post(f"/api/v1/desks/{raum1}/occupy")
    assert desks_of(client)["Raum 1"]["occupant"]["id"] == counselor.id
    moved = client.post(f"/api/v1/desks/{raum2}/occupy")
    assert moved.json["occupant"]["id"] == counselor.id
    desks = desks_of(client)
    assert desks["Raum 1"]["occupant"] is None and desks["Raum 1"]["occupied_since"] is None
    assert desks["Raum 2"]["occupant"]["id"] == counselor.id
    # Call-next at a free desk takes it (and frees the other one).
    draw(client)
    assert client.post(f"/api/v1/desks/{raum1}/call-next").status_code == 200
    desks = desks_of(client)
    assert desks["Raum 1"]["occupant"]["id"] == counselor.id
    assert desks["Raum 2"]["occupant"] is None


def test_leaving_frees_the_desk(client, centre, counselor, other, auth):
    auth.login()
    raum1 = centre.desks[0].id
    client.post(f"/api/v1/desks/{raum1}/occupy")
    # Someone else leaving it changes nothing.
    assert other.delete(f"/api/v1/desks/{raum1}/occupy").json["occupant"]["id"] == counselor.id
    left = client.delete(f"/api/v1/desks/{raum1}/occupy")
    assert left.status_code == 200 and left.json["occupant"] is None
    assert other.post(f"/api/v1/desks/{raum1}/occupy").status_code == 200


def test_signing_out_frees_the_desk(client, centre, counselor, other, auth, socket_client):
    auth.login()
    raum1 = centre.desks[0].id
    client.post(f"/api/v1/desks/{raum1}/occupy")
    watching = other.get("/api/v1/locations/test-centre/queue").json
    assert watching["desks"][0]["occupant"]["display_name"] == "Berater"
    assert auth.logout().status_code == 204
    assert desks_of(other)["Raum 1"]["occupant"] is None
    assert other.post(f"/api/v1/desks/{raum1}/occupy").status_code == 200


def test_an_idle_occupant_counts_as_gone(app, client, centre, counselor, other, auth):
    assert app.config["DESK_IDLE_MINUTES"] == 30
    raum1 = centre.desks[0].id
    with clock.frozen(START) as move_to:
        auth.login()
        client.post(f"/api/v1/desks/{raum1}/occupy")
        move_to(START + timedelta(minutes=29))
        assert other.post(f"/api/v1/desks/{raum1}/occupy").status_code == 409
        # Every call or move at the desk counts as being there.
        draw(client)
        called = client.post(f"/api/v1/desks/{raum1}/call-next").json
        client.post(f"/api/v1/tickets/{called['id']}/finish")
        move_to(START + timedelta(minutes=29 + 29))
        assert other.post(f"/api/v1/desks/{raum1}/call-next").status_code == 409
        move_to(START + timedelta(minutes=29 + 31))
        # Staff views show the desk as free once the idle time has passed ...
        queue = other.get("/api/v1/locations/test-centre/queue").json
        assert queue["desks"][0]["occupant"] is None
        # ... and someone else takes it without taking it over.
        taken = other.post(f"/api/v1/desks/{raum1}/occupy")
        assert taken.status_code == 200 and taken.json["occupant"]["display_name"] == "Beraterin"
        assert client.post(f"/api/v1/desks/{raum1}/call-next").status_code == 409


def test_a_counselor_with_a_visitor_is_never_idle(client, centre, counselor, other, auth):
    raum1 = centre.desks[0].id
    with clock.frozen(START) as move_to:
        auth.login()
        draw(client)
        called = client.post(f"/api/v1/desks/{raum1}/call-next").json
        client.post(f"/api/v1/tickets/{called['id']}/start")
        move_to(START + timedelta(minutes=45))  # a long talk, no clicks
        assert desks_of(other)["Raum 1"]["occupant"]["id"] == counselor.id
        assert other.post(f"/api/v1/desks/{raum1}/call-next").status_code == 409
        assert other.post(f"/api/v1/tickets/{called['id']}/finish").status_code == 409
        assert other.post(f"/api/v1/desks/{raum1}/occupy").status_code == 409


def test_no_idle_time_when_it_is_zero(db, tmp_path, centre, counselor, second):
    from tests.conftest import make_test_app

    app = make_test_app(db, tmp_path, DESK_IDLE_MINUTES=0)
    first, other = app.test_client(), app.test_client()
    AuthActions(first).login()
    AuthActions(other).login("beraterin")
    raum1 = centre.desks[0].id
    with clock.frozen(START) as move_to:
        first.post(f"/api/v1/desks/{raum1}/occupy")
        move_to(START + timedelta(days=1))
        assert other.post(f"/api/v1/desks/{raum1}/occupy").status_code == 409


def test_the_queue_shows_who_sits_where_live(client, centre, counselor, other, auth, socket_client):
    auth.login()
    watching = socket_client("/staff", {"location": "test-centre"})
    first = staff_events(watching, "queue")[-1]
    assert [(d["name"], d["occupant"]) for d in first["desks"]] == [
        ("Raum 1", None),
        ("Raum 2", None),
    ]
    other.post(f"/api/v1/desks/{centre.desks[1].id}/occupy")
    latest = staff_events(watching, "queue")[-1]
    raum2 = latest["desks"][1]
    assert raum2["occupant"]["display_name"] == "Beraterin" and raum2["occupied_since"]
    other.delete(f"/api/v1/desks/{centre.desks[1].id}/occupy")
    assert staff_events(watching, "queue")[-1]["desks"][1]["occupant"] is None


def test_who_sits_where_is_for_staff_only(client, centre, counselor, auth):
    auth.login()
    client.post(f"/api/v1/desks/{centre.desks[0].id}/occupy")
    auth.logout()
    anonymous = client.get("/api/v1/locations/test-centre/desks").json["desks"]
    assert anonymous[0] == {"id": centre.desks[0].id, "name": "Raum 1", "active": True}


def test_occupy_is_refused_where_the_staff_member_may_not_call(
    client, session, factory, centre, auth
):
    elsewhere = factory.location("elsewhere")
    factory.staff("fremd", locations=[elsewhere])
    AuthActions(client).login("fremd")
    refused = client.post(f"/api/v1/desks/{centre.desks[0].id}/occupy")
    assert refused.status_code == 403
    session.expire_all()
    assert session.get(Desk, centre.desks[0].id).occupant_id is None
    assert client.post("/api/v1/desks/9999/occupy").status_code == 404


def test_a_closed_desk_cannot_be_taken(client, session, centre, counselor, auth):
    centre.desks[1].active = False
    session.commit()
    auth.login()
    refused = client.post(f"/api/v1/desks/{centre.desks[1].id}/occupy")
    assert refused.status_code == 400 and refused.json["error"] == "invalid"
    bad = client.post(f"/api/v1/desks/{centre.desks[0].id}/occupy", json={"take_over": "yes"})
    assert bad.status_code == 400 and bad.json["field"] == "take_over"


def test_an_access_change_frees_the_desk(app, client, centre, counselor, factory, other):
    from servicepoint.models import Role

    factory.staff("leitung", role=Role.MANAGER)
    AuthActions(client).login()
    raum1 = centre.desks[0].id
    client.post(f"/api/v1/desks/{raum1}/occupy")
    admin = app.test_client()
    AuthActions(admin).login("leitung")
    assert admin.patch(f"/api/v1/staff/{counselor.id}", json={"active": False}).status_code == 200
    assert desks_of(other)["Raum 1"]["occupant"] is None


def test_a_freed_desk_never_ends_a_colleagues_visitor_by_a_call(
    client, session, centre, counselor, other, auth
):
    """Counselor 1 leaves Raum 1 (or signs out elsewhere) while still serving a visitor
    there: counselor 2 may sit down, but a call does not finish counselor 1's visitor as a
    side effect; it is refused, naming them, until that consultation is finished."""
    auth.login()
    raum1 = centre.desks[0].id
    first, _waiting = draw(client), draw(client)
    called = client.post(f"/api/v1/desks/{raum1}/call-next").json
    assert client.post(f"/api/v1/tickets/{called['id']}/start").status_code == 200
    assert client.delete(f"/api/v1/desks/{raum1}/occupy").status_code == 200

    refused = other.post(f"/api/v1/desks/{raum1}/call-next", headers={"Accept-Language": "de"})
    assert refused.status_code == 409 and refused.json["error"] == "desk_busy"
    assert "Berater" in refused.json["message"] and first["code"] in refused.json["message"]
    session.expire_all()
    assert session.get(Ticket, called["id"]).state == "serving"
    # Finishing it is an explicit act of whoever now sits there; then calls go on.
    assert other.post(f"/api/v1/tickets/{called['id']}/finish").status_code == 200
    assert other.post(f"/api/v1/desks/{raum1}/call-next").status_code == 200


@pytest.mark.parametrize("move", ["requeue", "cancel", "transfer"])
def test_a_colleague_does_not_requeue_cancel_or_transfer_the_visitor_at_my_desk(
    client, session, centre, counselor, other, auth, move
):
    auth.login()
    raum1 = centre.desks[0].id
    draw(client)
    called = client.post(f"/api/v1/desks/{raum1}/call-next").json
    body = {"topic": "language"} if move == "transfer" else None
    refused = other.post(f"/api/v1/tickets/{called['id']}/{move}", json=body)
    assert refused.status_code == 409 and refused.json["error"] == "desk_taken"
    session.expire_all()
    ticket = session.get(Ticket, called["id"])
    assert (ticket.state, ticket.desk_id, ticket.topic.key) == ("called", raum1, "general")
    # The one at the desk may.
    assert client.post(f"/api/v1/tickets/{called['id']}/{move}", json=body).status_code == 200
