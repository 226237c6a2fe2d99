"""The production server: gunicorn with threaded workers, which serve WebSockets through
simple-websocket (Flask-SocketIO's threading mode)."""

from __future__ import annotations

import gc
import logging
import re
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from servicepoint import public

GRACEFUL_TIMEOUT = 10

REDACTED = "[redacted]"
_END = r"(?:[/?#\s\"]|$)"
# What gives access to a ticket or a kiosk wherever a line names a request (request line,
# path, query, referrer): a ticket's token in /t/<token>…, /api/v1/tickets/<token>… and the
# public half's /t/api/v1/tickets/<token>… (the staff's /api/v1/tickets/<id>/… keep their
# numbers, the public half's own names — /t/static/…, /t/socket.io/… — stay), a kiosk's
# token in ?kiosk=.
_SECRETS = (
    re.compile(
        rf"({re.escape(public.PREFIX)}/)"
        rf"(?!(?:{'|'.join(re.escape(name) for name in public.RESERVED)}){_END})"
        r"[^/?#\s\"]+"
    ),
    re.compile(rf"((?:{re.escape(public.PREFIX)})?/api/v1/tickets/)(?!\d+{_END})[^/?#\s\"]+"),
    re.compile(r"([?&;]kiosk=)[^&#\s\"]*"),
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


class _Gunicorn(BaseApplication):  # type: ignore[misc]  # gunicorn has no type hints
    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key.startswith("control_socket") and key not in self.cfg.settings:
                continue  # gunicorn before 25.1 has no control socket
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def options(
    host: str,
    port: int,
    threads: int = 400,
    graceful_timeout: int = GRACEFUL_TIMEOUT,
    control_socket: str | None = None,
    access_log: bool = True,
) -> dict[str, Any]:
    """The gunicorn settings :func:`run` uses.

    ``graceful_timeout`` is how long a stopping worker may finish its requests before it is
    killed; open WebSockets never finish, so a stop with screens connected takes that long.
    ``control_socket`` is the path of gunicorn's control socket (for ``gunicornc``); without
    one there is none, so servers on one machine never replace each other's.
    ``access_log`` writes a line per request to standard output (:class:`AccessLogger`:
    tokens redacted, static files and long-polls left out); without it there are none."""
    settings: dict[str, Any] = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": threads,
        # Long-lived WebSockets must not be killed as "stuck" requests.
        "timeout": 0,
        "graceful_timeout": graceful_timeout,
        "keepalive": 5,
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "logger_class": AccessLogger,
        "loglevel": "info",
    }
    if control_socket:
        settings["control_socket"] = control_socket
    else:
        settings["control_socket_disable"] = True
    return settings


def run(
    app: Flask,
    host: str,
    port: int,
    threads: int = 400,
    graceful_timeout: int = GRACEFUL_TIMEOUT,
    control_socket: str | None = None,
    access_log: bool = True,
) -> None:
    """Serve ``app`` until stopped (see :func:`options`). One process: Socket.IO keeps
    per-process connection state; run several behind a sticky load balancer with
    SERVICEPOINT_REDIS_URL to scale out."""
    # The app's own log lines (an exception names the request's path) are redacted too.
    for handler in app.logger.handlers:
        handler.addFilter(RedactSecrets())
    settings = options(host, port, threads, graceful_timeout, control_socket, access_log)
    server = _Gunicorn(app, settings)
    # The loaded app lives as long as the process: keep the collector off its objects (the
    # worker shares their pages with the master instead of copying them; exits are quick).
    gc.freeze()
    server.run()
