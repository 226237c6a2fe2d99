"""Online booking: visitors book appointments themselves on the public booking page.

Only topics with ``online_booking`` (and active) are offered; a discreet topic is named as
visitors see it (``servicepoint.discreet``: "Counselling"). Free slots come from
``servicepoint.appointments`` like the staff's.

**Holds.** Choosing a slot holds it for ``hold_minutes`` (``ONLINE_HOLD_MINUTES``): an
``AppointmentHold`` takes a place in every slot it overlaps until it expires
(``appointments.all_slots`` counts it), taken under the day's lock like a booking, so two
visitors never hold the last place. Its secret ``token`` alone books it: the hold becomes an
``Appointment`` with channel ``online`` in one transaction (the hold deleted, the place
counted again under the same lock). An expired hold books nothing (409 ``hold_expired``);
the job ``release`` deletes expired holds.

**Contact.** No name is asked. An email address is optional: kept apart
(``AppointmentContact``), encrypted at rest (``servicepoint.contacts``), compared by a keyed
hash. With one, the booking must be confirmed by the mailed link within
``confirm_minutes`` (``ONLINE_CONFIRM_MINUTES``; double opt-in), else the job ``release``
cancels it; once confirmed it is reminded ``reminder_hours`` before its start (the job
``reminders``; at once when confirmed later than that) with an ``.ics`` attachment and the
cancel link. At most one open booking per address and topic. The contact is deleted on
cancellation (``appointments.cancel``) and after the appointment's day (the job
``contacts``). Mail subjects name neither the topic nor anything about it.

**Cancel.** The visitor cancels by the appointment's token while it is only ``booked``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from servicepoint import appointments, clock, i18n, public, schedule
from servicepoint.contacts import ContactCipher, clean_email
from servicepoint.discreet import visitor_topic_name, visitor_topic_names
from servicepoint.errors import Conflict, InvalidInput, NotFound
from servicepoint.mail import Mail, queue
from servicepoint.models import (
    Appointment,
    AppointmentChannel,
    AppointmentContact,
    AppointmentHold,
    AppointmentState,
    Location,
    Topic,
)
from servicepoint.text import TICKET_TOKEN

# Distinguishes this module's advisory locks (PostgreSQL) from the appointments' (0x41).
_ADDRESS_LOCK = 0x42


class NotBookableOnline(NotFound):
    """The topic is not (or no longer) open to online booking."""

    code = "not_bookable_online"


class HoldExpired(Conflict):
    """The held slot's time ran out (or the hold was already booked)."""

    code = "hold_expired"


class BookingExists(Conflict):
    """The address already has an open booking for this topic."""

    code = "booking_exists"


@dataclass(frozen=True)
class BookingSettings:
    """The online booking's settings (``ONLINE_*``, ``APPOINTMENT_LEAD_MINUTES``)."""

    hold_minutes: int = 10
    days: int = 28
    confirm_minutes: int = 60
    reminder_hours: int = 24
    lead_minutes: int = 5
    holds_per_address: int = 30
    bookings_per_address: int = 10

    @classmethod
    def from_settings(cls, settings: Mapping[str, object]) -> BookingSettings:
        def number(key: str, default: int) -> int:
            return int(str(settings.get(key, default)))

        return cls(
            hold_minutes=number("ONLINE_HOLD_MINUTES", 10),
            days=number("ONLINE_BOOKING_DAYS", 28),
            confirm_minutes=number("ONLINE_CONFIRM_MINUTES", 60),
            reminder_hours=number("ONLINE_REMINDER_HOURS", 24),
            lead_minutes=number("APPOINTMENT_LEAD_MINUTES", 5),
            holds_per_address=number("ONLINE_HOLDS_PER_ADDRESS", 30),
            bookings_per_address=number("ONLINE_BOOKINGS_PER_ADDRESS", 10),
        )


@dataclass(frozen=True)
class Links:
    """The visitor's addresses, as phones reach them (``base``: the public URL)."""

    base: str

    def appointment(self, token: str) -> str:
        return self.base.rstrip("/") + public.path("a", token)

    def confirm(self, token: str, secret: str) -> str:
        return f"{self.appointment(token)}?confirm={secret}"

    def cancel(self, token: str) -> str:
        return f"{self.appointment(token)}?cancel=1"


