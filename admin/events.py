"""Socket.IO namespace ``/staff``: counselors' live queue (signed-in session required).

Each staff member joins their own room per location (``staff:<slug>:<id>``): the queue they
receive carries the moves *they* may make and the ticket *their* call-next would take, and
who sits at which desk; ``desk_taken_over`` reaches them there when someone else takes over
a desk they sat at (``servicepoint.desks``).
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_socketio import disconnect, emit, join_room
from socketio.exceptions import ConnectionRefusedError

from servicepoint import snapshots
from servicepoint.access import Permission
from servicepoint.errors import ServicepointError
from servicepoint.events import staff_room
from servicepoint.realtime import joined, location_of_slug, on
from servicepoint.sessions import member_room, session_room
from servicepoint.text import SLUG
from servicepoint.web import current_session, database, order_inputs, request_language, require


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
        return snapshots.staff_queue(
            session, location, staff, _idle(), **order_inputs(location, session)
        )


def _idle() -> int:
    """Minutes after which a desk's occupant counts as gone (``DESK_IDLE_MINUTES``)."""
    return int(current_app.config["DESK_IDLE_MINUTES"])


@on("connect", namespace="/staff")
def connect(auth_data: Any = None) -> None:
    """``auth={"location": slug}`` with the staff session cookie; ``queue`` follows at once.

    Refused (``connect_error``) for an unknown location, without a session
    (``not_signed_in``) and where the staff member does not work (``not_member``, with
    ``data`` ``{"error", "message"}`` naming the location)."""
    slug = auth_data.get("location") if isinstance(auth_data, dict) else None
    if not SLUG.matches(slug):  # malformed: names nothing, never reaches the database
        raise ConnectionRefusedError("unknown location")
    with database().session(read_only=True) as session:
        location = location_of_slug(session, slug) if isinstance(slug, str) else None
        if location is None:
            raise ConnectionRefusedError("unknown location")
        try:
            staff = require(Permission.VIEW_QUEUE, location, session=session)
        except ServicepointError as error:
            # The code as the message (what clients match on), the refusal as the data: the
            # page shows its message ("You do not work at Duisburg-Hamborn.").
            raise ConnectionRefusedError(error.code, error.body(request_language())) from None
        signed_in = current_session(session)
        assert signed_in is not None  # require() found it
        rooms = [
            staff_room(location.slug, staff.id),
            member_room(staff.id),  # closed when the staff member's access changes
            session_room(signed_in.id),  # closed when this browser signs out
        ]
        first = snapshots.staff_queue(
            session, location, staff, _idle(), **order_inputs(location, session)
        )
    # Join, then read again: a move committed in between reaches the counselor either way.
    for room in rooms:
        join_room(room)
    emit("queue", _queue(location.slug) or first)


@on("queue", namespace="/staff")
def resync() -> None:
    """Send the location's queue again."""
    room = joined("staff:")
    queue = _queue(room.rsplit(":", 1)[0]) if room else None
    if queue is None:  # signed out or access taken away meanwhile
        disconnect()
        return
    emit("queue", queue)
