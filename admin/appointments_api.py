"""Staff JSON API of appointments: free slots, booking, the day's list, moving and
cancelling. Counselors of the location (``Permission.MOVE_TICKETS`` at it); the verbs are
``servicepoint.appointments``."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, request

from admin import api_bp as api
from admin import slips_api
from servicepoint import access, appointments, cards, clock, printing, snapshots, tickets
from servicepoint.access import Permission
from servicepoint.consultations import parse_date
from servicepoint.errors import InvalidInput, NotFound
from servicepoint.models import Appointment, ClientCard, Location, Staff, Ticket
from servicepoint.text import LANGUAGE, SLUG, TOPIC_KEY, clean_key, shown
from servicepoint.web import current_staff, db_session, field, json_body, require

LANGUAGE_CODE_MAX = 16
# A date and a time, seconds optional, with an offset or Z (without one: the location's time).
_MOMENT = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?(Z|[+-][0-9]{2}:[0-9]{2})?$"
)


def _grace() -> int:
    return int(current_app.config.get("APPOINTMENT_GRACE_MINUTES", 10))


def _lead_minutes() -> int:
    return int(current_app.config.get("APPOINTMENT_LEAD_MINUTES", 5))


def _location(slug: str) -> Location:
    location = tickets.get_location(db_session(), slug)
    require(Permission.MOVE_TICKETS, location)
    return location


def _appointment(appointment_id: int) -> Appointment:
    appointment = appointments.get_appointment(db_session(), appointment_id)
    require(Permission.MOVE_TICKETS, appointment.location)
    return appointment


def _start(value: str, location: Location) -> datetime:
    """An ISO 8601 moment; without an offset it is the location's local time."""
    try:
        if _MOMENT.match(value):
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=ZoneInfo(location.timezone))
            return moment
    except ValueError:
        pass
    raise InvalidInput("bad_start", field="start", value=shown(value))


def _counselor(raw: object, name: str = "staff_id") -> Staff | None:
    """The counselor a request names by id (None when it names none)."""
    if raw is None:
        return None
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise InvalidInput("wrong_type", field=name, terms={"kind": "kind.int"})
    staff = db_session().get(Staff, raw) if 0 < raw < 2**31 else None
    if staff is None:
        raise InvalidInput("no_staff", field=name, id=raw)
    return staff


@api.get("/locations/<slug>/slots")
def slots_view(slug: str):
    """``?topic=KEY&date=YYYY-MM-DD`` (default today) ``&staff_id=N``?: the free slots."""
    session = db_session()
    location = _location(slug)
    topic = tickets.get_topic(
        session, location, clean_key(request.args.get("topic", ""), "topic", TOPIC_KEY)
    )
    raw_day = request.args.get("date")
    day = (
        parse_date(raw_day, "date")
        if raw_day
        else clock.service_day(clock.now(), location.timezone)
    )
    raw_staff = request.args.get("staff_id")
    staff = None
    if raw_staff is not None:
        if not raw_staff.isdigit() or len(raw_staff) > 10:
            raise InvalidInput("wrong_type", field="staff_id", terms={"kind": "kind.int"})
        staff = _counselor(int(raw_staff))
        assert staff is not None
        appointments.check_counselor(location, topic, staff)
    slots = appointments.free_slots(session, location, topic, day, staff, _lead_minutes())
    return {
        "date": day.isoformat(),
        "topic": topic.key,
        "staff_id": staff.id if staff is not None else None,
        "slots": [appointments.slot_json(slot, location.timezone) for slot in slots],
    }


@api.get("/locations/<slug>/counselors")
def counselors_view(slug: str):
    """``?topic=KEY``?: the location's counselors (serving that topic), whom a follow-up may
    be booked with: ``{"counselors": [{"id", "display_name", "topics": [keys]}]}``."""
    session = db_session()
    location = _location(slug)
    raw_topic = request.args.get("topic")
    topic = (
        tickets.get_topic(session, location, clean_key(raw_topic, "topic", TOPIC_KEY))
        if raw_topic
        else None
    )
    keys = {t.id: t.key for t in location.topics}
    return {
        "topic": topic.key if topic is not None else None,
        "counselors": [
            {
                "id": staff.id,
                "display_name": staff.display_name,
                "topics": [keys[i] for i in tickets.served_topic_ids(location, staff)],
            }
            for staff in appointments.counselors(session, location, topic)
        ],
    }


def _ticket_card(location: Location, body: dict[str, Any]) -> ClientCard | None:
    """The card the ticket ``ticket_id`` (of this location) was drawn with, when it was drawn
    with one still active: a follow-up for the client at the desk, whose code the counselor
    need not type."""
    if body.get("ticket_id") is None:
        return None
    ticket_id = field(body, "ticket_id", int)
    ticket = db_session().get(Ticket, ticket_id) if 0 < ticket_id < 2**31 else None
    if ticket is None or ticket.location_id != location.id:
        raise NotFound("no_ticket", field="ticket_id", id=ticket_id)
    card = db_session().get(ClientCard, ticket.card_id) if ticket.card_id is not None else None
    return card if card is not None and card.active else None


