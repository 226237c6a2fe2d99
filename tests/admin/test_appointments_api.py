"""Appointments over the staff API: free slots, booking, the day's list, moving and
cancelling; refusals that change nothing; access; session rules' slot length and bookable
share; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from servicepoint import clock
from servicepoint.models import Appointment, Consultation, Role, Visit

BERLIN = ZoneInfo("Europe/Berlin")
EARLY = datetime(2026, 12, 7, 8, 0, tzinfo=BERLIN)  # a Monday
SLOTS = "/api/v1/locations/test-centre/slots"
BOOK = "/api/v1/locations/test-centre/appointments"


@pytest.fixture
def frozen():
    with clock.frozen(EARLY) as move_to:
        yield move_to


@pytest.fixture
def anna(factory, centre):
    return factory.staff("anna", locations=[centre])


@pytest.fixture
def signed_in(frozen, auth, anna):  # signed in at the frozen time (sessions expire)
    assert auth.login("anna").status_code == 200
    return anna


@pytest.fixture
def session_rule(session, centre, anna, factory):
    """Weekdays 10:00 to 12:00 for "general", held by Anna and Bert, all of it bookable."""
    bert = factory.staff("bert", locations=[centre])
    consultation = Consultation(
        location=centre,
        weekdays="mon,tue,wed,thu,fri",
        start=time(10),
        end=time(12),
        topics=[centre.topics[0]],
        staff=[anna, bert],
        bookable_share=100,
    )
    session.add(consultation)
    session.commit()
    return consultation


def appointment_count(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Appointment))


def book(client, **values):
    return client.post(BOOK, json={"topic": "general", **values})


def test_slots_then_book_then_list(client, session, signed_in, session_rule, frozen):
    listed = client.get(SLOTS, query_string={"topic": "general", "date": "2026-12-07"})
    assert listed.status_code == 200
    assert [(s["start"], s["end"], s["free"]) for s in listed.json["slots"]][:2] == [
        ("2026-12-07T10:00:00+01:00", "2026-12-07T10:30:00+01:00", 2),
        ("2026-12-07T10:30:00+01:00", "2026-12-07T11:00:00+01:00", 2),
    ]
    made = book(client, start="2026-12-07T10:00:00+01:00", staff_id=signed_in.id, language="tr")
    assert made.status_code == 201, made.json
    body = made.json
    assert body["state"] == "booked" and len(body["code"]) == 6 and body["code"].isdigit()
    assert (body["start"], body["end"]) == (
        "2026-12-07T10:00:00+01:00",
        "2026-12-07T10:30:00+01:00",
    )
    assert body["staff"]["id"] == signed_in.id and body["language"] == "tr"
    assert body["channel"] == "staff" and len(body["token"]) >= 22
    # Without an offset the time is the location's; "Z" is UTC.
    assert book(client, start="2026-12-07T10:00").json["start"] == "2026-12-07T10:00:00+01:00"
    assert (
        book(client, start="2026-12-07T10:30:00Z")
        .json["start"]
        .startswith("2026-12-07T11:30:00+01:00")
    )

    free = client.get(SLOTS, query_string={"topic": "general", "date": "2026-12-07"}).json
    assert free["slots"][0]["start"] == "2026-12-07T10:30:00+01:00"  # 10:00 is full now
    mine = client.get(
        SLOTS, query_string={"topic": "general", "date": "2026-12-07", "staff_id": signed_in.id}
    ).json
    # Anna is busy at 10:00; 11:30 has one place left, which she can take.
    assert [(s["start"][11:16], s["free"]) for s in mine["slots"]] == [
        ("10:30", 1),
        ("11:00", 1),
        ("11:30", 1),
    ]

    day = client.get(BOOK, query_string={"date": "2026-12-07"}).json
    assert [a["start"][11:16] for a in day["appointments"]] == ["10:00", "10:00", "11:30"]
    assert client.get(BOOK, query_string={"date": "2026-12-08"}).json["appointments"] == []


def test_move_and_cancel(client, session, signed_in, session_rule, frozen):
    made = book(client, start="2026-12-07T10:00:00+01:00").json
    moved = client.patch(
        f"/api/v1/appointments/{made['id']}", json={"start": "2026-12-07T11:00:00+01:00"}
    )
    assert moved.status_code == 200 and moved.json["start"] == "2026-12-07T11:00:00+01:00"
    assert moved.json["code"] == made["code"]
    cancelled = client.delete(f"/api/v1/appointments/{made['id']}")
    assert cancelled.status_code == 200 and cancelled.json["state"] == "cancelled"
    assert appointment_count(session) == 1  # kept
    again = client.patch(
        f"/api/v1/appointments/{made['id']}", json={"start": "2026-12-07T11:30:00+01:00"}
    )
    assert again.status_code == 409 and again.json["error"] == "appointment_not_booked"
    assert client.delete("/api/v1/appointments/999").status_code == 404


def test_a_cancellation_is_undone_while_its_place_is_free(
    client, session, signed_in, session_rule, frozen
):
    made = book(client, start="2026-12-07T10:00:00+01:00", staff_id=signed_in.id).json
    url = f"/api/v1/appointments/{made['id']}"
    assert client.delete(url).json["state"] == "cancelled"
    assert session.scalar(select(func.count()).select_from(Visit)) == 1  # counted: cancelled
    restored = client.post(f"{url}/restore")
    assert restored.status_code == 200, restored.json
    assert (restored.json["state"], restored.json["code"]) == ("booked", made["code"])
    assert restored.json["start"] == made["start"]
    assert session.scalar(select(func.count()).select_from(Visit)) == 0  # not a visit now
    again = client.post(f"{url}/restore")
    assert again.status_code == 409 and again.json["error"] == "appointment_not_cancelled"

    # Cancelled again, and Anna's 10:00 taken meanwhile: the undo is refused, nothing changes.
    client.delete(url)
    other = book(client, start="2026-12-07T10:00:00+01:00", staff_id=signed_in.id)
    assert other.status_code == 201
    refused = client.post(f"{url}/restore")
    assert refused.status_code == 409 and refused.json["error"] == "counselor_busy"
    session.expire_all()
    assert session.get(Appointment, made["id"]).state == "cancelled"
    client.delete(f"/api/v1/appointments/{other.json['id']}")
    frozen(datetime(2026, 12, 7, 10, 5, tzinfo=ZoneInfo("Europe/Berlin")))  # its time is past
    late = client.post(f"{url}/restore")
    assert late.status_code == 400 and late.json["field"] == "start"
    assert client.post("/api/v1/appointments/999/restore").status_code == 404


@pytest.mark.parametrize(
    ("values", "status", "error", "field"),
    [
        ({"start": "2026-12-07T10:10:00+01:00"}, 400, "invalid", "start"),
        ({"start": "2026-12-07T07:00:00+01:00"}, 400, "invalid", "start"),  # in the past
        ({"start": "2026-12-25T10:00:00+01:00"}, 400, "invalid", "start"),  # Christmas
        ({"start": "next monday"}, 400, "invalid", "start"),
        ({"start": "2026-12-07T10:00:00+01:00", "topic": "language"}, 400, "invalid", "start"),
        ({"start": "2026-12-07T10:00:00+01:00", "topic": "nope"}, 404, "not_found", "topic"),
        ({"start": "2026-12-07T10:00:00+01:00", "staff_id": 99999}, 400, "invalid", "staff_id"),
        ({"start": "2026-12-07T10:00:00+01:00", "staff_id": "1"}, 400, "invalid", "staff_id"),
        ({"start": "2026-12-07T10:00:00+01:00", "language": "x y"}, 400, "invalid", "language"),
    ],
)
def test_refused_bookings_change_nothing(
    client, session, signed_in, session_rule, frozen, values, status, error, field
):
    refused = client.post(BOOK, json={"topic": "general", **values})
    assert (refused.status_code, refused.json["error"], refused.json.get("field")) == (
        status,
        error,
        field,
    )
    assert refused.json["message"]
    assert appointment_count(session) == 0


def test_the_last_place_is_refused_with_a_german_message(
    client, session, signed_in, session_rule, frozen
):
    for _ in range(2):
        assert book(client, start="2026-12-07T11:00:00+01:00").status_code == 201
    full = client.post(
        BOOK,
        json={"topic": "general", "start": "2026-12-07T11:00:00+01:00"},
        headers={"Accept-Language": "de"},
    )
    assert full.status_code == 409 and full.json["error"] == "slot_taken"
    assert full.json["field"] == "start" and "nicht mehr frei" in full.json["message"]
    assert appointment_count(session) == 2


def test_a_busy_counselor_is_named(client, session, signed_in, session_rule, frozen):
    assert book(client, start="2026-12-07T10:00:00+01:00", staff_id=signed_in.id).status_code == 201
    busy = book(client, start="2026-12-07T10:00:00+01:00", staff_id=signed_in.id)
    assert (busy.status_code, busy.json["error"], busy.json["field"]) == (
        409,
        "counselor_busy",
        "staff_id",
    )
    assert "Anna" in busy.json["message"]


def test_only_members_of_the_location_book_or_see(frozen, client, session, factory, auth):
    factory.location()
    other = factory.location("other-centre")
    factory.staff("fremd", locations=[other])
    assert auth.login("fremd").status_code == 200
    assert client.get(SLOTS, query_string={"topic": "general"}).status_code == 403
    refused = book(client, start="2026-12-07T10:00:00+01:00")
    assert (refused.status_code, refused.json["error"]) == (403, "not_member")
    assert client.get(BOOK).status_code == 403
    auth.logout()
    assert client.get(BOOK).status_code == 401


def test_session_rules_carry_slot_length_and_bookable_share(client, session, factory, auth):
    centre = factory.location()
    factory.staff("leitung", role=Role.MANAGER, admin=False, locations=[centre])
    assert auth.login("leitung").status_code == 200
    rule = {"weekdays": ["mon"], "start": "10:00", "end": "12:00", "topics": ["general"]}
    made = client.post("/api/v1/locations/test-centre/sessions", json=rule)
    assert (made.json["slot_minutes"], made.json["bookable_share"]) == (30, 0)
    changed = client.patch(
        f"/api/v1/sessions/{made.json['id']}", json={"slot_minutes": 20, "bookable_share": 40}
    )
    assert (changed.json["slot_minutes"], changed.json["bookable_share"]) == (20, 40)
    for values, name in (
        ({"slot_minutes": 4}, "slot_minutes"),
        ({"slot_minutes": 241}, "slot_minutes"),
        ({"bookable_share": 101}, "bookable_share"),
        ({"bookable_share": -1}, "bookable_share"),
        ({"bookable_share": "half"}, "bookable_share"),
    ):
        refused = client.patch(f"/api/v1/sessions/{made.json['id']}", json=values)
        assert (refused.status_code, refused.json["field"]) == (400, name)
    session.expire_all()
    stored = session.get(Consultation, made.json["id"])
    assert (stored.slot_minutes, stored.bookable_share) == (20, 40)
    fresh = client.post(
        "/api/v1/locations/test-centre/sessions", json={**rule, "bookable_share": 25}
    )
    assert fresh.status_code == 201 and fresh.json["bookable_share"] == 25
