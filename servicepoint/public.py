"""The public half: everything visitors' phones reach from the internet, under one prefix.

Kiosks, lobby screens and staff views live on the centre's LAN; visitors' phones follow their
ticket over mobile data. All a phone needs lives below :data:`PREFIX` (``/t/``), so that a
reverse proxy on the public host can publish exactly that prefix and nothing else:

- ``/t/<token>`` the status page and ``/t/<token>/qr.svg`` its QR code (``display``);
- ``/t/static/<file>`` the files that page loads, each published by name (:func:`publish`);
- ``/t/i18n/<code>.json`` the catalog, for switching language in place;
- ``/t/api/v1/tickets/<token>`` and ``…/cancel``, the page's JSON API;
- ``/t/socket.io/`` its own Socket.IO endpoint: the app's one Socket.IO server, on which
  only :data:`PUBLIC_NAMESPACES` (``/ticket``) accept a connection.

A location's privacy notice (``/t/privacy/<slug>``) and online booking's pages live below
the prefix too (``/t/book/<slug>``, the appointment's ``/t/a/<token>``, their API
``/t/api/v1/booking/…`` and ``/t/api/v1/appointments/<token>``):
:func:`path` builds their addresses. The names in :data:`RESERVED` can never be a ticket's
token (tokens are 16-32 characters of ``A-Za-z0-9_-``), so ``/t/<token>`` never shadows them.

:class:`PublicHalf`, the outermost WSGI middleware, maps ``/t/socket.io/`` onto the Socket.IO
server, marks the requests of the public half, and — with ``SERVICEPOINT_PUBLIC_HOST`` set —
answers every request for the public host outside the prefix itself: 404 ``not_public``,
in the client's language; the application never sees it, so nothing changes.

A request is public when it came through the prefix, or when any host it names (``Host``,
``X-Forwarded-Host``, ``Forwarded: host=``) is a public host. Such a claim is believed
whoever makes it, trusted proxy or not: being public only takes rights away, so no header
can widen anyone's access, and a proxy that wrongly forwards more than the prefix is still
caught as long as it names the public host.
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:  # importing this module needs no Flask: the server's master reads PREFIX
    from flask import Flask, Response

log = logging.getLogger(__name__)

#: Everything the internet may reach lives below this path.
PREFIX = "/t"
#: The public Socket.IO endpoint (the browser client's ``path`` option).
SOCKETIO_PATH = f"{PREFIX}/socket.io"
#: The public JSON API.
API_PREFIX = f"{PREFIX}/api/"
#: The Socket.IO namespaces a public connection may join; every other one refuses it.
PUBLIC_NAMESPACES = frozenset({"/ticket"})
#: Names directly below the prefix that are no ticket token.
RESERVED = ("static", "api", "i18n", "socket.io", "book", "a", "privacy")
#: Set in a request's WSGI environ when it belongs to the public half.
ENVIRON_KEY = "servicepoint.public"
#: The refusal's code in connect errors (Socket.IO) and its message key (HTTP).
NOT_PUBLIC = "not_public"

_INTERNAL_SOCKETIO = "/socket.io/"
_ASSETS = "servicepoint.public.assets"

Host = tuple[str, str | None]  # a host name (lower case) and a port, if one is named
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def path(*parts: str) -> str:
    """An address in the public half: ``path(token) == "/t/<token>"``."""
    return f"{PREFIX}/" + "/".join(part.strip("/") for part in parts)


def is_public_path(path_info: str) -> bool:
    """Whether ``path_info`` lies inside the public half: below the prefix, with no ``.``
    or ``..`` segment that some later step could resolve to a path outside it."""
    if not path_info.startswith(f"{PREFIX}/"):
        return False
    return not any(segment in (".", "..") for segment in path_info.split("/"))


# --- which host a request is for -----------------------------------------------------------


def _host(value: str) -> Host:
    """``"Termin.Example.DE.:443"`` → ``("termin.example.de", "443")``; IPv6 in brackets."""
    value = value.strip().strip('"').lower()
    port: str | None = None
    if value.startswith("["):
        end = value.find("]")
        name, rest = (value[: end + 1], value[end + 1 :]) if end >= 0 else (value, "")
        port = rest[1:] if rest.startswith(":") else None
    elif value.count(":") == 1:
        name, port = value.split(":", 1)
    else:
        name = value
    return name.rstrip("."), port or None


@functools.lru_cache(maxsize=8)
def public_hosts(setting: str) -> tuple[Host, ...]:
    """The hosts a ``PUBLIC_HOST`` setting names (``"termin.example.de"``, comma-separated
    for several; a port only when the public host is reached on that port alone)."""
    hosts = []
    for part in setting.split(","):
        if not part.strip():
            continue
        if "/" in part or "@" in part or " " in part.strip():
            raise ValueError(
                f"SERVICEPOINT_PUBLIC_HOST: {part.strip()!r} is no host name "
                "(give the name alone, e.g. termin.example.de, not a URL)"
            )
        hosts.append(_host(part))
    return tuple(hosts)


def hosts_of(config: Mapping[str, Any]) -> tuple[Host, ...]:
    """The public hosts an application's settings name (none: no split)."""
    return public_hosts(str(config.get("PUBLIC_HOST") or ""))