@api.post("/locations/<slug>/appointments")
def book_appointment(slug: str):
    """``{"topic", "start", "staff_id"?, "language"?, "card"? (code), "ticket_id"? (the card
    that ticket was drawn with)}`` → 201 with the appointment."""
    session = db_session()
    location = _location(slug)
    booker = require(Permission.MOVE_TICKETS, location)
    body = json_body()
    topic = tickets.get_topic(
        session, location, clean_key(field(body, "topic", str, max_length=64), "topic", TOPIC_KEY)
    )
    start = _start(field(body, "start", str, max_length=40), location)
    staff = _counselor(body.get("staff_id"))
    card_code = field(body, "card", str, default=None, max_length=32)
    card = cards.get(session, card_code) if card_code else _ticket_card(location, body)
    language = clean_key(
        field(body, "language", str, default="de", max_length=LANGUAGE_CODE_MAX),
        "language",
        LANGUAGE,
    )
    appointment = appointments.book(
        session,
        location,
        topic,
        start,
        staff=staff,
        language=language,
        booked_by=booker,
        lead_minutes=_lead_minutes(),
        card=card,
    )
    return appointments.appointment_json(appointment, _grace()), 201


@api.get("/locations/<slug>/appointments")
def appointments_view(slug: str):
    """``?date=YYYY-MM-DD`` (default today): the location's appointments of that day."""
    session = db_session()
    location = _location(slug)
    raw_day = request.args.get("date")
    day = (
        parse_date(raw_day, "date")
        if raw_day
        else clock.service_day(clock.now(), location.timezone)
    )
    return {
        "date": day.isoformat(),
        "appointments": [
            appointments.appointment_json(a, _grace())
            for a in appointments.day_list(session, location, day)
        ],
    }


@api.patch("/appointments/<id:appointment_id>")
def move_appointment(appointment_id: int):
    """``{"start", "print"?}``: the appointment moves to that slot; with ``"print":
    {"desk_id"?, "kiosk_id"?, "language"?}`` its slip is printed anew (``print_job``), in
    the same transaction: no printer, no move (409)."""
    appointment = _appointment(appointment_id)
    body = json_body()
    start = _start(field(body, "start", str, max_length=40), appointment.location)
    appointments.move(db_session(), appointment, start, _lead_minutes())
    if body.get("print") is None:
        return appointments.appointment_json(appointment, _grace())
    job = slips_api.print_slip(appointment, field(body, "print", dict))
    return {
        **appointments.appointment_json(appointment, _grace()),
        "print_job": printing.job_json(job),
    }


@api.delete("/appointments/<id:appointment_id>")
def cancel_appointment(appointment_id: int):
    """Cancel the appointment (kept, state ``cancelled``); its slot is free again."""
    appointment = _appointment(appointment_id)
    appointments.cancel(db_session(), appointment)
    return appointments.appointment_json(appointment, _grace())


@api.post("/appointments/<id:appointment_id>/restore")
def restore_appointment(appointment_id: int):
    """Undo a cancellation: the appointment is booked again at its time if that is still
    free (409 ``slot_taken`` or ``counselor_busy`` if not)."""
    appointment = _appointment(appointment_id)
    appointments.restore(db_session(), appointment, _lead_minutes())
    return appointments.appointment_json(appointment, _grace())


@api.post("/appointments/<id:appointment_id>/check-in")
def check_in_appointment(appointment_id: int):
    """A counselor checks a visitor in from their day list: 201 with the appointment and its
    ticket (as the kiosk's check-in issues it: due at the start, or late as a walk-in meant
    for the counselor); 200 with the same when it had checked in already."""
    session = db_session()
    appointment = _appointment(appointment_id)
    staff = require(Permission.MOVE_TICKETS, appointment.location)
    checked = appointments.check_in(
        session,
        appointment,
        appointment.location,
        appointments.CheckInRules.from_settings(current_app.config),
    )
    answer = {
        "appointment": appointments.appointment_json(appointment, _grace()),
        "ticket": snapshots.staff_ticket_json(checked.ticket, staff),
        "late": checked.late,
    }
    return answer, 200 if checked.repeated else 201


# --- client cards ---------------------------------------------------------------------------


@api.post("/cards")
def make_card():
    """``{"location": slug, "staff_id"?}`` → 201 with a new client card for a client of the
    counselor (oneself by default; a colleague needs managing the location)."""
    session = db_session()
    body = json_body()
    location = _location(clean_key(field(body, "location", str, max_length=64), "location", SLUG))
    me = require(Permission.MOVE_TICKETS, location)
    staff = _counselor(body.get("staff_id")) or me
    if staff.id != me.id:
        require(Permission.MANAGE, location)
    return cards.card_json(cards.make(session, staff, location)), 201


def _card(code: str) -> ClientCard:
    """The card with this code, seen by a member of a location of its counselor (or of the
    location it was made at)."""
    session = db_session()
    card = cards.get(session, code)
    me = current_staff()
    places = [m.location_id for m in card.staff.memberships] if card.staff is not None else []
    if card.location_id is not None:
        places.append(card.location_id)
    for location_id in places:
        location = session.get(Location, location_id)
        if location is not None and access.allowed(me, Permission.MOVE_TICKETS, location):
            return card
    raise NotFound("no_card", field="card")


@api.get("/cards/<code>")
def card_view(code: str):
    """The card (whose client it is, when made and last used)."""
    return cards.card_json(_card(code))


@api.patch("/cards/<code>")
def hand_over_card(code: str):
    """``{"staff_id"}``: the case moves to a colleague (a member where the card was made)."""
    session = db_session()
    card = _card(code)
    staff = _counselor(field(json_body(), "staff_id", int))
    assert staff is not None
    location = session.get(Location, card.location_id) if card.location_id else None
    if location is None or staff.membership(location.id) is None:
        raise InvalidInput(
            "card_counselor",
            field="staff_id",
            name=staff.display_name,
            location=location.name if location else "",
        )
    return cards.card_json(cards.hand_over(session, card, staff))


@api.delete("/cards/<code>")
def withdraw_card(code: str):
    """The card no longer works (lost, or the case closed)."""
    return cards.card_json(cards.withdraw(db_session(), _card(code)))
