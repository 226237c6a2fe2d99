"""HTTP glue shared by the surfaces: the request's unit of work, JSON errors, input parsing.

Every request gets one session on first use. After the view, a response below 400 commits
it (and the realtime hub publishes the outbox); anything else rolls back. This is the only
place an HTTP request commits.
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, jsonify, request
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter, ValidationError

from servicepoint.db import Database
from servicepoint.errors import InvalidInput, ServicepointError

log = logging.getLogger(__name__)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_ID = 2**31 - 1
T = TypeVar("T")


def database(app: Flask | None = None) -> Database:
    """The application's Database."""
    return (app or current_app).extensions["servicepoint.db"]


def db_session() -> Session:
    """The current request's session (one per request, created on first use)."""
    if "db_session" not in g:
        g.db_session = database().session(read_only=request.method in READ_METHODS)
    return g.db_session


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.is_json


def error_response(status: int, code: str, message: str) -> Response:
    response = jsonify(error=code, message=message)
    response.status_code = status
    return response


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
    def _refuse_cross_site_writes():
        # Staff are signed in with a cookie. A page on another site (or another port of this
        # host) must not make their browser call, move or cancel tickets: browsers name the
        # page's origin on every such request. Scripts and the print agent send none.
        if request.method in READ_METHODS:
            return None
        origin = request.headers.get("Origin")
        if origin is not None and not same_origin(origin):
            return error_response(
                403, "cross_site", "Requests from other web pages are not accepted."
            )
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
            return error_response(409, "conflict", "The change conflicts with existing data.")
        except OperationalError:
            log.exception("database unavailable at commit")
            return error_response(503, "unavailable", "The database is busy; please retry.")
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
    def _conflict(error: IntegrityError):
        # Two requests raced for the same unique value; the loser changed nothing.
        log.info("request refused by a constraint: %s", error.orig)
        return error_response(409, "conflict", "The change conflicts with existing data; retry.")

    @app.errorhandler(ServicepointError)
    def _refused(error: ServicepointError):
        if wants_json():
            return error_response(error.status, error.code, error.message)
        return error.message, error.status

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if not wants_json():
            return error
        message = error.description or error.name
        if error.code == 413:
            limit = current_app.config["MAX_CONTENT_LENGTH"]
            message = f"The request body is larger than {limit} bytes."
        return error_response(error.code or 500, error.name.lower().replace(" ", "_"), message)


# --- JSON input ---------------------------------------------------------------------------


def json_body() -> dict[str, Any]:
    """The request's JSON object, or InvalidInput saying what is wrong with it."""
    if not request.is_json:
        raise InvalidInput("Send a JSON object with Content-Type: application/json.")
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        data = None
    if data is None:
        raise InvalidInput("The request body is not valid JSON (or is nested too deeply).")
    if not isinstance(data, dict):
        raise InvalidInput("The request body must be a JSON object.")
    return data


def field(
    data: dict[str, Any], name: str, kind: type[T], default: Any = ..., max_length: int = 200
) -> T:
    """``data[name]`` checked to be of ``kind``; missing fields take ``default`` or are refused."""
    if name not in data or data[name] is None:
        if default is ...:
            raise InvalidInput(f"'{name}' is required.")
        return default
    value = data[name]
    if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
        raise InvalidInput(f"'{name}' must be {_kind_name(kind)}.")
    if kind is int and not -MAX_ID <= value <= MAX_ID:
        raise InvalidInput(f"'{name}' is out of range.")
    if isinstance(value, str):
        value = value.strip()
        if len(value) > max_length:
            raise InvalidInput(f"'{name}' is longer than {max_length} characters.")
    return value


def _kind_name(kind: type) -> str:
    return {
        str: "a string",
        int: "a whole number",
        bool: "true or false",
        dict: "an object",
        list: "a list",
    }.get(kind, kind.__name__)


def public_url(path: str) -> str:
    """An absolute URL for ``path`` as visitors' phones reach it (PUBLIC_URL or this host)."""
    base = current_app.config.get("PUBLIC_URL") or request.url_root
    return base.rstrip("/") + "/" + path.lstrip("/")


def status_url(token: str) -> str:
    """The phone status page of a ticket, as printed into its QR code."""
    return public_url(f"/t/{token}")
