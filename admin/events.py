"""Socket.IO namespace ``/staff``: counselors' live queue (signed-in session required)."""

from __future__ import annotations

from flask_socketio import ConnectionRefusedError, emit, join_room

from servicepoint import auth, snapshots
from servicepoint.realtime import joined, location_of_slug, location_room, on
from servicepoint.web import database


def _queue(slug: str) -> dict | None:
    with database().session(read_only=True) as session:
        location = location_of_slug(session, slug)
        return snapshots.staff_queue(session, location) if location else None


@on("connect", namespace="/staff")
def connect(auth_data=None):
    """``auth={"location": slug}`` with the staff session cookie; ``queue`` follows at once."""
    with database().session(read_only=True) as session:
        if auth.current_staff(session) is None:
            raise ConnectionRefusedError("not signed in")
    slug = auth_data.get("location") if isinstance(auth_data, dict) else None
    queue = _queue(slug) if isinstance(slug, str) else None
    if queue is None:
        raise ConnectionRefusedError("unknown location")
    # Join, then read again: a move committed in between reaches the counselor either way.
    join_room(location_room(slug))
    emit("queue", _queue(slug) or queue)


@on("queue", namespace="/staff")
def resync():
    """Send the location's queue again."""
    slug = joined("location:")
    queue = _queue(slug) if slug else None
    if queue is not None:
        emit("queue", queue)
