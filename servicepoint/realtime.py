"""The realtime hub: Socket.IO, fed only by committed units of work.

Rooms are per location (``location:<slug>``) and per ticket (``ticket:<token>``), so one
location's screens never see another's tickets. Payloads are built inside the transaction
(consistent with what is committed) and sent after the commit; a rolled-back change is
never announced.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_socketio import SocketIO
from sqlalchemy import select
from sqlalchemy.orm import Session

from servicepoint import printing, snapshots, tickets
from servicepoint.db import Database
from servicepoint.models import Location, PrinterMode, PrintJob, Ticket, TicketState

log = logging.getLogger(__name__)
socketio = SocketIO()

# Event handlers of the surfaces, bound to each new Socket.IO server by ``bind_handlers``:
# ``socketio.on`` binds to whatever server exists when a module is imported, which a second
# application (tests, or a re-created app) would not get.
_handlers: list[tuple[str, str, Callable]] = []

CALL_KINDS = {"call", "recall"}
PRINT_KINDS = {"print", "print_result", "printer"}
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


def joined(prefix: str) -> str | None:
    """What the current Socket.IO client joined at connect: the name after ``prefix`` in one
    of its rooms (``location:``, ``ticket:``, ``agent:``), or None."""
    from flask_socketio import rooms

    for room in rooms():
        if room.startswith(prefix):
            return room[len(prefix) :]
    return None


def location_room(slug: str) -> str:
    return f"location:{slug}"


def ticket_room(token: str) -> str:
    return f"ticket:{token}"


def kiosk_room(kiosk_id: int) -> str:
    """The kiosk's screen: told how its tickets' printing went."""
    return f"kiosk:{kiosk_id}"


def agent_room(kiosk_id: int) -> str:
    """The kiosk's print agent: receives the jobs."""
    return f"agent:{kiosk_id}"


@dataclass(frozen=True)
class Message:
    namespace: str
    event: str
    data: dict
    room: str


@dataclass
class Prepared:
    """What a commit will send: ticket messages at once, location snapshots coalesced."""

    messages: list[Message]
    # location id → whether the waiting tickets may have moved (phones need new positions)
    locations: dict[int, bool]
    # print jobs the server prints itself, after the commit
    server_jobs: list[int] = field(default_factory=list)


