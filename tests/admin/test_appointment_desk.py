"""The counselor's side of appointments and client cards through the staff API and /staff
events: check-in from the day list, "your 10:00 is here", overdue marks, follow-ups booked for
a card, cards made, handed over and withdrawn; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from servicepoint import appointments, clock, desks
from tests.appointment_day import at, weekday_session
from tests.conftest import PASSWORD


@pytest.fixture
def move():
    with clock.frozen(at("08:00")) as move_to:
        yield lambda hhmm: move_to(at(hhmm))


@pytest.fixture
def staff(session, centre, factory):
    general = centre.topics[0]
    carla = factory.staff("carla", topics=[general])
    dana = factory.staff("dana", topics=[general])
    weekday_session(session, centre, [carla, dana])
    return carla, dana


def events(sc, name):
    return [e["args"][0] for e in sc.get_received("/staff") if e["name"] == name]


def test_check_in_from_the_day_list_tells_the_counselor(
    client, session, centre, staff, auth, socket_client, move
):
    carla, _dana = staff
    auth.login("dana")
    booked = client.post(
        "/api/v1/locations/test-centre/appointments",
        json={"topic": "general", "start": "2026-12-07T10:00", "staff_id": carla.id},
    )
    assert booked.status_code == 201, booked.json
    auth.logout()
    auth.login("carla")
    carla_view = socket_client("/staff", {"location": "test-centre"})
    carla_view.get_received("/staff")
    move("09:45")
    listed = client.get("/api/v1/locations/test-centre/appointments").json["appointments"]
    assert [(a["id"], a["state"], a["overdue"]) for a in listed] == [
        (booked.json["id"], "booked", False)
    ]
    checked = client.post(f"/api/v1/appointments/{booked.json['id']}/check-in")
    assert checked.status_code == 201, checked.json
    assert checked.json["ticket"]["code"] == "T001" and checked.json["late"] is False
    arrived = events(carla_view, "appointment_arrived")
    assert [a["appointment"]["ticket"]["code"] for a in arrived] == ["T001"]
    again = client.post(f"/api/v1/appointments/{booked.json['id']}/check-in")
    assert again.status_code == 200 and again.json["ticket"]["code"] == "T001"


def test_overdue_appointments_are_marked(client, session, centre, staff, auth, move):
    carla, _dana = staff
    appointments.book(session, centre, centre.topics[0], at("10:00"), staff=carla)
    session.commit()
    auth.login("carla")
    move("10:11")
    listed = client.get("/api/v1/locations/test-centre/appointments").json["appointments"]
    assert [a["overdue"] for a in listed] == [True]


def test_every_staff_view_hears_of_a_booking(
    client, session, centre, staff, auth, socket_client, move
):
    auth.login("dana")
    view = socket_client("/staff", {"location": "test-centre"})
    view.get_received("/staff")
    made = client.post(
        "/api/v1/locations/test-centre/appointments",
        json={"topic": "general", "start": "2026-12-07T10:30"},
    )
    assert made.status_code == 201
    heard = events(view, "appointment")
    assert [(h["kind"], h["appointment"]["id"]) for h in heard] == [("booked", made.json["id"])]


def test_cards_made_used_for_a_follow_up_handed_over_and_withdrawn(
    client, session, centre, staff, auth, move
):
    carla, dana = staff
    auth.login("carla")
    made = client.post("/api/v1/cards", json={"location": "test-centre"})
    assert made.status_code == 201, made.json
    code = made.json["code"]
    assert len(code) == 9 and made.json["staff"]["id"] == carla.id
    assert made.json["shown"] == f"{code[:4]} {code[4:8]} {code[8:]}"
    follow_up = client.post(
        "/api/v1/locations/test-centre/appointments",
        json={"topic": "general", "start": "2026-12-07T11:00", "staff_id": carla.id, "card": code},
    )
    assert follow_up.status_code == 201 and follow_up.json["card"] is True
    for_colleague = client.post(
        "/api/v1/cards", json={"location": "test-centre", "staff_id": dana.id}
    )
    assert for_colleague.status_code == 403  # only a manager makes cards for others
    moved = client.patch(f"/api/v1/cards/{code}", json={"staff_id": dana.id})
    assert moved.status_code == 200 and moved.json["staff"]["id"] == dana.id
    assert client.get(f"/api/v1/cards/{code.lower()}").json["staff"]["id"] == dana.id
    gone = client.delete(f"/api/v1/cards/{code}")
    assert gone.status_code == 200 and gone.json["active"] is False
    assert client.get(f"/api/v1/cards/{code}").status_code == 404
    drawn = client.post(
        "/api/v1/locations/test-centre/tickets", json={"topic": "general", "card": code}
    )
    assert drawn.status_code == 404 and drawn.json["error"] == "no_card"


def test_each_counselor_sees_their_own_next_when_tickets_are_meant_for_them(
    app, client, session, centre, staff, auth, socket_client, move
):
    """Carla and Dana serve the same topics: without a ticket meant for one of them they
    share one payload; a card ticket of Carla's gives each their own calling order."""
    carla, dana = staff
    move("10:00")
    desks.occupy(session, centre.desks[0], carla)  # both on duty (signing out would leave)
    desks.occupy(session, centre.desks[1], dana)
    session.commit()
    dana_client = app.test_client()
    signed_in = dana_client.post("/api/v1/session", json={"username": "dana", "password": PASSWORD})
    assert signed_in.status_code in (200, 201)
    dana_view = app.extensions["socketio"].test_client(
        app, namespace="/staff", auth={"location": "test-centre"}, flask_test_client=dana_client
    )
    auth.login("carla")
    card = client.post("/api/v1/cards", json={"location": "test-centre"}).json["code"]
    carla_view = socket_client("/staff", {"location": "test-centre"})
    walk_in = client.post("/api/v1/locations/test-centre/tickets", json={"topic": "general"})
    with_card = client.post(
        "/api/v1/locations/test-centre/tickets", json={"topic": "general", "card": card}
    )
    assert walk_in.status_code == with_card.status_code == 201

    def last_queue(view):
        return [e["args"][0] for e in view.get_received("/staff") if e["name"] == "queue"][-1]

    mine, theirs = last_queue(carla_view), last_queue(dana_view)
    dana_view.disconnect(namespace="/staff")
    card_code, walk_in_code = with_card.json["code"], walk_in.json["code"]
    by_code = {t["code"]: t for t in mine["waiting"]}
    assert mine["next_id"] == by_code[card_code]["id"]
    assert (by_code[card_code]["step"], by_code[card_code]["for_you"]) == ("for_you", True)
    by_code = {t["code"]: t for t in theirs["waiting"]}
    assert theirs["next_id"] == by_code[walk_in_code]["id"]
    assert by_code[card_code]["step"] is None  # Carla's client, for now
    assert [t["code"] for t in theirs["waiting"]] == [walk_in_code, card_code]
