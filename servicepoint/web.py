"""HTTP glue shared by the surfaces: the request's unit of work, who is signed in, the one
access check, JSON errors in the client's language, input parsing.

Every request gets one session on first use. After the view, a response below 400 commits
it (and the realtime hub publishes the outbox); anything else rolls back. This is the only
place an HTTP request commits.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
from datetime import timedelta
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import sqlalchemy
from flask import Flask, Response, current_app, g, jsonify, request
from flask import session as cookie_session
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter, ValidationError

from servicepoint import access, audit, public, sessions
from servicepoint.access import Permission
from servicepoint.config import truthy
from servicepoint.db import Database, WriteLockTimeout
from servicepoint.errors import (
    Conflict,
    CrossSite,
    InvalidInput,
    ServicepointError,
    Unavailable,
)
from servicepoint.estimates import Estimates, Estimator
from servicepoint.i18n import STAFF_LANGUAGES
from servicepoint.models import Location, Staff, StaffSession
from servicepoint.order import OrderSettings
from servicepoint.text import check_characters
from servicepoint.throttle import Throttled

log = logging.getLogger(__name__)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Catalog keys of the HTTP errors Werkzeug raises itself (unknown URL, wrong method, …).
HTTP_KEYS = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}
MAX_ID = 2**31 - 1
# What a 503 asks the client to wait before it tries again (seconds).
RETRY_AFTER_SECONDS = 5
# PostgreSQL's "cannot execute … in a read-only transaction".
READ_ONLY_SQLSTATE = "25006"
T = TypeVar("T")


def database(app: Flask | None = None) -> Database:
    """The application's Database."""
    db: Database = (app or current_app).extensions["servicepoint.db"]
    return db


def order_inputs(location: Location, session: Session | None = None) -> dict[str, Any]:
    """The calling order's settings and ``location``'s medians, read on ``session`` (the
    request's by default) when first needed (keyword arguments of ``tickets.call_next`` and
    ``snapshots.staff_queue``)."""
    estimator: Estimator = current_app.extensions["servicepoint.estimator"]
    return {
        "settings": OrderSettings.from_settings(current_app.config),
        "medians": lambda: estimator.medians(session or db_session(), location),
    }


def estimates(location: Location) -> Estimates:
    """The wait estimates of ``location`` now, with the application's kept medians."""
    estimator: Estimator = current_app.extensions["servicepoint.estimator"]
    return estimator.at(db_session(), location)


def db_session() -> Session:
    """The current request's session (one per request, created on first use)."""
    if "db_session" not in g:
        g.db_session = database().session(read_only=request.method in READ_METHODS)
    session: Session = g.db_session
    return session


def wants_json() -> bool:
    """Whether the request is for the JSON API (also the public half's) or sends JSON."""
    return request.path.startswith(("/api/", public.API_PREFIX)) or request.is_json


def request_language() -> str:
    """The language of this request's answers: the signed-in staff member's own choice
    (``Staff.language``) where this request knows who is signed in and they chose one,
    else what the client asked for (``Accept-Language``) among the offered ones and
    English; English for clients that ask for none (scripts, integrators)."""
    from servicepoint.i18n.flask import offered_languages

    chosen = _staff_choice()
    if chosen is not None:
        return chosen
    return request.accept_languages.best_match([*offered_languages(), "en"]) or "en"


def _staff_choice() -> str | None:
    """The stored language of the staff member this request signed in as (read from what is
    loaded: a refusal may come from a session that can no longer query)."""
    staff = g.get("current_staff")
    if staff is None:
        return None
    language = sqlalchemy.inspect(staff).dict.get("language")
    return language if language in STAFF_LANGUAGES else None


