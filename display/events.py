"""Socket.IO namespaces of the lobby screen (``/display``) and the phone (``/ticket``).

A client that connects or reconnects first receives the full state, then changes; it can
ask for the full state again at any time by emitting ``snapshot``.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_socketio import emit, join_room
from socketio.exceptions import ConnectionRefusedError

from servicepoint import snapshots, tickets
from servicepoint.errors import NotFound
from servicepoint.estimates import Estimator
from servicepoint.events import location_room, ticket_room
from servicepoint.realtime import joined, location_of_slug, on
from servicepoint.text import SLUG, TICKET_TOKEN
from servicepoint.web import database


def _display_snapshot(slug: str) -> dict[str, Any] | None:
    with database().session(read_only=True) as session:
        location = location_of_slug(session, slug)
        if location is None:
            return None
        return snapshots.display_snapshot(
            session,
            location,
            current_app.config["DISPLAY_RECENT_CALLS"],
            current_app.config["CALL_CURRENT_MINUTES"],
        )


@on("connect", namespace="/display")
def display_connect(auth: Any = None) -> None:
    """``auth={"location": slug}``: join the location's room; ``snapshot`` follows at once."""
    slug = auth.get("location") if isinstance(auth, dict) else None
    if not SLUG.matches(slug):  # malformed: names nothing, never reaches the database
        raise ConnectionRefusedError("unknown location")
    with database().session(read_only=True) as session:
        if location_of_slug(session, slug) is None:
            raise ConnectionRefusedError("unknown location")
    # Join first, read after: a change committed in between reaches the screen either way.
    join_room(location_room(slug))
    snapshot = _display_snapshot(slug)
    if snapshot is not None:
        emit("snapshot", snapshot)


@on("snapshot", namespace="/display")
def display_resync():
    """Send the full lobby state again (the screen asks after waking up or on a timer)."""
    slug = joined("location:")
    snapshot = _display_snapshot(slug) if slug else None
    if snapshot is not None:
        emit("snapshot", snapshot)


def _ticket_status(token: str) -> dict[str, Any] | None:
    with database().session(read_only=True) as session:
        try:
            ticket = tickets.get_ticket_by_token(session, token)
        except NotFound:
            return None
        estimator: Estimator = current_app.extensions["servicepoint.estimator"]
        return snapshots.ticket_status(session, ticket, estimator.at(session, ticket.location))


@on("connect", namespace="/ticket")
def ticket_connect(auth: Any = None) -> None:
    """``auth={"token": public_token}``: join the ticket's room; ``status`` follows at once."""
    token = auth.get("token") if isinstance(auth, dict) else None
    if not TICKET_TOKEN.matches(token):  # malformed: names nothing
        raise ConnectionRefusedError("unknown ticket")
    status = _ticket_status(token)
    if status is None:
        raise ConnectionRefusedError("unknown ticket")
    # Join, then read again: a call committed in between reaches the phone either way.
    join_room(ticket_room(token))
    emit("status", _ticket_status(token) or status)


@on("status", namespace="/ticket")
def ticket_resync():
    """Send the ticket's status again."""
    token = joined("ticket:")
    status = _ticket_status(token) if token else None
    if status is not None:
        emit("status", status)
