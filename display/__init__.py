"""The lobby screen and the visitor's phone status page."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint(
    "display",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/display",
)
api_bp = Blueprint("display_api", __name__, url_prefix="/api/v1")


def init_app(app: Flask) -> None:
    from display import api as _api  # noqa: F401  (registers the JSON routes)
    from display import events as _events  # noqa: F401
    from display import routes as _routes  # noqa: F401

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