class SocketHub:
    """Turns outbox events into Socket.IO messages; sends them once the commit succeeded.

    Messages about the changed tickets (a call, the ticket's own status) are built inside
    the transaction and sent right after the commit. Location-wide snapshots (the lobby
    queue, the counselors' queue, every waiting phone's position) cost as much as the queue
    is long, so they are rebuilt from the committed state by ``refresh``, at most once per
    ``snapshot_interval`` seconds per location however many tickets change meanwhile
    (0: at once, in the committing thread).
    """

    def __init__(
        self,
        socketio: SocketIO,
        database: Database,
        recent_calls: int = 8,
        minutes_per_visitor: int = 10,
        snapshot_interval: float = 0.1,
        print_in_background: bool = True,
    ):
        self.socketio = socketio
        self.database = database
        self.recent_calls = recent_calls
        self.minutes_per_visitor = minutes_per_visitor
        self.snapshot_interval = snapshot_interval
        self.print_in_background = print_in_background
        self._lock = threading.Lock()
        self._pending: dict[int, bool] = {}
        self._scheduled = False

    def prepare(self, session: Session, events: list[tuple[str, dict]]) -> Prepared:
        """Build the messages about the changed tickets, reading the uncommitted state."""
        messages: list[Message] = []
        locations: dict[int, bool] = {}
        server_jobs: list[int] = []
        for kind, data in events:
            location_id = data["location_id"]
            locations[location_id] = locations.get(location_id, False) or (kind in REORDERING_KINDS)
            location = session.get(Location, location_id)
            room = location_room(location.slug)
            if kind == "topics":
                topics = [snapshots.topic_json(t) for t in location.topics if t.active]
                messages.append(Message("/kiosk", "topics", {"topics": topics}, room))
                continue
            if kind in PRINT_KINDS:
                self._prepare_print(session, kind, data, messages, server_jobs)
                continue
            ticket = session.get(Ticket, data["ticket_id"])
            if kind in CALL_KINDS and ticket.state == TicketState.CALLED:
                called = {
                    "code": ticket.code,
                    "desk": ticket.desk.name if ticket.desk else None,
                    "topic": ticket.topic.key,
                    "call_count": ticket.call_count,
                    "recall": kind == "recall",
                }
                messages.append(Message("/display", "called", called, room))
            messages.append(Message("/staff", "ticket", snapshots.ticket_json(ticket), room))
            if kind != "issued":  # nobody can follow a ticket before it is handed out
                status = snapshots.ticket_status(session, ticket, self.minutes_per_visitor)
                room_of_ticket = ticket_room(ticket.public_token)
                messages.append(Message("/ticket", "status", status, room_of_ticket))
        return Prepared(messages, locations, server_jobs)

    def _prepare_print(self, session, kind, data, messages, server_jobs) -> None:
        if kind == "printer":  # a printer's state changed: the location's snapshots show it
            return
        job = session.get(PrintJob, data["job_id"])
        if kind == "print_result":
            status = {
                "job_id": job.id,
                "code": job.payload.get("code"),
                "state": job.state,
                "error": job.error,
            }
            messages.append(Message("/kiosk", "print_status", status, kiosk_room(job.kiosk_id)))
        elif job.kiosk.printer_mode == PrinterMode.AGENT:
            messages.append(
                Message("/kiosk", "print_job", printing.job_json(job), agent_room(job.kiosk_id))
            )
        elif job.kiosk.printer_mode == PrinterMode.SERVER:
            server_jobs.append(job.id)

    def publish(self, prepared: Prepared) -> None:
        """Send the prepared messages (after the commit), then refresh the snapshots and
        start printing what the server prints itself."""
        for message in prepared.messages:
            self.emit(message)
        self.refresh(prepared.locations)
        for job_id in prepared.server_jobs:
            if self.print_in_background:
                self.socketio.start_background_task(self._print, job_id)
            else:
                self._print(job_id)

    def _print(self, job_id: int) -> None:
        from servicepoint.print_runner import print_job_on_server

        try:
            print_job_on_server(self.database, job_id)
        except Exception:  # the ticket is issued; a broken print must not take the hub down
            log.exception("print job %s could not be run", job_id)

    def emit(self, message: Message) -> None:
        self.socketio.emit(
            message.event, message.data, namespace=message.namespace, to=message.room
        )

    def refresh(self, locations: dict[int, bool]) -> None:
        """Rebuild and send the snapshots of these locations, coalescing bursts."""
        if not locations:
            return
        if self.snapshot_interval <= 0:
            self._send_snapshots(locations)
            return
        with self._lock:
            for location_id, reorders in locations.items():
                self._pending[location_id] = self._pending.get(location_id, False) or reorders
            if self._scheduled:
                return
            self._scheduled = True
        try:
            self.socketio.start_background_task(self._refresh_later)
        except Exception:
            with self._lock:
                self._scheduled = False
            raise

    def _refresh_later(self) -> None:
        """The one refresher at a time: so snapshots leave in the order they were read, and
        changes that come in while it sends are sent in its next round."""
        while True:
            time.sleep(self.snapshot_interval)
            with self._lock:
                pending, self._pending = self._pending, {}
                if not pending:
                    self._scheduled = False
                    return
            try:
                self._send_snapshots(pending)
            except Exception:  # keep the hub alive and try these locations again
                log.exception("could not refresh snapshots of locations %s", sorted(pending))
                with self._lock:
                    for location_id, reorders in pending.items():
                        self._pending[location_id] = self._pending.get(location_id) or reorders
                time.sleep(1)

    def _send_snapshots(self, locations: dict[int, bool]) -> None:
        with self.database.session(read_only=True) as session:
            for location_id, reorders in locations.items():
                location = session.get(Location, location_id)
                if location is None:
                    continue
                for message in self.snapshot_messages(session, location, reorders):
                    self.emit(message)

    def snapshot_messages(self, session: Session, location: Location, positions: bool):
        """The lobby and counselor snapshots of ``location`` and, with ``positions``, the
        status of every waiting ticket (their places may have moved)."""
        room = location_room(location.slug)
        display = snapshots.display_snapshot(session, location, self.recent_calls)
        yield Message("/display", "queue", display, room)
        yield Message("/staff", "queue", snapshots.staff_queue(session, location), room)
        if not positions:
            return
        waiting = session.scalars(tickets.waiting_tickets(session, location)).all()
        per_topic: dict[int, int] = {}
        for ticket in waiting:
            ahead = per_topic.get(ticket.topic_id, 0)
            per_topic[ticket.topic_id] = ahead + 1
            status = snapshots.ticket_status(session, ticket, self.minutes_per_visitor, ahead)
            yield Message("/ticket", "status", status, ticket_room(ticket.public_token))


def location_of_slug(session: Session, slug: str) -> Location | None:
    """The active location with this slug, or None (for connect handlers that refuse)."""
    location = session.scalar(select(Location).where(Location.slug == slug))
    return location if location is not None and location.active else None
