"""Staff pages: sign-in, the counselor desk view and the managers' page.

The pages only render templates; every action goes through the JSON API (``admin/api.py``)
with ``fetch()``, the same API integrators use.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from admin import bp
from admin.language import remember, use_staff_language
from servicepoint import access, audit, i18n, manage, pictograms
from servicepoint.access import Permission
from servicepoint.errors import InvalidInput
from servicepoint.i18n import STAFF_LANGUAGES
from servicepoint.i18n.flask import configured_languages, page_language, t
from servicepoint.models import Location, Role, Staff
from servicepoint.stats import figures
from servicepoint.web import current_staff, db_session


@bp.context_processor
def _staff_languages() -> dict[str, Any]:
    """The languages of the staff pages' switch (their own names, from the catalog)."""
    return {"staff_languages": [i18n.language(code) for code in STAFF_LANGUAGES]}


def _language_names(codes: list[str]) -> dict[str, str]:
    """The names of ``codes`` from the catalog in the page's language (German or English)."""
    shown = page_language()
    return {code: language.staff_name(shown) for code in codes if (language := i18n.language(code))}


@bp.get("/")
def desk_view():
    """The sign-in page when nobody is signed in, else the counselor desk view."""
    staff = current_staff()
    use_staff_language(staff)
    if staff is None:
        return render_template("admin/signin.html")
    if not access.allowed(staff, Permission.VIEW_QUEUE):
        if access.allowed(staff, Permission.VIEW_STATS):  # the reporting role
            return redirect(url_for("admin.stats_page"))
        return render_template("admin/forbidden.html", staff=staff), 403
    # Whether the lobby can speak calls: without a speech engine it only chimes (say so).
    speaker = current_app.extensions["servicepoint.speaker"]
    return render_template("admin/desk.html", staff=staff, speech_missing=not speaker.available())


def _page_for(permission: Permission) -> Staff | ResponseReturnValue:
    """The signed-in staff member who may see a page needing ``permission``, the page shown
    in their language; else what to answer instead: the sign-in page (by the desk's address)
    for nobody, the refusal page (403) for anyone else."""
    staff = current_staff()
    if staff is None:
        return redirect(url_for("admin.desk_view"))
    use_staff_language(staff)
    if not access.allowed(staff, permission):
        return render_template("admin/forbidden.html", staff=staff), 403
    return staff


@bp.get("/manage")
def manage_page():
    """Locations, topics, desks and staff (managers only; counselors get a 403 page)."""
    staff = _page_for(Permission.MANAGE)
    if not isinstance(staff, Staff):
        return staff
    return render_template(
        "admin/manage.html",
        staff=staff,
        languages=configured_languages(),
        language_names=_language_names(configured_languages()),
        rtl_languages={code for code in configured_languages() if i18n.is_rtl(code)},
        pictograms=pictograms.PICTOGRAMS,
    )


@bp.get("/audit")
def audit_page():
    """The audit trail: who changed what, when (managers of their locations; admins all)."""
    staff = _page_for(Permission.MANAGE)
    if not isinstance(staff, Staff):
        return staff
    scope = access.managed_location_ids(staff)
    query = select(Location).order_by(Location.name)
    if scope is not None:
        query = query.where(Location.id.in_(scope))
    locations = [{"slug": loc.slug, "name": loc.name} for loc in db_session().scalars(query)]
    return render_template(
        "admin/audit.html",
        staff=staff,
        locations=locations,
        kinds=audit.KINDS,
        kind_names={kind: t(f"staff.audit_kind_{kind}") for kind in audit.KINDS},
        action_names={action: t(f"staff.audit_action_{action}") for action in audit.ACTIONS},
    )


def _stats_locations(staff: Staff) -> list[Location]:
    """The locations whose figures ``staff`` sees (the API's own rule, for the picker)."""
    every = db_session().scalars(select(Location).order_by(Location.name)).all()
    return [loc for loc in every if access.allowed(staff, Permission.VIEW_STATS, loc)]


def _stats_page(template: str):
    staff = _page_for(Permission.VIEW_STATS)
    if not isinstance(staff, Staff):
        return staff
    locations = _stats_locations(staff)
    detail = staff.role != Role.REPORTING and any(
        access.allowed(staff, Permission.VIEW_STATS_DETAIL, loc) for loc in locations
    )
    return render_template(
        template,
        staff=staff,
        locations=locations,
        detail=detail,
        groups=[g for g in figures.GROUPS if detail or g not in figures.INTERNAL],
        periods=figures.PERIODS,
        location=request.args.get("location", ""),
        quarter=request.args.get("quarter", ""),
    )


@bp.get("/stats")
def stats_page():
    """Statistics: tables and charts of a range (managers in full; the reporting role with
    small numbers hidden)."""
    return _stats_page("admin/stats.html")


@bp.get("/stats/report")
def stats_report_page():
    """The printable quarterly report (A4) of one location or of all of them."""
    return _stats_page("admin/stats_report.html")


@bp.post("/language")
def choose_language():
    """The language switch of every staff page (a form: ``language``, ``next``): kept on the
    signed-in staff member's account and in this browser's cookie (``sp_staff_lang``, so
    the sign-in page speaks it too), then back to the page it was chosen on."""
    language = request.form.get("language", "")
    if language not in STAFF_LANGUAGES:
        raise InvalidInput("staff_language", field="language", languages=", ".join(STAFF_LANGUAGES))
    staff = current_staff()
    if staff is not None:
        manage.set_staff_language(staff, language)
    return remember(redirect(_back_to(request.form.get("next", ""))), language)


def _back_to(target: str) -> str:
    """``target`` if it is a staff page of this server, else the desk (no open redirect)."""
    if target.startswith("/staff") and not target.startswith("/staff/language"):
        return target
    return url_for("admin.desk_view")
