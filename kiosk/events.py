"""Socket.IO namespace ``/kiosk``: a kiosk screen learns when its location's topics change."""

from __future__ import annotations

from flask_socketio import ConnectionRefusedError, emit, join_room

from servicepoint import snapshots
from servicepoint.realtime import location_of_slug, location_room, on
from servicepoint.web import database


@on("connect", namespace="/kiosk")
def connect(auth=None):
    """``auth={"location": slug}``: join the location's room and receive ``topics`` at once."""
    slug = auth.get("location") if isinstance(auth, dict) else None
    with database().session(read_only=True) as session:
        location = location_of_slug(session, slug) if isinstance(slug, str) else None
        if location is None:
            raise ConnectionRefusedError("unknown location")
        payload = [snapshots.topic_json(t) for t in location.topics if t.active]
        join_room(location_room(location.slug))
    emit("topics", {"topics": payload})
