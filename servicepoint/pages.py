"""The start page: links to each location's kiosk and lobby screen and the staff sign-in."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template
from sqlalchemy import select

from servicepoint import fanout
from servicepoint.models import Location
from servicepoint.web import db_session


def init_app(app: Flask) -> None:
    @app.get("/")
    def index() -> str:
        locations = (
            db_session()
            .scalars(select(Location).where(Location.active).order_by(Location.name))
            .all()
        )
        return render_template("index.html", locations=locations)

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        """``ok``, or ``degraded`` with the reasons while the process still serves (200
        either way); a database it cannot reach is an error (503)."""
        from sqlalchemy import text

        db_session().execute(text("SELECT 1"))
        reasons = fanout.problems(app)
        if reasons:
            return {"status": "degraded", "reasons": reasons}
        return {"status": "ok"}