# --- what is offered ----------------------------------------------------------------------


def bookable_topics(location: Location) -> list[Topic]:
    """The location's active topics open to online booking, in kiosk order."""
    return [t for t in location.topics if t.active and t.online_booking]


def bookable_topic(location: Location, topic_id: int) -> Topic:
    """The location's topic with this id if it is open to online booking, else NotFound."""
    for topic in bookable_topics(location):
        if topic.id == topic_id:
            return topic
    raise NotBookableOnline("not_bookable_online", field="topic")


def topic_json(topic: Topic) -> dict[str, Any]:
    """A topic as the booking page shows it (a discreet one by its neutral names)."""
    return {"id": topic.id, "names": visitor_topic_names(topic)}


def today(location: Location) -> date:
    return clock.service_day(clock.now(), location.timezone)


def _check_day(location: Location, day: date, settings: BookingSettings) -> None:
    first = today(location)
    if not first <= day < first + timedelta(days=max(1, settings.days)):
        raise InvalidInput("booking_day", field="date", days=settings.days)


def day_slots(
    session: Session, location: Location, topic: Topic, day: date, settings: BookingSettings
) -> list[appointments.Slot]:
    """The slots of ``day`` a visitor may hold now (one place free at least)."""
    _check_day(location, day, settings)
    return appointments.free_slots(
        session, location, topic, day, lead_minutes=settings.lead_minutes
    )


def open_days(
    session: Session, location: Location, topic: Topic, settings: BookingSettings
) -> list[tuple[date, int]]:
    """Each day from today within the booking horizon that has a free slot, with how many."""
    first = today(location)
    found = []
    for offset in range(max(1, settings.days)):
        day = first + timedelta(days=offset)
        count = len(
            appointments.free_slots(
                session, location, topic, day, lead_minutes=settings.lead_minutes
            )
        )
        if count:
            found.append((day, count))
    return found


# --- holds and bookings ---------------------------------------------------------------------


