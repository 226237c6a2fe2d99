"""Lobby screen and phone status pages, and the QR code of a ticket's status page."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from flask import Response, current_app, render_template, request, send_file

from display import bp
from servicepoint import clock, public, snapshots, tickets
from servicepoint.errors import InvalidInput, NotFound, Unavailable
from servicepoint.i18n import flask as i18n_flask
from servicepoint.models import Location
from servicepoint.text import shown
from servicepoint.web import db_session, estimates, status_url

# The pages need the catalog's Jinja globals; registering them again is a no-op.


@bp.get("/display/<slug>")
def lobby(slug: str):
    """The full-screen lobby display of one location: the first offered language on the
    main lines, the others in turn on the second line."""
    location = tickets.get_location(db_session(), slug)
    i18n_flask.use_language()
    return render_template(
        "display/lobby.html",
        location=location,
        recent=current_app.config["DISPLAY_RECENT_CALLS"],
        volume=current_app.extensions["servicepoint.speaker"].settings.volume,
    )


@bp.get("/display/announcements/<token>.wav")
def announcement(token: str):
    """One spoken part of a call (``announcement`` in the lobby's ``called`` event): WAV,
    synthesised on first use and cached (``servicepoint.speech``). Only what this server
    signed is spoken (404 otherwise); when the engine fails, is slow or is missing the answer
    is 503 and the lobby goes on without it. The content never changes for a URL."""
    from servicepoint.speech import Speaker, SpeechFailed

    speaker: Speaker = current_app.extensions["servicepoint.speaker"]
    recipe = speaker.recipe(token)
    if recipe is None:
        raise NotFound("not_found")
    try:
        path = speaker.audio(recipe)
    except SpeechFailed as failure:
        current_app.logger.warning("announcement not spoken: %s", failure)
        raise Unavailable("speech_unavailable") from None
    response = send_file(path, mimetype="audio/wav", max_age=7 * 86400, conditional=True)
    response.cache_control.immutable = True
    return response


@bp.get("/locations/<slug>/sessions.ics")
def sessions_ics(slug: str):
    """The location's consultation sessions as iCalendar (public, read-only, no staff
    names; ``servicepoint.ical``)."""
    from servicepoint import ical  # loaded on first use (keeps the idle server small)

    location = tickets.get_location(db_session(), slug)
    return Response(
        ical.feed(db_session(), location),
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'inline; filename="{location.slug}-sprechstunden.ics"',
            "Cache-Control": "public, max-age=300",
        },
    )


@bp.get("/locations/<slug>/programme")
def programme(slug: str):
    """The printable monthly programme of a location's consultation sessions,
    ``?month=YYYY-MM`` (default: this month) ``&lang=ar`` (the offered languages; right to
    left where the language is). A4 when printed; no staff names."""
    from servicepoint import consultations
    from servicepoint.schedule import WEEKDAYS

    session = db_session()
    location = tickets.get_location(session, slug)
    language = i18n_flask.use_language(request.args.get("lang"))
    first = _month(request.args.get("month"), location)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    shown = consultations.programme(session, location, first, last, language)
    days: dict[str, dict[str, Any]] = {}
    for item in shown["occurrences"]:
        days.setdefault(item["date"], {"sessions": [], "closed": None})["sessions"].append(item)
    for holiday in shown["holidays"]:
        days.setdefault(holiday["date"], {"sessions": [], "closed": None})["closed"] = holiday[
            "name"
        ]
    for closure in shown["closures"]:
        days.setdefault(closure["date"], {"sessions": [], "closed": None})
        days[closure["date"]]["closed"] = days[closure["date"]]["closed"] or ""
    # Closed days are listed beside the sessions; a month without any says so instead.
    rows = (
        [{"date": date.fromisoformat(day), **days[day]} for day in sorted(days)]
        if shown["occurrences"]
        else []
    )
    previous = (first - timedelta(days=1)).replace(day=1)
    return render_template(
        "display/programme.html",
        location=location,
        first=first,
        rows=rows,
        weekdays=WEEKDAYS,
        previous=previous.strftime("%Y-%m"),
        following=(last + timedelta(days=1)).strftime("%Y-%m"),
        month=first.strftime("%Y-%m"),
    )


def _month(value: str | None, location: Location) -> date:
    """The first day of the month ``YYYY-MM`` (default: the location's current month)."""
    if value is None:
        return clock.service_day(clock.now(), location.timezone).replace(day=1)
    try:
        year, month = (int(part) for part in value.split("-"))
        if len(value) == 7 and 2000 <= year <= 2100:
            return date(year, month, 1)
    except ValueError:
        pass
    raise InvalidInput("bad_month", field="month", value=shown(value))


@bp.get(public.path("<token>"))
def status_page(token: str):
    """The visitor's live status page, reached from the QR code on the ticket.

    Shown in ``?lang=`` if offered, else in the ticket's language (offered here even when no
    longer configured), else the first offered language. It lives in the public half and
    loads nothing from outside it: its files, catalog, API and Socket.IO path are all
    below ``/t/`` (servicepoint/public.py).
    """
    session = db_session()
    ticket = tickets.get_ticket_by_token(session, token)
    i18n_flask.use_language(request.args.get("lang"), ticket.language, also=[ticket.language])
    status = snapshots.ticket_status(session, ticket, estimates(ticket.location))
    due = ticket.due_at if status["appointment_at"] else None
    return render_template(
        "display/status.html",
        ticket=ticket,
        # An appointment's time on the location's clock (status.js formats it alike).
        appointment_time=clock.local(due, ticket.location.timezone).strftime("%H:%M")
        if due
        else None,
        topic_names=status["topic_names"],
        token=token,
        status=status,
        socket_path=public.SOCKETIO_PATH,
    )


@bp.get(public.path("<token>", "qr.svg"))
def status_qr(token: str):
    """The QR code of the ticket's status page as SVG (for the kiosk screen)."""
    import qrcode  # loaded on first use (keeps the idle server small)
    import qrcode.image.svg

    ticket = tickets.get_ticket_by_token(db_session(), token)
    image = qrcode.make(
        status_url(ticket.public_token),
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