def refusal(error: ServicepointError) -> Response:
    """The JSON answer to a refusal, its message in the client's language (503s and limits
    reached with a ``Retry-After``)."""
    response = jsonify(error.body(request_language()))
    response.status_code = error.status
    if isinstance(error, Unavailable):
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    elif isinstance(error, Throttled):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def unavailable(error: BaseException) -> Unavailable | None:
    """The refusal a database failure amounts to when it means "not now, retry": the write
    lock not had in time (SQLite), a read-only database, a lost or refused connection
    (``OperationalError``). None for any other failure (a bug: it stays a 500)."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:  # SQLAlchemy may wrap the timeout
        seen.add(id(cause))
        if isinstance(cause, WriteLockTimeout):
            return Unavailable()
        cause = getattr(cause, "orig", None) or cause.__cause__ or cause.__context__
    if not isinstance(error, DBAPIError):
        return None
    orig = error.orig
    read_only = getattr(orig, "sqlstate", None) == READ_ONLY_SQLSTATE or str(
        getattr(orig, "sqlite_errorname", "")
    ).startswith("SQLITE_READONLY")
    if read_only:
        return Unavailable("read_only")
    if isinstance(error, OperationalError):
        return Unavailable()
    return None


# --- where a request comes from -----------------------------------------------------------

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def trusted_proxies(setting: str) -> tuple[Network, ...]:
    """The networks a ``TRUSTED_PROXIES`` setting names (``"127.0.0.1,::1,10.0.0.0/8"``)."""
    found = []
    for part in setting.split(","):
        if part.strip():
            try:
                found.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError as error:
                raise ValueError(f"SERVICEPOINT_TRUSTED_PROXIES: {error}") from None
    return tuple(found)


def _hop(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """One X-Forwarded-For entry as an address (IPv4-mapped IPv6 as IPv4); None if it is none."""
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "192.0.2.1:5000"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def forwarded_client(peer: str, forwarded_for: str, trusted: tuple[Network, ...]) -> str:
    """The client's address: ``peer`` itself unless it is a trusted proxy; else, walking
    ``forwarded_for`` (X-Forwarded-For) from the right, the first hop that is not a trusted
    proxy (the leftmost when all are). What a client writes into the header itself stands
    left of what the proxies add, so it is never reached. A malformed hop ends the walk at
    the proxy that reported it."""
    current = _hop(peer)
    if current is None:
        return peer
    for hop in reversed(forwarded_for.split(",")):
        if not any(current in network for network in trusted):
            break
        address = _hop(hop)
        if address is None:
            break
        current = address
    return str(current)


def client_address() -> str:
    """The address this request comes from, as throttling counts it: the peer, or behind the
    proxies of ``SERVICEPOINT_TRUSTED_PROXIES`` the client their X-Forwarded-For names."""
    peer = request.remote_addr or ""
    trusted = trusted_proxies(str(current_app.config.get("TRUSTED_PROXIES") or ""))
    if not trusted:
        return peer
    return forwarded_client(peer, ",".join(request.headers.getlist("X-Forwarded-For")), trusted)


# --- who is signed in, and what they may do ------------------------------------------------


def sign_in(staff: Staff) -> None:
    """Open a session for ``staff`` (``SESSION_HOURS`` long) and keep its token in this
    browser's cookie."""
    hours = float(current_app.config["SESSION_HOURS"])
    token = sessions.open_session(db_session(), staff, timedelta(hours=hours))
    cookie_session.clear()
    cookie_session["session"] = token
    cookie_session.permanent = True
    g.current_staff = staff


def sign_out() -> None:
    """End this browser's session (its cookie and its sockets)."""
    token = cookie_session.get("session")
    if isinstance(token, str):
        sessions.end_session(db_session(), token)
    cookie_session.clear()
    g.current_staff = None


def current_session(session: Session | None = None) -> StaffSession | None:
    """This browser's unexpired session of an active staff member, if any."""
    if "current_session" not in g:
        token = cookie_session.get("session")
        db = session if session is not None else db_session()
        g.current_session = sessions.find_session(db, token) if isinstance(token, str) else None
    found: StaffSession | None = g.current_session
    return found


def current_staff(session: Session | None = None) -> Staff | None:
    """The signed-in, still active staff member of this request (or socket), if any."""
    if "current_staff" not in g:
        found = current_session(session)
        g.current_staff = found.staff if found is not None else None
    signed_in: Staff | None = g.current_staff
    # What this unit of work changes is theirs (servicepoint.audit).
    audit.act_as(session if session is not None else db_session(), signed_in)
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
    base = public.phone_base(current_app.config)
    if base:
        allowed.add(urlsplit(base).netloc.lower())
    netloc = urlsplit(origin).netloc.lower()
    if netloc in allowed:
        return True
    # A page on the public host (any port, unless the setting names one).
    return public.on_public_host({"HTTP_HOST": netloc}, public.hosts_of(current_app.config))


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie, marked ``Secure`` as ``SERVICEPOINT_COOKIE_SECURE`` says: in
    ``auto``, when this request came over HTTPS (staff on the LAN may use plain HTTP)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        setting = str(app.config.get("COOKIE_SECURE", "auto")).strip().lower()
        if setting != "auto":
            return truthy(setting)
        forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip()
        return request.is_secure or forwarded.lower() == "https"


