"""Checking in for an appointment at the kiosk (by the slip's QR link or the typed code) and
drawing with a client card, through the JSON API, on SQLite and PostgreSQL: the ticket, the
clear refusals that change nothing, and the limit on wrong codes."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from printers import Text, build_layout
from servicepoint import appointments, cards, clock, printing
from servicepoint.models import Appointment, AppointmentState, Location, Ticket, Topic
from tests.appointment_day import MONDAY, at, weekday_session


def count_tickets(session) -> int:
    return session.scalar(select(func.count()).select_from(Ticket))


@pytest.fixture
def move():
    with clock.frozen(at("08:00")) as move_to:
        yield lambda hhmm, day=MONDAY: move_to(at(hhmm, day))


@pytest.fixture
def carla(session, centre, factory):
    general = centre.topics[0]
    carla = factory.staff("carla", topics=[general])
    weekday_session(session, centre, [carla])
    return carla


@pytest.fixture
def booked(session, centre, carla, move):
    appointment = appointments.book(
        session, centre, centre.topics[0], at("10:00"), staff=carla, language="uk"
    )
    session.commit()
    return appointment


def check_in(client, **body):
    return client.post("/api/v1/locations/test-centre/check-in", json=body)


def test_the_typed_code_checks_in_and_issues_a_ticket_of_the_appointment_series(
    client, session, booked, move
):
    move("09:40")
    answer = check_in(client, code=booked.code, language="uk")
    assert answer.status_code == 201, answer.json
    assert answer.json["code"] == "T001"
    assert answer.json["language"] == "uk"
    assert answer.json["appointment"]["time"] == "10:00"
    assert answer.json["appointment"]["late"] is False
    assert answer.json["status_url"].endswith(answer.json["token"])
    session.refresh(booked)
    assert booked.state == AppointmentState.CHECKED_IN and booked.ticket.code == "T001"
    # The visitor scans the slip again: the same ticket, nothing new.
    again = check_in(client, code=booked.code)
    assert again.status_code == 200 and again.json["code"] == "T001"
    assert count_tickets(session) == 1


def test_the_checked_in_ticket_prints_the_appointments_time(client, session, booked, move):
    move("09:40")
    answer = check_in(client, code=booked.code, language="uk")
    ticket = session.scalar(select(Ticket).where(Ticket.code == answer.json["code"]))
    printed = printing.ticket_print(ticket, answer.json["status_url"], 0, None)
    assert printed.appointment_at is not None
    assert printed.appointment_at.strftime("%H:%M %Z") == "10:00 CET"
    lines = [block.text for block in build_layout(printed) if isinstance(block, Text)]
    assert "Ваш запис на прийом: 10:00" in lines and "Ihr Termin: 10:00" in lines


def test_the_scanned_link_checks_in(client, session, booked, move):
    move("09:59")
    scanned = f"https://termin.example.de/t/a/{booked.token}"
    answer = check_in(client, token=scanned)
    assert answer.status_code == 201 and answer.json["code"] == "T001"


def test_late_arrival_gets_a_walk_in_ticket_and_is_told(client, session, booked, centre, move):
    move("10:25")
    answer = check_in(client, code=booked.code)
    assert answer.status_code == 201
    assert answer.json["appointment"]["late"] is True
    assert answer.json["code"].startswith(centre.topics[0].prefix)
    session.refresh(booked)
    assert booked.state == AppointmentState.LATE


@pytest.mark.parametrize(
    ("now", "day", "error", "words"),
    [
        ("09:29", MONDAY, "appointment_too_early", "09:30"),
        ("10:00", date(2026, 12, 4), "appointment_other_day", "07.12.2026"),
        ("12:00", MONDAY, "appointment_over", "missed"),
    ],
)
def test_refusals_say_why_in_the_visitors_language_and_change_nothing(
    client, session, booked, move, now, day, error, words
):
    move(now, day)
    answer = check_in(client, code=booked.code)
    assert answer.status_code == 409 and answer.json["error"] == error
    assert words in answer.json["message"]
    session.refresh(booked)
    assert booked.state == AppointmentState.BOOKED and count_tickets(session) == 0


def test_unknown_and_malformed_codes(client, session, booked, move):
    move("09:45")
    wrong = "000000" if booked.code != "000000" else "111111"
    unknown = check_in(client, code=wrong)
    assert unknown.status_code == 404 and unknown.json["error"] == "no_appointment_code"
    short = client.post(
        "/api/v1/locations/test-centre/check-in",
        json={"code": "12a"},
        headers={"Accept-Language": "en"},
    )
    assert short.status_code == 400 and short.json["field"] == "code"
    assert "6 digits" in short.json["message"]
    neither = check_in(client)
    assert neither.status_code == 400 and neither.json["field"] == "code"
    assert count_tickets(session) == 0


def test_a_code_of_another_place_names_it(client, session, factory, booked, move):
    other = factory.location("hamborn", "Hamborn")
    session.commit()
    move("09:45")
    answer = client.post("/api/v1/locations/hamborn/check-in", json={"code": booked.code})
    assert answer.status_code == 409 and answer.json["error"] == "appointment_elsewhere"
    assert (
        "Test" in answer.json["message"]
        or session.get(Location, booked.location_id).name in (answer.json["message"])
    )
    assert other.id != booked.location_id


def test_wrong_codes_are_limited_per_address(app, client, session, booked, move):
    app.config["CODES_PER_ADDRESS"] = 3
    move("09:45")
    for _ in range(3):
        assert (
            check_in(client, code="999999" if booked.code != "999999" else "888888").status_code
            == 404
        )
    refused = check_in(client, code=booked.code)
    assert refused.status_code == 429 and refused.json["error"] == "too_many_codes"
    assert count_tickets(session) == 0


def test_a_right_code_gives_its_count_back(app, client, session, booked, carla, centre, move):
    app.config["CODES_PER_ADDRESS"] = 2
    move("09:45")
    assert check_in(client, code=booked.code).status_code == 201
    assert check_in(client, code=booked.code).status_code == 200
    assert check_in(client, code=booked.code).status_code == 200


def test_a_card_at_the_kiosk(client, session, centre, carla, move):
    card = cards.make(session, carla, centre)
    session.commit()
    move("10:00")
    typed = cards.shown(card.code).lower()  # as a visitor types it: spaces, small letters
    seen = client.post("/api/v1/locations/test-centre/cards/check", json={"card": typed})
    assert seen.status_code == 200, seen.json
    assert seen.json["counselor"] == "Carla"
    assert seen.json["works_today"] is True
    assert seen.json["topics"] == [centre.topics[0].key]
    drawn = client.post(
        "/api/v1/locations/test-centre/tickets",
        json={"topic": centre.topics[0].key, "card": card.code},
    )
    assert drawn.status_code == 201 and drawn.json["card"]["counselor"] == "Carla"
    ticket = session.scalar(select(Ticket).where(Ticket.code == drawn.json["code"]))
    assert ticket.for_staff_id == carla.id and ticket.channel == "card"
    other_topic = session.scalar(
        select(Topic).where(Topic.location_id == centre.id, Topic.id != centre.topics[0].id)
    )
    refused = client.post(
        "/api/v1/locations/test-centre/tickets",
        json={"topic": other_topic.key, "card": card.code},
    )
    assert refused.status_code == 400 and refused.json["error"] == "card_not_valid"
    assert "Carla" in refused.json["message"]


def test_a_mistyped_card_is_caught_by_its_check_character(client, session, centre, carla, move):
    card = cards.make(session, carla, centre)
    session.commit()
    move("10:00")
    body = card.code[:-1]
    wrong_check = next(c for c in cards.ALPHABET if c != card.code[-1])
    answer = client.post(
        "/api/v1/locations/test-centre/cards/check", json={"card": body + wrong_check}
    )
    assert answer.status_code == 400 and answer.json["error"] == "bad_card_code"
    swapped = card.code[1] + card.code[0] + card.code[2:]
    if swapped != card.code:
        with pytest.raises(cards.BadCardCode):
            cards.normalise(swapped)


def test_a_card_holder_books_their_counselors_next_free_time_at_the_kiosk(
    client, session, centre, carla, move
):
    card = cards.make(session, carla, centre)
    session.commit()
    move("08:00")  # no consultation yet today: Carla's next session is at 10:00
    seen = client.post("/api/v1/locations/test-centre/cards/check", json={"card": card.code})
    assert seen.status_code == 200
    assert seen.json["works_today"] is True and seen.json["topics"] == []
    offered = seen.json["next_slot"]
    assert offered["topic"] == centre.topics[0].key
    assert datetime.fromisoformat(offered["start"]) == at("10:00")
    booked = client.post(
        "/api/v1/locations/test-centre/cards/book",
        json={"card": card.code, "topic": offered["topic"], "start": offered["start"]},
    )
    assert booked.status_code == 201, booked.json
    assert (booked.json["time"], booked.json["counselor"]) == ("10:00", "Carla")
    appointment = session.scalar(select(Appointment).where(Appointment.code == booked.json["code"]))
    assert (appointment.channel, appointment.staff_id, appointment.card_id) == (
        "kiosk",
        carla.id,
        card.id,
    )
    again = client.post("/api/v1/locations/test-centre/cards/check", json={"card": card.code})
    assert datetime.fromisoformat(again.json["next_slot"]["start"]) == at("10:30")
    taken = client.post(
        "/api/v1/locations/test-centre/cards/book",
        json={"card": card.code, "topic": offered["topic"], "start": offered["start"]},
    )
    assert taken.status_code == 409  # Carla is booked then: nothing more changes
    move("09:45")
    assert check_in(client, code=booked.json["code"]).json["code"] == "T001"
