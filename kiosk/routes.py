"""Kiosk pages."""

from __future__ import annotations

from flask import current_app, render_template

from kiosk import bp
from servicepoint import tickets
from servicepoint.web import db_session


@bp.get("/<slug>")
def kiosk_page(slug: str):
    """The full-screen touch page of one location."""
    location = tickets.get_location(db_session(), slug)
    return render_template(
        "kiosk/kiosk.html",
        location=location,
        languages=current_app.config["LANGUAGES"].split(","),
        ticket_seconds=current_app.config["KIOSK_TICKET_SECONDS"],
    )
