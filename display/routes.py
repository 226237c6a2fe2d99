"""Lobby screen and phone status pages, and the QR code of a ticket's status page."""

from __future__ import annotations

import io

from flask import Response, current_app, render_template, request

from display import bp
from servicepoint import public, snapshots, tickets
from servicepoint.i18n import flask as i18n_flask
from servicepoint.web import db_session, estimates, status_url

# The pages need the catalog's Jinja globals; registering them again is a no-op.


@bp.get("/display/<slug>")
def lobby(slug: str):
    """The full-screen lobby display of one location: the first offered language on the
    main lines, the others in turn on the second line."""
    location = tickets.get_location(db_session(), slug)
    i18n_flask.use_language()
    return render_template(
        "display/lobby.html", location=location, recent=current_app.config["DISPLAY_RECENT_CALLS"]
    )


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
    return render_template(
        "display/status.html",
        ticket=ticket,
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
