"""The production server: gunicorn with threaded workers, which serve WebSockets through
simple-websocket (Flask-SocketIO's threading mode)."""

from __future__ import annotations

import gc
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

GRACEFUL_TIMEOUT = 10


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
) -> dict[str, Any]:
    """The gunicorn settings :func:`run` uses.

    ``graceful_timeout`` is how long a stopping worker may finish its requests before it is
    killed; open WebSockets never finish, so a stop with screens connected takes that long.
    ``control_socket`` is the path of gunicorn's control socket (for ``gunicornc``); without
    one there is none, so servers on one machine never replace each other's."""
    settings: dict[str, Any] = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": threads,
        # Long-lived WebSockets must not be killed as "stuck" requests.
        "timeout": 0,
        "graceful_timeout": graceful_timeout,
        "keepalive": 5,
        "accesslog": "-",
        "errorlog": "-",
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
) -> None:
    """Serve ``app`` until stopped (see :func:`options`). One process: Socket.IO keeps
    per-process connection state; run several behind a sticky load balancer with
    SERVICEPOINT_REDIS_URL to scale out."""
    server = _Gunicorn(app, options(host, port, threads, graceful_timeout, control_socket))
    # The loaded app lives as long as the process: keep the collector off its objects (the
    # worker shares their pages with the master instead of copying them; exits are quick).
    gc.freeze()
    server.run()
