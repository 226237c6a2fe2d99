"""Staff JSON API of appointment slips: print one on a desk's or a kiosk's printer, or get
it as a PNG or PDF to print elsewhere or show. Counselors of the location
(``Permission.MOVE_TICKETS`` at it), as for the appointments themselves; the verbs are
``servicepoint.printing``."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from admin import api_bp as api
from servicepoint import appointments, cards, manage, printing, public, tickets
from servicepoint.access import Permission
from servicepoint.errors import InvalidInput
from servicepoint.models import Appointment, ClientCard, Desk, Kiosk, Location, PrintJob
from servicepoint.text import LANGUAGE, clean_key
from servicepoint.web import db_session, field, json_body, public_url, require

LANGUAGE_CODE_MAX = 16


def appointment_url(appointment: Appointment) -> str:
    """The appointment's public page, as its slip's QR code carries it."""
    return public_url(public.path("a/" + appointment.token))


def _appointment(appointment_id: int) -> Appointment:
    appointment = appointments.get_appointment(db_session(), appointment_id)
    require(Permission.MOVE_TICKETS, appointment.location)
    return appointment


def _id(body: dict[str, Any], name: str) -> int | None:
    value = field(body, name, int, default=None)
    if value is not None and not 0 < value < 2**31:
        raise InvalidInput("out_of_range", field=name)
    return value


def _language(raw: str | None) -> str | None:
    return clean_key(raw, "language", LANGUAGE) if raw else None


def print_slip(appointment: Appointment, body: dict[str, Any]) -> PrintJob:
    """Queue ``appointment``'s slip on the printer ``body`` chooses: ``{"desk_id"?,
    "kiosk_id"?, "language"?}`` (see ``printing.print_on``)."""
    session = db_session()
    desk_id, kiosk_id = _id(body, "desk_id"), _id(body, "kiosk_id")
    desk: Desk | None = tickets.get_desk(session, desk_id) if desk_id is not None else None
    kiosk: Kiosk | None = manage.get_kiosk(session, kiosk_id) if kiosk_id is not None else None
    language = _language(field(body, "language", str, default=None, max_length=LANGUAGE_CODE_MAX))
    return printing.print_slip(
        session, appointment, appointment_url(appointment), language, desk=desk, kiosk=kiosk
    )


@api.post("/appointments/<id:appointment_id>/slip")
def slip(appointment_id: int):
    """``{"desk_id"?, "kiosk_id"?, "language"?}`` → 202 with the print job; 409 when no
    printer is there to print it."""
    appointment = _appointment(appointment_id)
    body = json_body() if request.content_length else {}
    return printing.job_json(print_slip(appointment, body)), 202


def _preview(appointment_id: int, kind: str) -> Response:
    appointment = _appointment(appointment_id)
    language = _language(request.args.get("language"))
    printed = printing.slip_print(appointment, appointment_url(appointment), language)
    data = printing.preview(printed, kind)
    name = f"appointment-{appointment.code}.{kind}"
    return Response(
        data,
        mimetype="application/pdf" if kind == "pdf" else "image/png",
        headers={
            "Cache-Control": "private, no-store",  # a moved appointment prints anew
            "Content-Disposition": f'inline; filename="{name}"',
        },
    )


@api.get("/appointments/<id:appointment_id>/slip.png")
def slip_png(appointment_id: int):
    """The slip as printed, ``?language=ar`` (default: the appointment's), as a PNG."""
    return _preview(appointment_id, "png")


@api.get("/appointments/<id:appointment_id>/slip.pdf")
def slip_pdf(appointment_id: int):
    """The slip as a one-page PDF at the thermal paper's size, for an office printer."""
    return _preview(appointment_id, "pdf")


# --- client cards ---------------------------------------------------------------------------


def _card_at(code: str, slug: str | None) -> tuple[ClientCard, Location]:
    """The card and the location it is printed for (``slug``, default where it was made),
    for a staff member who may move tickets there."""
    session = db_session()
    card = cards.get(session, code)
    location = (
        tickets.get_location(session, slug)
        if slug
        else session.get(Location, card.location_id)
        if card.location_id is not None
        else None
    )
    if location is None:
        raise InvalidInput("card_counselor", field="location", name="", location="")
    require(Permission.MOVE_TICKETS, location)
    return card, location


@api.post("/cards/<code>/print")
def print_card(code: str):
    """``{"desk_id"?, "kiosk_id"?, "language"?, "location"?}`` → 202 with the print job of
    the client card (409 ``no_printer`` when none is there: use the preview)."""
    session = db_session()
    body = json_body() if request.content_length else {}
    card, location = _card_at(code, field(body, "location", str, default=None, max_length=64))
    desk_id, kiosk_id = _id(body, "desk_id"), _id(body, "kiosk_id")
    desk: Desk | None = tickets.get_desk(session, desk_id) if desk_id is not None else None
    kiosk: Kiosk | None = manage.get_kiosk(session, kiosk_id) if kiosk_id is not None else None
    language = _language(field(body, "language", str, default=None, max_length=LANGUAGE_CODE_MAX))
    job = printing.print_card(
        session,
        location,
        card.code,
        card.staff,
        card.organisation,
        language or "de",
        desk=desk,
        kiosk=kiosk,
    )
    return printing.job_json(job), 202


def _card_preview(code: str, kind: str) -> Response:
    card, location = _card_at(code, request.args.get("location"))
    language = _language(request.args.get("language")) or "de"
    data = printing.card_preview(location, card.code, card.staff, card.organisation, language, kind)
    return Response(
        data,
        mimetype="application/pdf" if kind == "pdf" else "image/png",
        headers={
            "Cache-Control": "private, no-store",
            "Content-Disposition": f'inline; filename="card.{kind}"',
        },
    )


@api.get("/cards/<code>/card.png")
def card_png(code: str):
    """The client card as printed, ``?language=ar``, as a PNG."""
    return _card_preview(code, "png")


@api.get("/cards/<code>/card.pdf")
def card_pdf(code: str):
    """The client card as a one-page PDF at the thermal paper's size."""
    return _card_preview(code, "pdf")
