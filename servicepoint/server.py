"""The production server: gunicorn, one process, with green threads (gevent) by default.

Every request and every open WebSocket is a greenlet of one worker process
(:class:`GreenWorker`, gunicorn's gevent worker with a limit of open connections per
address); Flask-SocketIO runs in its gevent mode there. ``--worker threaded`` keeps the
earlier model (gunicorn's threaded worker, a thread per connection, Flask-SocketIO's
threading mode) for comparison.

The gunicorn master imports neither Flask nor the database: the application is built in the
worker, after gevent has patched the standard library (:class:`_Gunicorn.load`).
"""

from __future__ import annotations

import gc
import ipaddress
import logging
import re
import sys
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger
from gunicorn.workers.ggevent import GeventWorker

if TYPE_CHECKING:
    from flask import Flask

from servicepoint import public

GRACEFUL_TIMEOUT = 10
# The server models ``serve --worker`` offers: gunicorn's worker class for each.
WORKERS = {"gevent": "servicepoint.server.GreenWorker", "threaded": "gthread"}
# Seconds a client has to send a request's line and headers (and an idle keep-alive
# connection stays open): a client sending one header line every few seconds is cut off.
HEADER_TIMEOUT = 5

REDACTED = "[redacted]"
_END = r"(?:[/?#\s\"]|$)"
# What gives access to a ticket or a kiosk wherever a line names a request (request line,
# path, query, referrer): a ticket's token in /t/<token>…, /api/v1/tickets/<token>… and the
# public half's /t/api/v1/tickets/<token>… (the staff's /api/v1/tickets/<id>/… keep their
# numbers, the public half's own names — /t/static/…, /t/socket.io/… — stay), a kiosk's
# token in ?kiosk=, and online booking's tokens and confirmation secrets.
_SECRETS = (
    re.compile(
        rf"({re.escape(public.PREFIX)}/)"
        rf"(?!(?:{'|'.join(re.escape(name) for name in public.RESERVED)}){_END})"
        r"[^/?#\s\"]+"
    ),
    re.compile(rf"((?:{re.escape(public.PREFIX)})?/api/v1/tickets/)(?!\d+{_END})[^/?#\s\"]+"),
    re.compile(r"([?&;]kiosk=)[^&#\s\"]*"),
    # Online booking: an appointment's token (its page, its API), a hold's, the secret of
    # the mailed confirmation link.
    re.compile(rf"({re.escape(public.PREFIX)}/a/)[^/?#\s\"]+"),
    re.compile(rf"({re.escape(public.PREFIX)}/api/v1/(?:appointments|booking/holds)/)[^/?#\s\"]+"),
    re.compile(r"([?&;]confirm=)[^&#\s\"]*"),
)
# Successful requests not worth a line each: static files (the app's, each surface's and the
# public half's) and Socket.IO's long-polling (a request every few seconds per screen
# without WebSockets), on either Socket.IO path.
_QUIET_PATH = re.compile(r"^/(?:[^/]+/)?static/")
_SOCKETIO_PATHS = ("/socket.io/", f"{public.SOCKETIO_PATH}/")


def redact(text: str) -> str:
    """``text`` with the tokens of tickets and kiosks replaced by ``[redacted]``."""
    for secret in _SECRETS:
        text = secret.sub(rf"\g<1>{REDACTED}", text)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites each record's message with :func:`redact` (the arguments merged in)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def quiet(environ: dict[str, Any], status: int) -> bool:
    """Whether a request needs no access line: a successful static file or long-poll."""
    if status >= 400:
        return False
    path = str(environ.get("PATH_INFO", ""))
    if _QUIET_PATH.match(path):
        return True
    polling = "transport=polling" in str(environ.get("QUERY_STRING", ""))
    return path.startswith(_SOCKETIO_PATHS) and polling


