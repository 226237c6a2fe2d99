"""Kiosk JSON API: the topics on offer and drawing a ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app

from kiosk import api_bp as api
from servicepoint import (
    appointments,
    cards,
    clock,
    discreet,
    offer,
    printing,
    public,
    snapshots,
    text,
    throttle,
    tickets,
)
from servicepoint.errors import InvalidInput
from servicepoint.estimates import Estimates
from servicepoint.models import AppointmentChannel, Kiosk, Location, PrinterMode, PrintJob, Ticket
from servicepoint.text import LANGUAGE, REQUEST_ID, TICKET_TOKEN, TOPIC_KEY, clean_key
from servicepoint.web import (
    client_address,
    database,
    db_session,
    estimates,
    field,
    json_body,
    public_url,
    status_url,
)

LANGUAGE_CODE_MAX = 8


@api.get("/locations/<slug>/topics")
def topics(slug: str):
    """The location's active topics in kiosk order, with names per language and whether each
    takes tickets now (``snapshots.kiosk_topics``)."""
    session = db_session()
    location = tickets.get_location(session, slug)
    return {
        "location": snapshots.location_json(location),
        **snapshots.kiosk_topics(
            session, location, offer.Hours.from_settings(current_app.config), estimates(location)
        ),
    }


def _common(body: dict[str, Any], location: Any) -> tuple[str, Kiosk | None, str | None]:
    """The language, kiosk and request id a kiosk's request may carry."""
    session = db_session()
    language = clean_key(
        field(body, "language", str, default="de", max_length=LANGUAGE_CODE_MAX),
        "language",
        LANGUAGE,
    )
    kiosk_token = field(body, "kiosk", str, default=None, max_length=64)
    kiosk = printing.kiosk_by_token(session, kiosk_token, location.id) if kiosk_token else None
    request_id = field(body, "request_id", str, default=None, max_length=64) or None
    if request_id is not None:
        request_id = clean_key(request_id, "request_id", REQUEST_ID)
    return language, kiosk, request_id


def _answer(
    location: Location,
    ticket: Ticket,
    position: int,
    kiosk: Kiosk | None,
    repeated: bool,
    estimated: Estimates,
) -> dict[str, Any]:
    """A drawn (or checked-in) ticket as the kiosk shows it, printed on ``kiosk``."""
    session = db_session()
    topic = ticket.topic
    # None when no counselor on duty serves the topic: the screen says so instead.
    wait = estimated.wait(topic.id, position)
    job = None
    if repeated:
        job = printing.job_for_ticket(session, ticket)
    elif kiosk is not None:
        printed = printing.ticket_print(ticket, status_url(ticket.public_token), position, wait)
        job = printing.queue_print(session, kiosk, ticket, printed)
    return {
        "code": ticket.code,
        "number": ticket.number,
        # A discreet topic is not named on the ticket screen (nor on its QR page).
        "topic": discreet.visitor_topic_key(topic),
        "topic_names": discreet.visitor_topic_names(topic),
        "language": ticket.language,
        "position": position,
        "people_ahead": position,
        "estimated_wait_minutes": wait,
        "nobody_on_duty": wait is None,
        "issued_at": snapshots.iso(ticket.issued_at),
        "token": ticket.public_token,
        "status_url": status_url(ticket.public_token),
        "qr_url": public.path(ticket.public_token, "qr.svg"),  # on this server: the kiosk's
        "location": snapshots.location_json(location),
        "print": _print_state(job),
    }


def _count(kiosk: Kiosk | None) -> None:
    """Count a new ticket against the limits, last: a refusal rolls the whole draw back, and
    on PostgreSQL the counter rows (shared by every draw from this address or kiosk) stay
    locked only briefly."""
    limits = throttle.TicketLimits.from_settings(current_app.config)
    throttle.count_ticket(db_session(), client_address(), kiosk.id if kiosk else None, limits)


