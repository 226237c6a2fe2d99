"""The lobby screen and the visitor's phone status page."""

from __future__ import annotations

from flask import Blueprint, Flask

from servicepoint import public

bp = Blueprint(
    "display",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/display",
)
api_bp = Blueprint("display_api", __name__, url_prefix="/api/v1")
# The phone's own API in the public half (/t/api/v1/...): the same views.
public_api_bp = Blueprint("display_public_api", __name__, url_prefix=public.path("api/v1"))


def init_app(app: Flask) -> None:
    from display import api as _api  # noqa: F401  (registers the JSON routes)
    from display import booking_api as _booking_api  # noqa: F401
    from display import booking_routes as _booking_routes  # noqa: F401
    from display import events as _events  # noqa: F401
    from display import privacy_routes as _privacy_routes  # noqa: F401
    from display import routes as _routes  # noqa: F401

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(public_api_bp)
    # What the status page loads, besides the core's shared files (servicepoint.public).
    assert bp.static_folder is not None
    public.publish(app, bp.static_folder, "display/status.js", "display/status.css")
    # The public booking pages' files (display/booking_routes.py).
    public.publish(
        app,
        bp.static_folder,
        "display/booking/book.js",
        "display/booking/appointment.js",
        "display/booking/booking.css",
    )