class AccessLogger(Logger):  # type: ignore[misc]  # gunicorn has no type hints
    """gunicorn's logger without secrets: every access and error line is redacted, and
    successful static files and Socket.IO long-polls get no access line."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, RedactSecrets) for f in log.filters):
                log.addFilter(RedactSecrets())

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        status = resp.status
        code = int(str(status).split(None, 1)[0]) if status else 0
        if quiet(environ, code):
            return
        super().access(resp, req, environ, request_time)


class GreenWorker(GeventWorker):  # type: ignore[misc]  # gunicorn has no type hints
    """gunicorn's gevent worker with a bound on the connections one address holds open.

    Each connection is a greenlet; an idle WebSocket costs some kilobytes, not a thread.
    A client that sends its headers slowly is cut off after the keep-alive time (gunicorn's
    async workers read each request's head under that timeout). ``CONNECTIONS_PER_ADDRESS``
    bounds what one address holds open at once (its next connection is closed at once);
    addresses in ``TRUSTED_PROXIES`` are exempt, since every client behind a proxy shares its
    address."""

    def load_wsgi(self) -> None:
        super().load_wsgi()
        config = getattr(self.wsgi, "config", {})
        self.per_address = int(config.get("CONNECTIONS_PER_ADDRESS", 0) or 0)
        self.exempt = _networks(str(config.get("TRUSTED_PROXIES", "")))
        self.open_per_address: Counter[str] = Counter()

    def handle(self, listener: Any, client: Any, addr: Any) -> None:
        address = addr[0] if isinstance(addr, tuple) and addr else ""
        limited = bool(address) and self.per_address > 0 and not _within(address, self.exempt)
        if limited and self.open_per_address[address] >= self.per_address:
            self.log.warning("refused a connection from %s: too many open at once", address)
            client.close()
            return
        if limited:
            self.open_per_address[address] += 1
        try:
            super().handle(listener, client, addr)
        finally:
            if limited:
                self.open_per_address[address] -= 1
                if self.open_per_address[address] <= 0:
                    del self.open_per_address[address]


def _networks(spec: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part]


def _within(address: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


class _Gunicorn(BaseApplication):  # type: ignore[misc]  # gunicorn has no type hints
    """gunicorn with the application built by ``factory`` in the worker process."""

    def __init__(self, factory: Callable[[], Flask], options: dict[str, Any]) -> None:
        self.factory = factory
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key.startswith("control_socket") and key not in self.cfg.settings:
                continue  # gunicorn before 25.1 has no control socket
            self.cfg.set(key, value)

    def load(self) -> Flask:
        # The server is never an HTTP or Socket.IO client: python-socketio's client half
        # (loaded with the package) goes without requests and websocket-client here, which
        # keeps some 16 MB out of the worker.
        for unused in ("requests", "websocket"):
            sys.modules.setdefault(unused, None)  # type: ignore[arg-type]
        app = self.factory()
        # The app's own log lines (an exception names the request's path) are redacted too.
        for handler in app.logger.handlers:
            handler.addFilter(RedactSecrets())
        # The app lives as long as the worker: keep the collector off its objects.
        gc.freeze()
        return app


def options(
    host: str,
    port: int,
    worker: str = "gevent",
    threads: int = 400,
    connections: int = 10000,
    graceful_timeout: int = GRACEFUL_TIMEOUT,
    control_socket: str | None = None,
    access_log: bool = True,
) -> dict[str, Any]:
    """The gunicorn settings :func:`run` uses.

    ``worker`` is ``gevent`` (green threads, the default) or ``threaded``; ``threads`` is the
    threaded worker's thread count (each open screen or phone holds one), ``connections`` the
    gevent worker's bound on open connections (each holds one file descriptor: the systemd
    unit raises ``LimitNOFILE`` above it).
    ``graceful_timeout`` is how long a stopping worker may finish its requests before it is
    killed; open WebSockets never finish, so a stop with screens connected takes that long.
    ``control_socket`` is the path of gunicorn's control socket (for ``gunicornc``); without
    one there is none, so servers on one machine never replace each other's.
    ``access_log`` writes a line per request to standard output (:class:`AccessLogger`:
    tokens redacted, static files and long-polls left out); without it there are none."""
    if worker not in WORKERS:
        raise ValueError(f"unknown worker {worker!r}: one of {', '.join(WORKERS)}")
    settings: dict[str, Any] = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": 1,
        "worker_class": WORKERS[worker],
        "graceful_timeout": graceful_timeout,
        "keepalive": HEADER_TIMEOUT,
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "logger_class": AccessLogger,
        "loglevel": "info",
    }
    if worker == "gevent":
        settings["worker_connections"] = connections
        # The worker's heartbeat: a worker whose loop is stuck this long is restarted
        # (green threads never block it while they wait for clients).
        settings["timeout"] = 30
    else:
        settings["threads"] = threads
        # Long-lived WebSockets hold a thread each and must not be killed as stuck requests.
        settings["timeout"] = 0
    if control_socket:
        settings["control_socket"] = control_socket
    else:
        settings["control_socket_disable"] = True
    return settings


def run(factory: Callable[[], Flask], settings: dict[str, Any]) -> None:
    """Serve the application ``factory`` builds (in the worker) with gunicorn ``settings``
    (:func:`options`) until stopped. One process: Socket.IO keeps per-process connection
    state; run several behind a sticky load balancer with SERVICEPOINT_REDIS_URL to scale
    out."""
    _Gunicorn(factory, settings).run()