@api.post("/locations/<slug>/tickets")
def issue(slug: str):
    """Draw a ticket: ``{"topic": key, "language": "de"}`` → 201 with code and status URL.

    Optional: ``"kiosk": token`` prints it on that kiosk's printer; ``"request_id"`` (chosen
    by the kiosk per tap) makes a retry answer 200 with the same ticket instead of a new one;
    ``"card": code`` draws it with a client card (meant for the card's counselor first).
    New tickets are limited per address and per kiosk (429 ``too_many_tickets``).
    """
    session = db_session()
    # With its desks: who sits at them decides the estimated wait (often nobody: no read).
    location = tickets.get_location(session, slug, with_desks=True)
    body = json_body()
    topic_key = clean_key(field(body, "topic", str, max_length=64), "topic", TOPIC_KEY)
    language, kiosk, request_id = _common(body, location)
    card_code = field(body, "card", str, default=None, max_length=32)
    card = cards.get(session, card_code) if card_code else None
    topic = tickets.get_topic(session, location, topic_key)
    issued = tickets.issue_ticket(
        session,
        location,
        topic,
        language,
        request_id,
        offer.Hours.from_settings(current_app.config),
        estimated := estimates(location),
        card=card,
    )
    answer = _answer(location, issued.ticket, issued.position, kiosk, issued.repeated, estimated)
    if card is not None:
        answer["card"] = _card_answer(card)
    if not issued.repeated:  # a retried tap is never counted twice, never refused
        _count(kiosk)
    return answer, 200 if issued.repeated else 201


@api.post("/locations/<slug>/check-in")
def check_in(slug: str):
    """Check an appointment in at the kiosk: ``{"code": "123456"}`` (typed) or
    ``{"token": …}`` (the slip's QR, as a scanner types it: the link or the token) → 201 with
    its ticket, as drawing one answers, and ``"appointment"`` (``late``: after the grace time,
    now a walk-in meant for the counselor first). ``"language"``, ``"kiosk"`` and
    ``"request_id"`` as for drawing. Failed codes are limited per address (429)."""
    body = json_body()
    code = field(body, "code", str, default=None, max_length=32)
    token = field(body, "token", str, default=None, max_length=300)
    if (code is None) == (token is None):
        raise InvalidInput("check_in_code_or_token", field="code")
    counted = _admit_code()  # before anything else is read: its own unit of work
    session = db_session()
    location = tickets.get_location(session, slug, with_desks=True)
    language, kiosk, request_id = _common(body, location)
    appointment = appointments.find_for_check_in(
        session, location, code=code, token=_token_of(token) if token is not None else None
    )
    checked = appointments.check_in(
        session,
        appointment,
        location,
        appointments.CheckInRules.from_settings(current_app.config),
        language,
        request_id,
    )
    throttle.uncount(session, counted)  # a right code counts for nothing
    estimated = estimates(location)
    position = tickets.people_ahead(session, checked.ticket)
    answer = _answer(location, checked.ticket, position, kiosk, checked.repeated, estimated)
    answer["appointment"] = {
        "start": snapshots.iso(appointment.start),
        "time": clock.local(appointment.start, location.timezone).strftime("%H:%M"),
        "late": checked.late,
        "counselor": appointment.staff.display_name if appointment.staff else None,
    }
    if not checked.repeated:
        _count(kiosk)
    return answer, 200 if checked.repeated else 201


def _token_of(scanned: str) -> str:
    """The token in what a scanner typed: the slip's link (``…/t/a/<token>``) or the token."""
    token = scanned.strip().rstrip("/").rsplit("/", 1)[-1]
    return clean_key(token, "token", TICKET_TOKEN)


def _admit_code() -> str:
    """Count this code's attempt per address in its own unit of work, committed before the
    code is looked up (a wrong code is refused and rolled back, and must still count: codes
    cannot be guessed); 429 over the limit. Called before the request's own session reads
    anything (SQLite: one writer at a time). Returns the counter's key: the request gives the
    count back when the code was right (``throttle.uncount``, committed with it)."""
    limits = throttle.CheckInLimits.from_settings(current_app.config)
    key = throttle.code_key(client_address())
    with database().unit_of_work() as counting:
        throttle.admit_code(counting, key, limits)
    return key