def hold(
    session: Session,
    location: Location,
    topic: Topic,
    start: datetime,
    settings: BookingSettings,
) -> AppointmentHold:
    """Hold the slot at ``start`` for ``hold_minutes``: refused like a booking when no place
    is free (409 ``slot_taken``), not in a bookable session, too soon or beyond the
    horizon."""
    if not (topic.active and topic.online_booking) or topic.location_id != location.id:
        raise NotBookableOnline("not_bookable_online", field="topic")
    if start.tzinfo is None:
        raise InvalidInput("bad_start", field="start", value=start.isoformat())
    _check_day(location, clock.service_day(start, location.timezone), settings)
    slot = appointments._choose_slot(  # the day's lock, then the count with holds
        session, location, topic, start, None, settings.lead_minutes
    )
    now = clock.now()
    held = AppointmentHold(
        location_id=location.id,
        topic_id=topic.id,
        consultation_id=slot.consultation_id,
        day=clock.service_day(slot.start, location.timezone),
        start=slot.start,
        duration_minutes=int((slot.end - slot.start).total_seconds() // 60),
        created_at=now,
        expires_at=now + timedelta(minutes=max(1, settings.hold_minutes)),
    )
    session.add(held)
    session.flush()
    return held


def get_hold(session: Session, token: str) -> AppointmentHold:
    """The hold behind ``token`` while it lasts, else 409 ``hold_expired``."""
    found = (
        session.scalar(select(AppointmentHold).where(AppointmentHold.token == token))
        if TICKET_TOKEN.matches(token)
        else None
    )
    if found is None or found.expires_at <= clock.now():
        raise HoldExpired("hold_expired", field="hold")
    return found


def _open_booking(session: Session, topic: Topic, email_hash: str) -> Appointment | None:
    return session.scalar(
        select(Appointment)
        .join(AppointmentContact, AppointmentContact.appointment_id == Appointment.id)
        .where(
            AppointmentContact.email_hash == email_hash,
            Appointment.topic_id == topic.id,
            Appointment.state.in_(appointments.LIVE_STATES),
        )
        .limit(1)
    )


def end_of_day(location: Location, day: date) -> datetime:
    """The end of ``day`` at the location (the next day's midnight there), aware."""
    return schedule.at(day + timedelta(days=1), time(0, 0), location.timezone)


def book(
    session: Session,
    token: str,
    language: str,
    email: str | None,
    cipher: ContactCipher | None,
    settings: BookingSettings,
    links: Links,
) -> Appointment:
    """Book the held slot (``token``) as an online appointment in ``language``; with
    ``email`` (``cipher`` then required: mail must be set up) its contact is stored
    encrypted and the confirmation mail queued. Refused: the hold expired (409
    ``hold_expired``), the topic closed to online booking, a malformed address (400
    ``bad_email``), an open booking of the address for this topic (409 ``booking_exists``)."""
    held = get_hold(session, token)
    location, topic = held.location, held.topic
    if not (topic.active and topic.online_booking):
        raise NotBookableOnline("not_bookable_online", field="topic")
    address = None
    email_hash = None
    if email is not None and email.strip():
        if cipher is None:
            raise InvalidInput("no_mail", field="email")
        address = clean_email(email)
        email_hash = cipher.email_hash(address)
    appointments.lock_day(session, location.id, held.day)
    if email_hash is not None:
        _lock_address(session, email_hash)
        if _open_booking(session, topic, email_hash) is not None:
            raise BookingExists("booking_exists", field="email")
    start = held.start
    # Under the day's lock: a second request with the same token finds the hold gone.
    spent = session.execute(
        delete(AppointmentHold).where(
            AppointmentHold.id == held.id, AppointmentHold.expires_at > clock.now()
        )
    )
    if getattr(spent, "rowcount", 0) != 1:
        raise HoldExpired("hold_expired", field="hold")
    session.expunge(held)
    appointment = appointments.book(
        session,
        location,
        topic,
        start,
        language=language,
        channel=AppointmentChannel.ONLINE,
        lead_minutes=0,
    )
    if address is not None and email_hash is not None and cipher is not None:
        secret = secrets.token_urlsafe(16)
        contact = AppointmentContact(
            appointment_id=appointment.id,
            email=cipher.encrypt(address),
            email_hash=email_hash,
            confirm_hash=_digest(secret),
            created_at=clock.now(),
            delete_after=end_of_day(location, appointment.day),
        )
        session.add(contact)
        session.flush()
        queue(
            session,
            cipher,
            confirmation_mail(
                appointment, address, links.confirm(appointment.token, secret), settings, links
            ),
        )
    return appointment


def _lock_address(session: Session, email_hash: str) -> None:
    """Serialise the bookings of one address (PostgreSQL: a transaction-scoped advisory
    lock; SQLite: the writer lock every unit of work holds), so two at once cannot both be
    its one open booking of a topic."""
    if session.get_bind().dialect.name == "postgresql":
        key = (_ADDRESS_LOCK << 56) | int(email_hash[:13], 16)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def release_hold(session: Session, token: str) -> None:
    """Give a hold back before it runs out (the visitor chose another time); a hold that is
    gone already is no error."""
    if TICKET_TOKEN.matches(token):
        session.execute(delete(AppointmentHold).where(AppointmentHold.token == token))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def get_appointment(session: Session, token: str) -> Appointment:
    """The appointment behind its status link's token, or NotFound."""
    found = (
        session.scalar(select(Appointment).where(Appointment.token == token))
        if TICKET_TOKEN.matches(token)
        else None
    )
    if found is None:
        raise NotFound("no_appointment_link")
    return found


def contact_of(session: Session, appointment: Appointment) -> AppointmentContact | None:
    return session.scalar(
        select(AppointmentContact).where(AppointmentContact.appointment_id == appointment.id)
    )


def confirm(
    session: Session,
    appointment: Appointment,
    secret: str,
    cipher: ContactCipher,
    settings: BookingSettings,
    links: Links,
) -> Appointment:
    """Confirm the booking with the mailed link's ``secret`` (again: no change); refused
    (404 ``bad_confirmation``) with a wrong secret or none to confirm, 409
    ``appointment_not_booked`` once it is cancelled or over. Confirmed within the reminder
    time before the start, the reminder is queued at once."""
    contact = contact_of(session, appointment)
    if contact is None or not hmac.compare_digest(contact.confirm_hash, _digest(secret)):
        raise NotFound("bad_confirmation", field="confirm")
    if appointment.state != AppointmentState.BOOKED:
        raise appointments.AppointmentNotBooked("appointment_not_booked", code=appointment.code)
    if contact.confirmed_at is None:
        contact.confirmed_at = clock.now()
        if _reminder_due(appointment, settings):
            _remind(session, appointment, contact, cipher, links)
        session.flush()
    return appointment


def cancel(session: Session, appointment: Appointment) -> Appointment:
    """The visitor cancels while the appointment is only booked (409
    ``appointment_not_booked`` after that); its contact is deleted with it."""
    return appointments.cancel(session, appointment)


# --- mail -------------------------------------------------------------------------------


def _mail_params(appointment: Appointment, links: Links) -> dict[str, object]:
    local = clock.local(appointment.start, appointment.location.timezone)
    return {
        "location": appointment.location.name,
        "address": appointment.location.address or "",
        "date": local.strftime("%d.%m.%Y"),
        "time": local.strftime("%H:%M"),
        "code": appointment.code,
        "topic": visitor_topic_name(appointment.topic, appointment.language),
        "url": links.appointment(appointment.token),
        "cancel_url": links.cancel(appointment.token),
    }


def confirmation_mail(
    appointment: Appointment, to: str, confirm_url: str, settings: BookingSettings, links: Links
) -> Mail:
    """The double opt-in mail: the confirmation link (valid ``confirm_minutes``)."""
    language = appointment.language
    params = _mail_params(appointment, links)
    return Mail(
        to=to,
        subject=i18n.text(language, "mail.confirm_subject", **params),
        body=i18n.text(
            language,
            "mail.confirm_body",
            confirm_url=confirm_url,
            minutes=settings.confirm_minutes,
            **params,
        ),
    )


def reminder_mail(appointment: Appointment, to: str, links: Links) -> Mail:
    """The reminder: date, time, place, code, the cancel link and the ``.ics``."""
    language = appointment.language
    params = _mail_params(appointment, links)
    return Mail(
        to=to,
        subject=i18n.text(language, "mail.reminder_subject", **params),
        body=i18n.text(language, "mail.reminder_body", **params),
        ics=appointment_ics(appointment, links),
    )


def appointment_ics(appointment: Appointment, links: Links) -> str:
    """The appointment as an iCalendar VEVENT (UTC times; no topic in its summary)."""
    from icalendar import Calendar, Event

    location = appointment.location
    url = links.appointment(appointment.token)
    language = appointment.language
    calendar = Calendar()
    calendar.add("prodid", "-//servicepoint//online booking//DE")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    entry = Event()
    entry.add("uid", f"{_digest(appointment.token)[:32]}@servicepoint")
    entry.add("dtstamp", clock.now())
    entry.add("dtstart", appointment.start)
    entry.add("dtend", appointment.end)
    entry.add(
        "summary",
        i18n.text(language, "booking.ics_summary", location=location.name, code=appointment.code),
    )
    entry.add("location", ", ".join(p for p in (location.name, location.address or "") if p))
    entry.add(
        "description",
        i18n.text(language, "booking.ics_description", code=appointment.code, url=url),
    )
    entry.add("url", url)
    calendar.add_component(entry)
    written: bytes = calendar.to_ical()
    return written.decode()


def _reminder_due(appointment: Appointment, settings: BookingSettings) -> bool:
    now = clock.now()
    return appointment.start - timedelta(hours=settings.reminder_hours) <= now < appointment.start


def _remind(
    session: Session,
    appointment: Appointment,
    contact: AppointmentContact,
    cipher: ContactCipher,
    links: Links,
) -> None:
    queue(session, cipher, reminder_mail(appointment, cipher.decrypt(contact.email), links))
    contact.reminded_at = clock.now()


# --- jobs (each idempotent; ``dry_run`` counts and changes nothing) -------------------------


def release_expired(session: Session, settings: BookingSettings, dry_run: bool = False) -> int:
    """Delete expired holds and cancel bookings not confirmed in time (their contacts go
    with them); returns how many."""
    now = clock.now()
    expired = select(AppointmentHold.id).where(AppointmentHold.expires_at <= now)
    unconfirmed = list(
        session.scalars(
            select(Appointment)
            .join(AppointmentContact, AppointmentContact.appointment_id == Appointment.id)
            .where(
                AppointmentContact.confirmed_at.is_(None),
                AppointmentContact.created_at <= now - timedelta(minutes=settings.confirm_minutes),
                Appointment.state == AppointmentState.BOOKED,
            )
        )
    )
    if dry_run:
        holds = int(session.scalar(select(func.count()).select_from(expired.subquery())) or 0)
        return holds + len(unconfirmed)
    deleted = session.execute(delete(AppointmentHold).where(AppointmentHold.expires_at <= now))
    for appointment in unconfirmed:
        appointments.cancel(session, appointment)
    session.flush()
    return int(getattr(deleted, "rowcount", 0) or 0) + len(unconfirmed)


def queue_reminders(
    session: Session,
    cipher: ContactCipher,
    settings: BookingSettings,
    links: Links,
    dry_run: bool = False,
) -> int:
    """Queue the reminder of every confirmed booking starting within ``reminder_hours``
    that has none yet; returns how many."""
    now = clock.now()
    due: list[tuple[Appointment, AppointmentContact]] = [
        (appointment, contact)
        for appointment, contact in session.execute(
            select(Appointment, AppointmentContact)
            .join(AppointmentContact, AppointmentContact.appointment_id == Appointment.id)
            .where(
                AppointmentContact.confirmed_at.is_not(None),
                AppointmentContact.reminded_at.is_(None),
                Appointment.state == AppointmentState.BOOKED,
                Appointment.start > now,
                Appointment.start <= now + timedelta(hours=settings.reminder_hours),
            )
        )
    ]
    if not dry_run:
        for appointment, contact in due:
            _remind(session, appointment, contact, cipher, links)
        session.flush()
    return len(due)


def delete_contacts(session: Session, dry_run: bool = False) -> int:
    """Delete the contacts whose appointment's day is over or that was cancelled; returns
    how many."""
    ended = select(AppointmentContact.id).where(
        (AppointmentContact.delete_after <= clock.now())
        | AppointmentContact.appointment_id.in_(
            select(Appointment.id).where(Appointment.state == AppointmentState.CANCELLED)
        )
    )
    ids = list(session.scalars(ended))
    if not dry_run and ids:
        session.execute(delete(AppointmentContact).where(AppointmentContact.id.in_(ids)))
        session.flush()
    return len(ids)


# --- what the visitor sees -------------------------------------------------------------------


def hold_json(held: AppointmentHold) -> dict[str, Any]:
    timezone = held.location.timezone
    return {
        "token": held.token,
        "start": clock.local(held.start, timezone).isoformat(),
        "end": clock.local(held.end, timezone).isoformat(),
        "expires_at": held.expires_at.isoformat(),
    }


def public_json(
    appointment: Appointment, contact: AppointmentContact | None, settings: BookingSettings
) -> dict[str, Any]:
    """The appointment as its visitor sees it (by its token): no staff, a discreet topic by
    its neutral names, whether it waits for the mailed confirmation and may be cancelled."""
    location = appointment.location
    waiting = (
        contact is not None
        and contact.confirmed_at is None
        and appointment.state == AppointmentState.BOOKED
    )
    return {
        "token": appointment.token,
        "code": appointment.code,
        "state": appointment.state,
        "date": appointment.day.isoformat(),
        "start": clock.local(appointment.start, location.timezone).isoformat(),
        "end": clock.local(appointment.end, location.timezone).isoformat(),
        "location": {"name": location.name, "address": location.address or ""},
        "topic_names": visitor_topic_names(appointment.topic),
        "language": appointment.language,
        "awaiting_confirmation": waiting,
        "confirm_by": (
            (contact.created_at + timedelta(minutes=settings.confirm_minutes)).isoformat()
            if waiting and contact is not None
            else None
        ),
        "can_cancel": appointment.state == AppointmentState.BOOKED,
        "url": public.path("a", appointment.token),
    }
