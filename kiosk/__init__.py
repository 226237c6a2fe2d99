"""The visitor touchscreen at the entrance: pick a topic, get a ticket."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint(
    "kiosk",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/kiosk",
    url_prefix="/kiosk",
)
api_bp = Blueprint("kiosk_api", __name__, url_prefix="/api/v1")


def init_app(app: Flask) -> None:
    from kiosk import api as _api  # noqa: F401  (registers the JSON routes)
    from kiosk import events as _events  # noqa: F401
    from kiosk import routes as _routes  # noqa: F401

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
