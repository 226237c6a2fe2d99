"""The public booking page's JSON API, in the public half (``/t/api/v1/…``): a location's
topics open to online booking, their free days and slots, holding a slot, booking it, and
the appointment by its token (read, confirm, cancel). The verbs are
``servicepoint.booking``; no sign-in, no name, the optional email address is encrypted at
rest. Holds and bookings are counted per client address (``servicepoint.throttle``)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, request

from display import public_api_bp as public_api
from servicepoint import booking, clock, contacts, i18n, mail, throttle, tickets
from servicepoint.contacts import ContactCipher
from servicepoint.errors import InvalidInput
from servicepoint.i18n import flask as i18n_flask
from servicepoint.models import Location
from servicepoint.text import shown
from servicepoint.web import client_address, database, db_session, field, json_body, public_url

_MOMENT = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?(Z|[+-][0-9]{2}:[0-9]{2})?$"
)
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def settings() -> booking.BookingSettings:
    return booking.BookingSettings.from_settings(current_app.config)


def smtp() -> mail.SmtpSettings:
    return mail.SmtpSettings.from_settings(current_app.config)


def cipher() -> ContactCipher:
    """This installation's contact cipher (its key generated into the instance folder)."""
    return contacts.of_app(current_app)


def links() -> booking.Links:
    return booking.Links(public_url("/"))


def _send_after_commit() -> None:
    mail.send_after_commit(
        db_session(),
        database(),
        cipher(),
        smtp(),
        background=bool(current_app.config.get("MAIL_IN_BACKGROUND", True)),
    )


def _start(value: object, location: Location) -> datetime:
    """An ISO 8601 moment; without an offset it is the location's local time."""
    if isinstance(value, str) and _MOMENT.match(value):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=ZoneInfo(location.timezone))
            return moment
    raise InvalidInput("bad_start", field="start", value=shown(str(value)))


def _day(value: str | None, location: Location) -> date:
    if value is None:
        return booking.today(location)
    if _DAY.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput("bad_date", field="date", value=shown(value))


def _bookable(slug: str, topic_id: int) -> tuple[Location, Any]:
    location = tickets.get_location(db_session(), slug)
    return location, booking.bookable_topic(location, topic_id)


@public_api.get("/booking/<slug>")
def booking_offer(slug: str):
    """The location and its topics open to online booking (discreet ones by their neutral
    names), whether an email address may be given, the hold's minutes and the horizon."""
    location = tickets.get_location(db_session(), slug)
    current = settings()
    return {
        "location": {"slug": location.slug, "name": location.name, "address": location.address},
        "topics": [booking.topic_json(t) for t in booking.bookable_topics(location)],
        "email": smtp().enabled,
        "hold_minutes": current.hold_minutes,
        "confirm_minutes": current.confirm_minutes,
        "days": current.days,
    }


@public_api.get("/booking/<slug>/topics/<id:topic_id>/days")
def booking_days(slug: str, topic_id: int):
    """The days from today within the horizon that have a free slot."""
    location, topic = _bookable(slug, topic_id)
    found = booking.open_days(db_session(), location, topic, settings())
    return {"days": [{"date": day.isoformat(), "free": free} for day, free in found]}


@public_api.get("/booking/<slug>/topics/<id:topic_id>/slots")
def booking_slots(slug: str, topic_id: int):
    """``?date=YYYY-MM-DD`` (default today): the free slots' start and end."""
    location, topic = _bookable(slug, topic_id)
    day = _day(request.args.get("date"), location)
    slots = booking.day_slots(db_session(), location, topic, day, settings())
    return {
        "date": day.isoformat(),
        "slots": [
            {
                "start": clock.local(s.start, location.timezone).isoformat(),
                "end": clock.local(s.end, location.timezone).isoformat(),
            }
            for s in slots
        ],
    }


@public_api.post("/booking/<slug>/topics/<id:topic_id>/holds")
def hold_slot(slug: str, topic_id: int):
    """``{"start"}``: hold that slot for the visitor (``hold_minutes``); 201 with the hold's
    secret ``token`` and ``expires_at``."""
    session = db_session()
    location, topic = _bookable(slug, topic_id)
    current = settings()
    start = _start(field(json_body(), "start", str, max_length=40), location)
    held = booking.hold(session, location, topic, start, current)
    throttle.count_booking_step(session, client_address(), "hold", current.holds_per_address)
    return booking.hold_json(held), 201


@public_api.post("/booking/holds/<token>/book")
def book_hold(token: str):
    """``{"language"?, "email"?}``: book the held slot; 201 with the appointment as the
    visitor sees it. With an email address a confirmation mail is sent."""
    session = db_session()
    body = json_body()
    current = settings()
    language = i18n.resolve(
        field(body, "language", str, default=None, max_length=16),
        offered=i18n_flask.offered_languages(),
    )
    email = field(body, "email", str, default=None, max_length=320)
    appointment = booking.book(
        session,
        token,
        language,
        email,
        cipher() if smtp().enabled else None,
        current,
        links(),
    )
    throttle.count_booking_step(session, client_address(), "book", current.bookings_per_address)
    _send_after_commit()
    contact = booking.contact_of(session, appointment)
    return booking.public_json(appointment, contact, current), 201


@public_api.delete("/booking/holds/<token>")
def release_hold(token: str):
    """Give the held slot back (the visitor chose another time): 204, also when it is gone."""
    booking.release_hold(db_session(), token)
    return "", 204


@public_api.get("/appointments/<token>")
def appointment_view(token: str):
    """The appointment behind its link: date, times, place, code, state, whether it waits
    for confirmation and may be cancelled."""
    session = db_session()
    appointment = booking.get_appointment(session, token)
    return booking.public_json(appointment, booking.contact_of(session, appointment), settings())


@public_api.post("/appointments/<token>/confirm")
def appointment_confirm(token: str):
    """``{"secret"}`` from the mailed link: the booking stands."""
    session = db_session()
    appointment = booking.get_appointment(session, token)
    secret = field(json_body(), "secret", str, max_length=64)
    booking.confirm(session, appointment, secret, cipher(), settings(), links())
    _send_after_commit()
    return booking.public_json(appointment, booking.contact_of(session, appointment), settings())


@public_api.post("/appointments/<token>/cancel")
def appointment_cancel(token: str):
    """The visitor cancels (only while it is booked); the slot is free again."""
    session = db_session()
    appointment = booking.get_appointment(session, token)
    booking.cancel(session, appointment)
    return booking.public_json(appointment, None, settings())
