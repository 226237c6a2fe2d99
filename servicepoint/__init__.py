"""servicepoint: a walk-in queue and appointment kiosk system for municipal service points."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # importing the package must not need Flask (printers read servicepoint.i18n)
    from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application: core, realtime hub and the three surfaces.

    Settings come from the defaults in ``servicepoint.config``, then ``SERVICEPOINT_*``
    environment variables, then ``config`` (tests pass a dict).
    """
    from flask import Flask
    from flask_socketio import SocketIO

    from servicepoint import config as config_module

    settings: dict[str, Any] = dict(config_module.DEFAULTS)
    settings.update(config_module.from_environment())
    settings.update(config or {})
    instance_path = settings.pop("INSTANCE_PATH", None) or os.environ.get(
        "SERVICEPOINT_INSTANCE_PATH"
    )
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
        instance_relative_config=True,
    )
    app.config.update(settings)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config_module.instance_secret(app.instance_path)
    # The cookie lasts as long as the session it carries (Flask's own default is 31 days).
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=float(app.config["SESSION_HOURS"]))
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    # The session in the database ends a fixed time after sign-in; the cookie, set at sign-in
    # with the same lifetime, is not signed and sent again with every answer.
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = config_module.sqlite_url(app.instance_path)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # DefaultJSONProvider's setting

    from servicepoint import fanout, green, realtime, security, speech, web
    from servicepoint.db import Database
    from servicepoint.estimates import EstimateSettings, Estimator
    from servicepoint.events import Context
    from servicepoint.order import OrderSettings

    shared = app.config.get("DATABASE") or Database(app.config["DATABASE_URL"])
    # This app's own Socket.IO server (Flask-SocketIO keeps it in app.extensions["socketio"]);
    # with REDIS_URL its emits reach the other processes' clients too (servicepoint.fanout).
    fanout_manager = fanout.client_manager(app.config)
    socketio = SocketIO(  # type: ignore[call-arg]  # serializer: python-socketio's, not in the stubs
        app,
        # gevent in the production server's worker (green threads), threading elsewhere.
        async_mode=green.async_mode(),
        client_manager=fanout_manager,
        serializer=realtime.JsonPacket,
    )
    # The app's own view of the database: same engine and sessions, its own hub, so two apps
    # on one database (tests) each announce their commits to their own clients.
    db = shared.with_hub(None)
    # The wait estimates of this app: requests and the hub's builders share its medians.
    estimator = Estimator(EstimateSettings.from_settings(app.config))
    app.extensions["servicepoint.estimator"] = estimator
    # Calls spoken aloud (servicepoint.speech): the called events' URLs and their audio.
    speaker = speech.speaker_for(app.config, app.instance_path)
    app.extensions["servicepoint.speaker"] = speaker
    db.hub = realtime.SocketHub(
        socketio,
        db,
        Context(
            estimator=estimator,
            recent_calls=int(app.config["DISPLAY_RECENT_CALLS"]),
            call_current_minutes=int(app.config["CALL_CURRENT_MINUTES"]),
            session_lead_minutes=int(app.config["SESSION_LEAD_MINUTES"]),
            session_last_ticket_minutes=int(app.config["SESSION_LAST_TICKET_MINUTES"]),
            desk_idle_minutes=int(app.config["DESK_IDLE_MINUTES"]),
            order_settings=OrderSettings.from_settings(app.config),
            appointment_grace_minutes=int(app.config["APPOINTMENT_GRACE_MINUTES"]),
            speaker=speaker,
        ),
        snapshot_interval=float(app.config["SNAPSHOT_INTERVAL"]),
        print_in_background=bool(app.config.get("PRINT_IN_BACKGROUND", True)),
    )
    app.extensions["servicepoint.db"] = db
    fanout.init_app(app, fanout_manager, db.hub.resync)
    security.init_app(app)  # before web's unit of work, so its headers go on the final response
    web.init_app(app)
    from servicepoint.i18n import flask as i18n_flask

    i18n_flask.init_app(app)

    import admin
    import display
    import kiosk

    for surface in (kiosk, display, admin):
        surface.init_app(app)
    realtime.bind_handlers(socketio)

    from servicepoint import pages, public
    from servicepoint.wsgi import PlainWebSockets

    pages.init_app(app)
    app.wsgi_app = PlainWebSockets(app.wsgi_app)  # type: ignore[method-assign]
    public.init_app(app)  # the public half under /t/; last: its middleware is the outermost
    return app
