"""The privacy notice of a location (``/t/privacy/<slug>``): what is stored about a visit,
why, for how long (the settings' periods) and whom to ask (the location's operator), in
every offered language, right to left where the language is. Linked from the kiosk, the
phone's status page and the booking pages; the printed ticket points to it by its QR code
(the status page links it)."""

from __future__ import annotations

from flask import current_app, render_template, request, url_for

from display import bp
from servicepoint import public, tickets
from servicepoint.i18n import flask as i18n_flask
from servicepoint.privacy import Periods
from servicepoint.web import db_session


@bp.get(public.path("privacy", "<slug>"))
def privacy_page(slug: str):
    """``?lang=`` chooses the language among the offered ones; ``?from=kiosk`` (the kiosk's
    link) adds a button back to the kiosk."""
    location = tickets.get_location(db_session(), slug)
    i18n_flask.use_language(request.args.get("lang"))
    from_kiosk = request.args.get("from") == "kiosk"
    return render_template(
        "display/privacy.html",
        location=location,
        # The name keeps its own direction inside the sentence (a Latin name in Arabic).
        isolated_place=f"\u2068{location.name}\u2069",
        periods=Periods.from_settings(current_app.config),
        kiosk_url=url_for("kiosk.kiosk_page", slug=location.slug) if from_kiosk else None,
    )
