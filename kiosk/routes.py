"""Kiosk pages."""

from __future__ import annotations

from flask import current_app, render_template

from kiosk import bp
from servicepoint import offer, pictograms, snapshots, tickets
from servicepoint.i18n import flask as i18n_flask
from servicepoint.web import db_session, estimates

# The page needs the catalog's Jinja globals; registering them again is a no-op.


@bp.get("/<slug>")
def kiosk_page(slug: str):
    """The full-screen touch page of one location, first in the first offered language."""
    session = db_session()
    location = tickets.get_location(session, slug)
    i18n_flask.use_language()
    offered = snapshots.kiosk_topics(
        session, location, offer.Hours.from_settings(current_app.config), estimates(location)
    )
    return render_template(
        "kiosk/kiosk.html",
        location=location,
        offer=offered,
        open_keys=[topic["key"] for topic in offered["topics"] if topic["open"]],
        ticket_seconds=current_app.config["KIOSK_TICKET_SECONDS"],
        visitor_pictogram=pictograms.for_visitors,
    )
