"""The production server: gunicorn with threaded workers, which serve WebSockets through
simple-websocket (Flask-SocketIO's threading mode)."""

from __future__ import annotations

from flask import Flask
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, app: Flask, options: dict) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def run(app: Flask, host: str, port: int, threads: int = 400) -> None:
    """Serve ``app`` until stopped. One process: Socket.IO keeps per-process connection state;
    run several behind a sticky load balancer with SERVICEPOINT_REDIS_URL to scale out."""
    _Gunicorn(
        app,
        {
            "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            "workers": 1,
            "worker_class": "gthread",
            "threads": threads,
            # Long-lived WebSockets must not be killed as "stuck" requests.
            "timeout": 0,
            "graceful_timeout": 10,
            "keepalive": 5,
            "accesslog": "-",
            "errorlog": "-",
            "loglevel": "info",
        },
    ).run()
