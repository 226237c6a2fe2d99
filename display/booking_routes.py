"""The public booking page (``/t/book/<slug>``) and the appointment's page
(``/t/a/<token>``) with its QR code and ``.ics``: phone-sized, in every offered language
(right to left where the language is), everything below ``/t/`` (servicepoint/public.py).
The pages call the public JSON API (``display/booking_api.py``)."""

from __future__ import annotations

import io
from datetime import datetime

from flask import Response, render_template, request, url_for

from display import bp
from display.booking_api import links, settings, smtp
from servicepoint import booking, clock, public, tickets
from servicepoint.i18n import flask as i18n_flask
from servicepoint.web import db_session, public_url


@bp.get(public.path("book", "<slug>"))
def booking_page(slug: str):
    """Book an appointment at a location: topic, day, time (held while the visitor
    decides), an optional email address, then the appointment's page. ``?lang=`` chooses
    the language among the offered ones."""
    location = tickets.get_location(db_session(), slug)
    i18n_flask.use_language(request.args.get("lang"))
    current = settings()
    topics = [booking.topic_json(t) for t in booking.bookable_topics(location)]
    return render_template(
        "display/booking/book.html",
        location=location,
        topics=topics,
        config={
            "slug": location.slug,
            "topics": topics,
            "email": smtp().enabled,
            "holdMinutes": current.hold_minutes,
            "confirmMinutes": current.confirm_minutes,
            "days": current.days,
            "api": public.path("api", "v1", "booking", location.slug),
            "bookApi": public.path("api", "v1", "booking", "holds"),
            "appointmentPage": public.path("a", ""),
        },
    )


@bp.get(public.path("a", "<token>"))
def appointment_page(token: str):
    """The visitor's appointment: date, time, place, the 6-digit code (big), a QR code of
    this page's link, the ``.ics``, cancelling after a confirm step; ``?confirm=`` (the
    mailed link) confirms the booking, ``?cancel=1`` opens the cancel step."""
    session = db_session()
    appointment = booking.get_appointment(session, token)
    i18n_flask.use_language(
        request.args.get("lang"), appointment.language, also=[appointment.language]
    )
    shown = booking.public_json(appointment, booking.contact_of(session, appointment), settings())
    local_start = clock.local(appointment.start, appointment.location.timezone)
    local_end = clock.local(appointment.end, appointment.location.timezone)
    confirm_by = shown["confirm_by"]
    return render_template(
        "display/booking/appointment.html",
        appointment=appointment,
        shown=shown,
        day=local_start.strftime("%d.%m.%Y"),
        start=local_start.strftime("%H:%M"),
        end=local_end.strftime("%H:%M"),
        confirm_by=(
            clock.local(datetime.fromisoformat(confirm_by), appointment.location.timezone)
            if confirm_by
            else None
        ),
        config={
            "token": token,
            "appointment": shown,
            "url": url_for("display_public_api.appointment_view", token=token),
            "confirmUrl": url_for("display_public_api.appointment_confirm", token=token),
            "cancelUrl": url_for("display_public_api.appointment_cancel", token=token),
        },
    )


@bp.get(public.path("a", "<token>", "appointment.ics"))
def appointment_ics(token: str):
    """The appointment as an iCalendar file (download)."""
    appointment = booking.get_appointment(db_session(), token)
    return Response(
        booking.appointment_ics(appointment, links()),
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'attachment; filename="termin-{appointment.code}.ics"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.get(public.path("a", "<token>", "qr.svg"))
def appointment_qr(token: str):
    """The QR code of the appointment page's own link (shown at the kiosk's reader)."""
    import qrcode  # loaded on first use (keeps the idle server small)
    import qrcode.image.svg

    appointment = booking.get_appointment(db_session(), token)
    image = qrcode.make(
        public_url(public.path("a", appointment.token)),
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=10,
        border=2,
    )
    buffer = io.BytesIO()
    image.save(buffer)
    return Response(
        buffer.getvalue(),
        mimetype="image/svg+xml",
        headers={"Cache-Control": "private, max-age=86400"},
    )
