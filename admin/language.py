"""The staff pages' language: German or English, the staff member's choice.

One function decides it (:func:`staff_language`): the signed-in staff member's stored
``Staff.language``, else the ``sp_staff_lang`` cookie (set when someone picks a language on
any staff page, the sign-in page included), else the browser's ``Accept-Language`` best
match among ``i18n.STAFF_LANGUAGES``, else German. Every staff page view calls
:func:`use_staff_language`, so Jinja's ``t("staff.…")``, ``<html lang>`` and the JS catalog
(``catalog_json("staff.", codes=[lang])`` in ``base.html``) follow it.
"""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response

from servicepoint.i18n import STAFF_LANGUAGES
from servicepoint.i18n.flask import use_language
from servicepoint.models import Staff
from servicepoint.web import current_staff

#: The cookie that remembers a choice on this browser (also before anyone signs in).
COOKIE = "sp_staff_lang"
#: How long the browser keeps it (a year, in seconds).
COOKIE_SECONDS = 365 * 24 * 3600


def staff_language(staff: Staff | None = None) -> str:
    """The language of this request's staff page: ``staff``'s (else the signed-in staff
    member's) stored choice, else the cookie, else the browser's best match, else German."""
    if staff is None:
        staff = current_staff()
    if staff is not None and staff.language in STAFF_LANGUAGES:
        return staff.language
    cookie = request.cookies.get(COOKIE)
    if cookie in STAFF_LANGUAGES:
        return cookie
    return request.accept_languages.best_match(STAFF_LANGUAGES) or STAFF_LANGUAGES[0]


def use_staff_language(staff: Staff | None = None) -> str:
    """Show the current page in :func:`staff_language` (offered even where the visitors'
    ``LANGUAGES`` setting leaves it out) and return it."""
    language = staff_language(staff)
    return use_language(language, also=[language])


def remember(response: Response, language: str) -> Response:
    """Let this browser remember ``language`` for the staff pages (the cookie)."""
    response.set_cookie(
        COOKIE,
        language,
        max_age=COOKIE_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response
