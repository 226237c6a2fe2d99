"""Staff pages: sign-in, the counselor desk view and the managers' page.

The pages only render templates; every action goes through the JSON API (``admin/api.py``)
with ``fetch()``, the same API integrators use.
"""

from __future__ import annotations

from flask import current_app, redirect, render_template, url_for

from admin import bp
from servicepoint import auth
from servicepoint.web import db_session

# Languages with a right-to-left script, so name inputs get ``dir="rtl"``.
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "ckb"})


def _languages() -> list[str]:
    return [code.strip() for code in current_app.config["LANGUAGES"].split(",") if code.strip()]


@bp.get("/")
def desk_view():
    """The sign-in page when nobody is signed in, else the counselor desk view."""
    staff = auth.current_staff(db_session())
    if staff is None:
        return render_template("admin/signin.html")
    return render_template("admin/desk.html", staff=staff)


@bp.get("/manage")
def manage_page():
    """Locations, topics, desks and staff (managers only; counselors get a 403 page)."""
    staff = auth.current_staff(db_session())
    if staff is None:
        return redirect(url_for("admin.desk_view"))
    if not staff.is_manager:
        return render_template("admin/forbidden.html", staff=staff), 403
    return render_template(
        "admin/manage.html",
        staff=staff,
        languages=_languages(),
        rtl_languages=RTL_LANGUAGES,
    )
