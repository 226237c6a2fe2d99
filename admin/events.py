"""Socket.IO namespace ``/staff``: counselors' live queue (signed-in session required).

Each staff member joins their own room per location (``staff:<slug>:<id>``): the queue they
receive carries the moves *they* may make and the ticket *their* call-next would take.
"""

from __future__ import annotations

from typing import Any

from flask_socketio import emit, join_room
from socketio.exceptions import ConnectionRefusedError

from servicepoint import snapshots
from servicepoint.access import Permission
from servicepoint.errors import ServicepointError
from servicepoint.events import staff_room
from servicepoint.realtime import joined, location_of_slug, on
from servicepoint.web import database, require


def _queue(slug: str) -> dict[str, Any] | None:
    """The location's queue as the connected staff member sees it, or None."""
    with database().session(read_only=True) as session:
        location = location_of_slug(session, slug)
        if location is None:
            return None
        try:
            staff = require(Permission.VIEW_QUEUE, location, session=session)
        except ServicepointError:
            return None
        return snapshots.staff_queue(session, location, staff)


@on("connect", namespace="/staff")
def connect(auth_data: Any = None) -> None:
    """``auth={"location": slug}`` with the staff session cookie; ``queue`` follows at once."""
    slug = auth_data.get("location") if isinstance(auth_data, dict) else None
    with database().session(read_only=True) as session:
        location = location_of_slug(session, slug) if isinstance(slug, str) else None
        if location is None:
            raise ConnectionRefusedError("unknown location")
        try:
            staff = require(Permission.VIEW_QUEUE, location, session=session)
        except ServicepointError as error:
            raise ConnectionRefusedError(error.code) from None
        room = staff_room(location.slug, staff.id)
        first = snapshots.staff_queue(session, location, staff)
    # Join, then read again: a move committed in between reaches the counselor either way.
    join_room(room)
    emit("queue", _queue(location.slug) or first)


@on("queue", namespace="/staff")
def resync() -> None:
    """Send the location's queue again."""
    room = joined("staff:")
    queue = _queue(room.rsplit(":", 1)[0]) if room else None
    if queue is not None:
        emit("queue", queue)