_FORWARDED_HOST = re.compile(r'(?:^|[;,\s])host\s*=\s*("[^"]*"|[^;,\s]+)', re.IGNORECASE)


def request_hosts(environ: Mapping[str, Any]) -> list[str]:
    """Every host a request names: ``Host``, each ``X-Forwarded-Host`` entry and each
    ``host=`` of ``Forwarded``."""
    names = [str(environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or "")]
    names += str(environ.get("HTTP_X_FORWARDED_HOST") or "").split(",")
    names += _FORWARDED_HOST.findall(str(environ.get("HTTP_FORWARDED") or ""))
    return [name for name in names if name.strip()]


def on_public_host(environ: Mapping[str, Any], hosts: tuple[Host, ...]) -> bool:
    """Whether any host the request names is one of ``hosts``."""
    if not hosts:
        return False
    for value in request_hosts(environ):
        name, port = _host(value)
        if any(name == host and (wanted is None or port == wanted) for host, wanted in hosts):
            return True
    return False


def is_public(environ: Mapping[str, Any], hosts: tuple[Host, ...]) -> bool:
    """Whether a request (or a Socket.IO connection, by its handshake) belongs to the public
    half: it came through the prefix, or it is for a public host."""
    return bool(environ.get(ENVIRON_KEY)) or on_public_host(environ, hosts)


def phone_base(config: Mapping[str, Any]) -> str | None:
    """The address phones reach the server at: ``PUBLIC_URL``, else ``https://`` and the
    first public host, else None (then the request's own address)."""
    if config.get("PUBLIC_URL"):
        return str(config["PUBLIC_URL"]).rstrip("/")
    hosts = hosts_of(config)
    if not hosts:
        return None
    name, port = hosts[0]
    return f"https://{name}" + (f":{port}" if port else "")


# --- Socket.IO: the internal namespaces refuse public connections --------------------------


def refuse_public_connection() -> None:
    """Refuse the Socket.IO connection being made now if it belongs to the public half:
    ``connect_error`` with the message ``not_public``."""
    from flask import current_app, request
    from socketio.exceptions import ConnectionRefusedError

    if is_public(request.environ, hosts_of(current_app.config)):
        raise ConnectionRefusedError(NOT_PUBLIC)


def guard_connect(namespace: str, handler: Callable[..., Any] | None) -> Callable[..., Any] | None:
    """The connect handler to bind for ``namespace``: ``handler`` itself for a public
    namespace; for any other, one that first refuses public connections
    (:func:`refuse_public_connection`), then runs ``handler`` (if there is one)."""
    if namespace in PUBLIC_NAMESPACES:
        return handler
    takes_auth = handler is not None and bool(inspect.signature(handler).parameters)

    def internal_only(auth: Any = None) -> Any:
        refuse_public_connection()
        if handler is None:
            return None
        return handler(auth) if takes_auth else handler()

    if handler is not None:
        functools.update_wrapper(internal_only, handler)
    return internal_only


# --- the files the public pages load ---------------------------------------------------------


