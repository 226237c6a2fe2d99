"""The counselor's side of appointments and client cards through the staff API and /staff
events: check-in from the day list, "your 10:00 is here", overdue marks, follow-ups booked for
a card, cards made, handed over and withdrawn; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from servicepoint import appointments, clock
from servicepoint.models import Consultation

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 12, 7)


def at(hhmm: str, day: date = MONDAY) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=BERLIN)


@pytest.fixture
def move():
    with clock.frozen(at("08:00")) as move_to:
        yield lambda hhmm: move_to(at(hhmm))


@pytest.fixture
def staff(session, centre, factory):
    general = centre.topics[0]
    carla = factory.staff("carla", topics=[general])
    dana = factory.staff("dana", topics=[general])
    session.add(
        Consultation(
            location=centre,
            weekdays="mon,tue,wed,thu,fri",
            start=time(10),
            end=time(12),
            topics=[general],
            staff=[carla, dana],
            slot_minutes=30,
            bookable_share=100,
        )
    )
    session.commit()
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
