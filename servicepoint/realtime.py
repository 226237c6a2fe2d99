"""The realtime hub: Socket.IO, fed only by committed units of work.

Rooms are per location (``location:<slug>``) and per ticket (``ticket:<token>``), so one
location's screens never see another's tickets. Payloads are built inside the transaction
(consistent with what is committed) and sent after the commit; a rolled-back change is
never announced.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_socketio import SocketIO
from sqlalchemy import select
from sqlalchemy.orm import Session

from servicepoint import snapshots, tickets
from servicepoint.models import Location, Ticket, TicketState

socketio = SocketIO()

# Event handlers of the surfaces, bound to each new Socket.IO server by ``bind_handlers``:
# ``socketio.on`` binds to whatever server exists when a module is imported, which a second
# application (tests, or a re-created app) would not get.
_handlers: list[tuple[str, str, Callable]] = []

CALL_KINDS = {"call", "recall"}
# Moves after which the tickets still waiting may stand at another place.
REORDERING_KINDS = {"call", "cancel", "requeue", "transfer"}


def on(event: str, namespace: str) -> Callable[[Callable], Callable]:
    """Declare a Socket.IO event handler of a surface (bound when the app is created)."""

    def decorator(handler: Callable) -> Callable:
        _handlers.append((event, namespace, handler))
        return handler

    return decorator


def bind_handlers() -> None:
    """Register every declared handler on the current Socket.IO server."""
    for event, namespace, handler in _handlers:
        socketio.on_event(event, handler, namespace=namespace)


def location_room(slug: str) -> str:
    return f"location:{slug}"


def ticket_room(token: str) -> str:
    return f"ticket:{token}"


@dataclass(frozen=True)
class Message:
    namespace: str
    event: str
    data: dict
    room: str


class SocketHub:
    """Turns outbox events into Socket.IO messages; sends them once the commit succeeded."""

    def __init__(self, socketio: SocketIO, recent_calls: int = 8, minutes_per_visitor: int = 10):
        self.socketio = socketio
        self.recent_calls = recent_calls
        self.minutes_per_visitor = minutes_per_visitor

    def prepare(self, session: Session, events: list[tuple[str, dict]]) -> list[Message]:
        """Build every message the events cause, reading the session's uncommitted state."""
        messages: list[Message] = []
        by_location: dict[int, list[tuple[str, dict]]] = {}
        for kind, data in events:
            by_location.setdefault(data["location_id"], []).append((kind, data))
        for location_id, location_events in by_location.items():
            location = session.get(Location, location_id)
            room = location_room(location.slug)
            changed: dict[int, Ticket] = {}
            if any(kind == "topics" for kind, _ in location_events):
                topics = [snapshots.topic_json(t) for t in location.topics if t.active]
                messages.append(Message("/kiosk", "topics", {"topics": topics}, room))
            for kind, data in location_events:
                if "ticket_id" not in data:
                    continue
                ticket = session.get(Ticket, data["ticket_id"])
                changed[ticket.id] = ticket
                if kind in CALL_KINDS and ticket.state == TicketState.CALLED:
                    called = {
                        "code": ticket.code,
                        "desk": ticket.desk.name if ticket.desk else None,
                        "topic": ticket.topic.key,
                        "call_count": ticket.call_count,
                        "recall": kind == "recall",
                    }
                    messages.append(Message("/display", "called", called, room))
            display = snapshots.display_snapshot(session, location, self.recent_calls)
            messages.append(Message("/display", "queue", display, room))
            messages.append(
                Message("/staff", "queue", snapshots.staff_queue(session, location), room)
            )
            for ticket in changed.values():
                messages.append(Message("/staff", "ticket", snapshots.ticket_json(ticket), room))
            # Calls, cancels, requeues and transfers move the people behind; tell each
            # waiting phone its own position then. Other moves concern only their ticket.
            waiting = session.scalars(tickets.waiting_tickets(session, location)).all()
            ahead: dict[int, int] = {}
            per_topic: dict[int, int] = {}
            for ticket in waiting:
                ahead[ticket.id] = per_topic.get(ticket.topic_id, 0)
                per_topic[ticket.topic_id] = ahead[ticket.id] + 1
            reorders = any(kind in REORDERING_KINDS for kind, _ in location_events)
            told = {**{t.id: t for t in waiting}, **changed} if reorders else changed
            for ticket in told.values():
                status = snapshots.ticket_status(
                    session, ticket, self.minutes_per_visitor, ahead.get(ticket.id, 0)
                )
                messages.append(
                    Message("/ticket", "status", status, ticket_room(ticket.public_token))
                )
        return messages

    def publish(self, messages: list[Message]) -> None:
        """Send prepared messages (after the commit)."""
        for message in messages:
            self.socketio.emit(
                message.event, message.data, namespace=message.namespace, to=message.room
            )


def location_of_slug(session: Session, slug: str) -> Location | None:
    """The active location with this slug, or None (for connect handlers that refuse)."""
    location = session.scalar(select(Location).where(Location.slug == slug))
    return location if location is not None and location.active else None