def publish(app: Flask, folder: str | Path, *files: str) -> None:
    """Serve ``files`` (paths relative to ``folder``) at ``/t/static/<file>``: only files
    published here are reachable there."""
    published: dict[str, Path] = app.extensions.setdefault(_ASSETS, {})
    for name in files:
        if not (Path(folder) / name).is_file():
            raise FileNotFoundError(f"cannot publish {name}: not in {folder}")
        published[name] = Path(folder)


def asset(filename: str) -> Response:
    """``GET /t/static/<file>`` (endpoint ``public.asset``): a published file (scripts,
    styles, icon of the public pages); 404 for any other."""
    from flask import abort, current_app, send_from_directory

    folder = current_app.extensions.get(_ASSETS, {}).get(filename)
    if folder is None:
        abort(404)
    return send_from_directory(
        folder, filename, max_age=current_app.get_send_file_max_age(filename)
    )


# --- the middleware --------------------------------------------------------------------------


class PublicHalf:
    """The outermost WSGI middleware: the public Socket.IO path, the public mark and, with a
    public host, the refusal of everything outside the prefix (see the module's doc)."""

    def __init__(self, wsgi_app: WSGIApp, app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path_info = str(environ.get("PATH_INFO") or "/")
        inside = is_public_path(path_info)
        if not inside and on_public_host(environ, hosts_of(self.app.config)):
            return refusal(self.app, environ)(environ, start_response)
        if inside:
            # A copy: the server's own environ (its access log) keeps the path asked for.
            environ = {**environ, ENVIRON_KEY: True}
            if path_info.startswith(f"{SOCKETIO_PATH}/"):
                environ["PATH_INFO"] = _INTERNAL_SOCKETIO + path_info[len(SOCKETIO_PATH) + 1 :]
        return self.wsgi_app(environ, start_response)


def refusal(app: Flask, environ: dict[str, Any]) -> Response:
    """The answer to a request for the public host outside the prefix: 404 ``not_public``
    in the client's language (JSON for the API and Socket.IO, else a small page), with the
    security headers of every response."""
    from flask import Response, render_template, request

    from servicepoint import i18n, security, web
    from servicepoint.errors import NotFound
    from servicepoint.i18n import flask as i18n_flask

    error = NotFound(NOT_PUBLIC)
    with app.request_context(environ):
        if web.wants_json() or request.path.startswith(_INTERNAL_SOCKETIO):
            response = web.refusal(error)
        else:
            # The page in the language its message is in (API messages are German and
            # English; a visitor asking for Arabic reads English, left to right).
            wanted = web.request_language()
            has_own = f"error.{NOT_PUBLIC}" in i18n.catalog().own(wanted)
            language = i18n_flask.use_language(wanted if has_own else "en")
            page = render_template("not_public.html", message=error.message_in(language))
            response = Response(page, status=error.status, mimetype="text/html")
        response.headers["Cache-Control"] = "no-store"
        security.secure(response, request.host)
    return response


def init_app(app: Flask) -> None:
    """Serve the public half's core files and catalog, and put :class:`PublicHalf` around
    the application (call it last: the middleware must be the outermost)."""
    hosts = hosts_of(app.config)  # a malformed setting fails at start, not per request
    base = phone_base(app.config)
    if hosts and app.config.get("PUBLIC_URL") and base:
        name, _port = _host(urlsplit(base).netloc)
        if name not in {host for host, _ in hosts}:
            log.warning(
                "SERVICEPOINT_PUBLIC_URL (%s) is not on SERVICEPOINT_PUBLIC_HOST: "
                "the QR codes on tickets lead phones elsewhere",
                base,
            )
    assert app.static_folder is not None
    publish(
        app,
        app.static_folder,
        "base.css",
        "favicon.svg",
        "js/api.js",
        "js/catalog.js",
        "js/dom.js",
        "js/socket.js",
        "vendor/socket.io/socket.io.min.js",
    )
    from flask import Blueprint

    files = Blueprint("public", __name__, url_prefix=PREFIX)
    files.add_url_rule("/static/<path:filename>", "asset", asset)
    app.register_blueprint(files)
    app.wsgi_app = PublicHalf(app.wsgi_app, app)  # type: ignore[method-assign]