def init_app(app: Flask) -> None:
    """Install the per-request unit of work, the cross-site guard and the JSON errors."""
    app.url_map.converters["id"] = IdConverter
    app.session_interface = CookieSessions()

    @app.before_request
    def _refuse_cross_site_writes() -> Response | None:
        # Staff are signed in with a cookie. A page on another site (or another port of this
        # host) must not make their browser call, move or cancel tickets: browsers name the
        # page's origin on every such request. Scripts and the print agent send none. A form
        # of this site's own page is sent with "Origin: null" under the pages' no-referrer
        # policy; the browser's own Sec-Fetch-Site (no page can set it) then says whence.
        if request.method in READ_METHODS:
            return None
        origin = request.headers.get("Origin")
        if origin is None:
            return None
        if origin == "null" and request.headers.get("Sec-Fetch-Site") == "same-origin":
            return None
        if not same_origin(origin):
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
        except (DBAPIError, WriteLockTimeout) as error:
            refused = unavailable(error)
            if refused is None:
                raise
            log.warning("database unavailable at commit: %s", error)
            return refusal(refused)
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

    @app.errorhandler(DataError)
    def _refused_value(error: DataError) -> Response | tuple[str, int]:
        # Input is checked before it reaches the database (servicepoint.text); should a
        # value slip through that the database cannot store, the request is still bad input.
        log.warning("the database refused a value: %s", error.orig)
        return _refused(InvalidInput("invalid"))

    @app.errorhandler(WriteLockTimeout)
    @app.errorhandler(DBAPIError)
    def _unavailable(error: Exception) -> Response | tuple[str, int, dict[str, str]]:
        refused = unavailable(error)
        if refused is None:
            raise error
        log.warning("database unavailable: %s", error)
        if wants_json():
            return refusal(refused)
        retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        return refused.message_in(request_language()), refused.status, retry

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


def _check_strings(value: Any, name: str) -> None:
    """Refuse control characters and lone surrogates in every string of ``value``, object
    keys and list items included (``field`` is ``name``, or ``name.key`` for a value)."""
    if isinstance(value, str):
        check_characters(value, name)
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                check_characters(key, name)
            plain = isinstance(key, str) and key.isascii() and key.isprintable()
            _check_strings(item, f"{name}.{key}" if plain else name)
    elif isinstance(value, list):
        for item in value:
            _check_strings(item, name)


def field(
    data: dict[str, Any],
    name: str,
    kind: type[T],
    default: Any = ...,
    max_length: int = 200,
    label: str | None = None,
) -> T:
    """``data[name]`` checked to be of ``kind``; missing fields take ``default`` or are refused.

    A refusal names the field ``label`` (e.g. ``memberships.0.role`` for a nested object's
    field), else ``name``.

    No string in it may hold a control character or a lone surrogate
    (``servicepoint.text.check_characters``); a string is stripped and at most
    ``max_length`` long. Names, keys and codes are then cleaned by the verbs' own rules.
    """
    shown_as = label or name
    if name not in data or data[name] is None:
        if default is ...:
            raise InvalidInput("required", field=shown_as)
        return cast(T, default)
    value = data[name]
    if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
        raise InvalidInput("wrong_type", field=shown_as, terms={"kind": f"kind.{kind.__name__}"})
    if isinstance(value, int) and not -MAX_ID <= value <= MAX_ID:
        raise InvalidInput("out_of_range", field=shown_as)
    _check_strings(value, shown_as)
    if isinstance(value, str):
        value = value.strip()
        if len(value) > max_length:
            raise InvalidInput("too_long", field=shown_as, max=max_length)
    return cast(T, value)


def public_url(path: str) -> str:
    """An absolute URL for ``path`` as visitors' phones reach it: ``PUBLIC_URL``, else
    ``https://`` and the public host (``PUBLIC_HOST``), else this request's host."""
    base = public.phone_base(current_app.config) or request.url_root
    return base.rstrip("/") + "/" + path.lstrip("/")


def lan_url(path: str) -> str:
    """An absolute URL for ``path`` as the centre's own devices reach it (kiosk screens,
    print agents): with a public host of its own, the address this request came to (a
    manager on the LAN), since the public host serves the public half only; else as
    :func:`public_url`."""
    if public.hosts_of(current_app.config):
        return request.url_root.rstrip("/") + "/" + path.lstrip("/")
    return public_url(path)


def status_url(token: str) -> str:
    """The phone status page of a ticket, as printed into its QR code (in the public half,
    on the public host when there is one)."""
    return public_url(public.path(token))
