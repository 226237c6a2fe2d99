"""HTTP glue shared by the surfaces: the request's unit of work, who is signed in, the one
access check, JSON errors in the client's language, input parsing.

Every request gets one session on first use. After the view, a response below 400 commits
it (and the realtime hub publishes the outbox); anything else rolls back. This is the only
place an HTTP request commits.
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, jsonify, request
from flask import session as cookie_session
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter, ValidationError

from servicepoint import access
from servicepoint.access import Permission
from servicepoint.db import Database
from servicepoint.errors import (
    Conflict,
    CrossSite,
    InvalidInput,
    ServicepointError,
    Unavailable,
)
from servicepoint.models import Location, Staff

log = logging.getLogger(__name__)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Catalog keys of the HTTP errors Werkzeug raises itself (unknown URL, wrong method, …).
HTTP_KEYS = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}
MAX_ID = 2**31 - 1
T = TypeVar("T")


def database(app: Flask | None = None) -> Database:
    """The application's Database."""
    db: Database = (app or current_app).extensions["servicepoint.db"]
    return db


def db_session() -> Session:
    """The current request's session (one per request, created on first use)."""
    if "db_session" not in g:
        g.db_session = database().session(read_only=request.method in READ_METHODS)
    session: Session = g.db_session
    return session


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.is_json


def request_language() -> str:
    """The language the client asked for (``Accept-Language``) among the offered ones and
    English; English for clients that ask for none (scripts, integrators)."""
    from servicepoint.i18n.flask import offered_languages

    return request.accept_languages.best_match([*offered_languages(), "en"]) or "en"


def refusal(error: ServicepointError) -> Response:
    """The JSON answer to a refusal, its message in the client's language."""
    response = jsonify(error.body(request_language()))
    response.status_code = error.status
    return response


# --- who is signed in, and what they may do ------------------------------------------------


def sign_in(staff: Staff) -> None:
    """Remember ``staff`` in this browser's session cookie."""
    cookie_session.clear()
    cookie_session["staff_id"] = staff.id
    cookie_session.permanent = True


def sign_out() -> None:
    cookie_session.clear()


def current_staff(session: Session | None = None) -> Staff | None:
    """The signed-in, still active staff member of this request (or socket), if any."""
    if "current_staff" not in g:
        staff_id = cookie_session.get("staff_id")
        db = session if session is not None else db_session()
        staff = db.get(Staff, staff_id) if isinstance(staff_id, int) else None
        g.current_staff = staff if staff is not None and staff.active else None
    signed_in: Staff | None = g.current_staff
    return signed_in


def require(
    permission: Permission, location: Location | None = None, session: Session | None = None
) -> Staff:
    """The signed-in staff member if they may do ``permission`` at ``location``: the one
    access check (``servicepoint.access.require``) for the current request."""
    return access.require(current_staff(session), permission, location)


class IdConverter(BaseConverter):
    """A database id in a URL: 1 to 2**31-1; anything else is simply not found."""

    regex = r"[1-9][0-9]{0,9}"
    # Ranked like Werkzeug's int converter: /tickets/<id>/cancel (staff) before
    # /tickets/<token>/cancel (the visitor's link).
    weight = 50

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValidationError()
        return number

    def to_url(self, value: int) -> str:
        return str(value)


def same_origin(origin: str) -> bool:
    """Whether a browser's Origin header names this server (or its public address).

    Host and port count, not the scheme: TLS is often ended by a proxy in front.
    """
    allowed = {request.host.lower()}
    if current_app.config.get("PUBLIC_URL"):
        allowed.add(urlsplit(current_app.config["PUBLIC_URL"]).netloc.lower())
    return urlsplit(origin).netloc.lower() in allowed


def init_app(app: Flask) -> None:
    """Install the per-request unit of work, the cross-site guard and the JSON errors."""
    app.url_map.converters["id"] = IdConverter

    @app.before_request
    def _refuse_cross_site_writes() -> Response | None:
        # Staff are signed in with a cookie. A page on another site (or another port of this
        # host) must not make their browser call, move or cancel tickets: browsers name the
        # page's origin on every such request. Scripts and the print agent send none.
        if request.method in READ_METHODS:
            return None
        origin = request.headers.get("Origin")
        if origin is not None and not same_origin(origin):
            return refusal(CrossSite())
        return None

    @app.after_request
    def _finish_unit_of_work(response: Response) -> Response:
        session: Session | None = g.pop("db_session", None)
        if session is None:
            return response
        try:
            if response.status_code < 400:
                database().commit(session)
            else:
                session.rollback()
        except IntegrityError:
            log.warning("commit refused by a constraint", exc_info=True)
            return refusal(Conflict())
        except OperationalError:
            log.exception("database unavailable at commit")
            return refusal(Unavailable())
        finally:
            session.close()
        return response

    @app.teardown_request
    def _close_session(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()

    @app.errorhandler(IntegrityError)
    def _conflict(error: IntegrityError) -> Response:
        # Two requests raced for the same unique value; the loser changed nothing.
        log.info("request refused by a constraint: %s", error.orig)
        return refusal(Conflict())

    @app.errorhandler(ServicepointError)
    def _refused(error: ServicepointError) -> Response | tuple[str, int]:
        if wants_json():
            return refusal(error)
        return error.message_in(request_language()), error.status

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response | HTTPException:
        if not wants_json():
            return error
        code = error.name.lower().replace(" ", "_")
        refused = ServicepointError(HTTP_KEYS.get(error.code or 500, "bad_request"))
        refused.code, refused.status = code, error.code or 500
        if error.code == 413:
            refused.params["limit"] = current_app.config["MAX_CONTENT_LENGTH"]
        return refusal(refused)


# --- JSON input ---------------------------------------------------------------------------


def json_body() -> dict[str, Any]:
    """The request's JSON object, or InvalidInput saying what is wrong with it."""
    if not request.is_json:
        raise InvalidInput("json_content_type")
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        data = None
    if data is None:
        raise InvalidInput("json_invalid")
    if not isinstance(data, dict):
        raise InvalidInput("json_not_object")
    return data


def field(
    data: dict[str, Any], name: str, kind: type[T], default: Any = ..., max_length: int = 200
) -> T:
    """``data[name]`` checked to be of ``kind``; missing fields take ``default`` or are refused."""
    if name not in data or data[name] is None:
        if default is ...:
            raise InvalidInput("required", field=name)
        return cast(T, default)
    value = data[name]
    if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
        raise InvalidInput("wrong_type", field=name, terms={"kind": f"kind.{kind.__name__}"})
    if isinstance(value, int) and not -MAX_ID <= value <= MAX_ID:
        raise InvalidInput("out_of_range", field=name)
    if isinstance(value, str):
        value = value.strip()
        if len(value) > max_length:
            raise InvalidInput("too_long", field=name, max=max_length)
    return cast(T, value)


def public_url(path: str) -> str:
    """An absolute URL for ``path`` as visitors' phones reach it (PUBLIC_URL or this host)."""
    base = current_app.config.get("PUBLIC_URL") or request.url_root
    return base.rstrip("/") + "/" + path.lstrip("/")


def status_url(token: str) -> str:
    """The phone status page of a ticket, as printed into its QR code."""
    return public_url(f"/t/{token}")