@api.post("/locations/<slug>/cards/check")
def check_card(slug: str):
    """``{"card": code}`` (typed or scanned): whose card it is, the topics of theirs the
    kiosk offers now, whether they work here today and their next session here."""
    body = json_body()
    raw = field(body, "card", str, max_length=32)
    counted = _admit_code()
    session = db_session()
    location = tickets.get_location(session, slug, with_desks=True)
    card = cards.get(session, raw)
    throttle.uncount(session, counted)
    offered = snapshots.kiosk_topics(
        session, location, offer.Hours.from_settings(current_app.config), estimates(location)
    )
    open_keys = [t["key"] for t in offered["topics"] if t.get("open", True)]
    return _card_answer(cards.at_kiosk(session, card, location, open_keys))


@api.post("/locations/<slug>/cards/book")
def book_with_card(slug: str):
    """``{"card", "topic", "start", "language"?, "kiosk"?}``: the visitor books their
    counselor's free time (``next_slot`` of ``cards/check``) at the kiosk → 201 with the
    appointment (``code``, ``date``, ``time``, ``counselor``) and its slip printed on the
    kiosk's printer when it has one (``print``). Refusals as for booking (409 ``slot_taken``,
    ``counselor_busy``; 400 ``start``)."""
    body = json_body()
    raw = field(body, "card", str, max_length=32)
    counted = _admit_code()
    session = db_session()
    location = tickets.get_location(session, slug)
    card = cards.get(session, raw)
    throttle.uncount(session, counted)
    language, kiosk, _request_id = _common(body, location)
    topic = tickets.get_topic(
        session, location, clean_key(field(body, "topic", str, max_length=64), "topic", TOPIC_KEY)
    )
    start = _moment(field(body, "start", str, max_length=40))
    if card.staff is None:
        raise cards.NoCard("no_card", field="card")
    appointment = appointments.book(
        session,
        location,
        topic,
        start,
        staff=card.staff,
        language=language,
        channel=AppointmentChannel.KIOSK,
        lead_minutes=int(current_app.config.get("APPOINTMENT_LEAD_MINUTES", 5)),
        card=card,
    )
    job = None
    if kiosk is not None and kiosk.printer_mode != PrinterMode.NONE:
        url = public_url(public.path("a/" + appointment.token))
        try:
            job = printing.print_slip(session, appointment, url, language, kiosk=kiosk)
        except printing.NoPrinter:
            job = None  # the screen shows the code: the booking stands
    local = clock.local(appointment.start, location.timezone)
    return {
        "code": appointment.code,
        "date": local.date().isoformat(),
        "time": local.strftime("%H:%M"),
        "start": snapshots.iso(appointment.start),
        "counselor": card.staff.display_name,
        "token": appointment.token,
        "print": _print_state(job),
    }, 201


def _moment(value: str) -> datetime:
    """An ISO 8601 moment with its offset (as ``next_slot`` gives it)."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidInput("bad_start", field="start", value=text.shown(value))
    return moment


def _card_answer(card: Any) -> dict[str, Any]:
    """What the kiosk shows of a card (``cards.CardAtKiosk``, or the card alone)."""
    if isinstance(card, cards.CardAtKiosk):
        return {
            "code": card.card.code,
            "counselor": card.counselor.display_name if card.counselor else None,
            "topics": card.topic_keys,
            "works_today": card.works_today,
            "next_session": snapshots.iso(card.next_session),
            "next_slot": (
                {"start": snapshots.iso(card.next_slot[0]), "topic": card.next_slot[1]}
                if card.next_slot is not None
                else None
            ),
        }
    return {
        "code": card.code,
        "counselor": card.staff.display_name if card.staff else None,
    }


def _print_state(job: PrintJob | None) -> dict[str, Any] | None:
    """How the printing of this ticket starts: None without a printer; ``unavailable`` when
    the kiosk already knows its printer cannot print (the screen is the ticket then)."""
    if job is None:
        return None
    kiosk = printing.job_kiosk(job)
    return {
        "job_id": job.id,
        "state": "pending" if printing.can_print_now(kiosk) else "unavailable",
        "printer_state": kiosk.printer_state,
        "detail": kiosk.printer_detail,
    }
