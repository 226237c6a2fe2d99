"""The counselor desk view and the managers' pages."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint(
    "admin",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/admin",
    url_prefix="/staff",
)
api_bp = Blueprint("admin_api", __name__, url_prefix="/api/v1")


def init_app(app: Flask) -> None:
    from admin import api as _api  # noqa: F401  (registers the JSON routes)
    from admin import appointments_api as _appointments_api  # noqa: F401
    from admin import audit_api as _audit_api  # noqa: F401
    from admin import events as _events  # noqa: F401
    from admin import routes as _routes  # noqa: F401
    from admin import sessions_api as _sessions_api  # noqa: F401
    from admin import slips_api as _slips_api  # noqa: F401
    from admin import stats_api as _stats_api  # noqa: F401

    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
