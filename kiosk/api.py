"""Kiosk JSON API: the topics on offer and drawing a ticket."""

from __future__ import annotations

from typing import Any

from flask import current_app

from kiosk import api_bp as api
from servicepoint import discreet, offer, printing, public, snapshots, throttle, tickets
from servicepoint.models import PrintJob
from servicepoint.text import LANGUAGE, REQUEST_ID, TOPIC_KEY, clean_key
from servicepoint.web import (
    client_address,
    db_session,
    estimates,
    field,
    json_body,
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


@api.post("/locations/<slug>/tickets")
def issue(slug: str):
    """Draw a ticket: ``{"topic": key, "language": "de"}`` → 201 with code and status URL.

    Optional: ``"kiosk": token`` prints it on that kiosk's printer; ``"request_id"`` (chosen
    by the kiosk per tap) makes a retry answer 200 with the same ticket instead of a new one.
    New tickets are limited per address and per kiosk (429 ``too_many_tickets``).
    """
    session = db_session()
    # With its desks: who sits at them decides the estimated wait (often nobody: no read).
    location = tickets.get_location(session, slug, with_desks=True)
    body = json_body()
    topic_key = clean_key(field(body, "topic", str, max_length=64), "topic", TOPIC_KEY)
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
    topic = tickets.get_topic(session, location, topic_key)
    issued = tickets.issue_ticket(
        session,
        location,
        topic,
        language,
        request_id,
        offer.Hours.from_settings(current_app.config),
        estimated := estimates(location),
    )
    ticket = issued.ticket
    # None when no counselor on duty serves the topic: the screen says so instead.
    wait = estimated.wait(topic.id, issued.position)
    job = None
    if issued.repeated:
        job = printing.job_for_ticket(session, ticket)
    elif kiosk is not None:
        printed = printing.ticket_print(
            ticket, status_url(ticket.public_token), issued.position, wait
        )
        job = printing.queue_print(session, kiosk, ticket, printed)
    answer = {
        "code": ticket.code,
        "number": ticket.number,
        # A discreet topic is not named on the ticket screen (nor on its QR page).
        "topic": discreet.visitor_topic_key(topic),
        "topic_names": discreet.visitor_topic_names(topic),
        "language": ticket.language,
        "position": issued.position,
        "people_ahead": issued.position,
        "estimated_wait_minutes": wait,
        "nobody_on_duty": wait is None,
        "issued_at": snapshots.iso(ticket.issued_at),
        "token": ticket.public_token,
        "status_url": status_url(ticket.public_token),
        "qr_url": public.path(ticket.public_token, "qr.svg"),  # on this server: the kiosk's
        "location": snapshots.location_json(location),
        "print": _print_state(job),
    }
    if not issued.repeated:  # a retried tap is never counted twice, never refused
        # Counted last: a refusal rolls the whole draw back, and on PostgreSQL the counter
        # rows (shared by every draw from this address or kiosk) stay locked only briefly.
        limits = throttle.TicketLimits.from_settings(current_app.config)
        throttle.count_ticket(session, client_address(), kiosk.id if kiosk else None, limits)
    return answer, 200 if issued.repeated else 201


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
