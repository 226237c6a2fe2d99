"""The realtime hub: Socket.IO, fed only by committed units of work.

Each application owns its Socket.IO server (``app.extensions["socketio"]``); the surfaces
declare their handlers with ``on`` and ``bind_handlers`` binds them to each new server, so
two apps in one process never share clients. Rooms (``servicepoint.events``) are per
location, per staff member and location, and per ticket: one location's screens never see
another's tickets. The hub knows no event kinds: each feature's builders say what its
events become (``servicepoint.events.deliveries``); the hub sends that after the commit.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from flask_socketio import SocketIO
from socketio import PubSubManager
from socketio.packet import Packet
from sqlalchemy import select
from sqlalchemy.orm import Session

from servicepoint import messages, public, sessions  # noqa: F401  (sessions: its builders)
from servicepoint.db import Database
from servicepoint.events import Context, Delivery, DomainEvent, Message, deliveries
from servicepoint.models import Location

log = logging.getLogger(__name__)

# Event handlers of the surfaces, bound to each new Socket.IO server by ``bind_handlers``.
_handlers: list[tuple[str, str, Callable[..., Any]]] = []


def on(event: str, namespace: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a Socket.IO event handler of a surface (bound when an app is created)."""

    def decorator(handler: Callable[..., Any]) -> Callable[..., Any]:
        _handlers.append((event, namespace, handler))
        return handler

    return decorator


class JsonPacket(Packet):  # type: ignore[misc]  # python-socketio is untyped
    """Socket.IO packets of JSON only. The server never sends binary data, so a payload is
    not searched for bytes before it is encoded: for a staff queue of 700 tickets that
    search cost as much as the encoding."""

    uses_binary_events = False


def bind_handlers(socketio: SocketIO) -> None:
    """Register every declared handler on ``socketio`` (one application's server).

    Every namespace but the public ones (``public.PUBLIC_NAMESPACES``: the phone's
    ``/ticket``) refuses connections that came through the public half, before its own
    connect handler runs; a namespace is internal unless it is named public there."""
    guarded: set[str] = set()
    for event, namespace, handler in _handlers:
        if event == "connect":
            handler = public.guard_connect(namespace, handler) or handler
            guarded.add(namespace)
        socketio.on_event(event, handler, namespace=namespace)
    for namespace in sorted(({"/"} | {ns for _, ns, _ in _handlers}) - guarded):
        guard = public.guard_connect(namespace, None)
        if guard is not None:
            socketio.on_event("connect", guard, namespace=namespace)


def joined(prefix: str) -> str | None:
    """What the current Socket.IO client joined at connect: the name after ``prefix`` in one
    of its rooms (``location:``, ``ticket:``, ``agent:``, ``staff:``), or None."""
    from flask_socketio import rooms

    for room in rooms():
        if room.startswith(prefix):
            return str(room[len(prefix) :])
    return None


class SocketHub:
    """Sends what committed events become; rebuilds location snapshots in coalesced rounds.

    Messages about the changed tickets (a call, the ticket's own status) are built inside
    the transaction and sent right after the commit. Location-wide snapshots (the lobby
    queue, the counselors' views, every waiting phone's position) cost as much as the queue
    is long, so they are rebuilt from the committed state by ``refresh``, at most once per
    ``snapshot_interval`` seconds per location however many tickets change meanwhile
    (0: at once, in the committing thread).
    """

    def __init__(
        self,
        socketio: SocketIO,
        database: Database,
        context: Context | None = None,
        snapshot_interval: float = 0.1,
        print_in_background: bool = True,
    ) -> None:
        self.socketio = socketio
        self.database = database
        self.context = context or Context()
        self.snapshot_interval = snapshot_interval
        self.print_in_background = print_in_background
        self._lock = threading.Lock()
        self._pending: dict[int, bool] = {}
        self._pending_here: dict[int, bool] = {}  # for this process's clients only
        self._scheduled = False

    def listening(self, namespace: str, rooms: str | list[str], here_only: bool = False) -> bool:
        """Whether a message to ``rooms`` of ``namespace`` may reach anyone. This process
        knows its own sockets only: behind a message queue (several processes, Redis) the
        others' rooms cannot be seen, so the answer is then always yes, unless the message
        is for this process's clients only (``here_only``)."""
        server: Any = getattr(self.socketio, "server", None)  # python-socketio's, untyped
        if server is None or (not here_only and isinstance(server.manager, PubSubManager)):
            return True
        joined = server.manager.rooms.get(namespace)
        if not joined:
            return False
        return any(joined.get(room) for room in ([rooms] if isinstance(rooms, str) else rooms))

    def builders_context(self, here_only: bool = False) -> Context:
        """The context of the snapshot builders: the settings, and this hub's ``listening``
        (for messages to every process, or ``here_only``), so that no snapshot is built
        that nobody would receive. Only after the commit: a screen that joins after the
        question reads the committed state itself (``prepare``, before the commit, builds
        for every room)."""
        listening = functools.partial(self.listening, here_only=True) if here_only else None
        return replace(self.context, listening=listening or self.listening)

    def prepare(self, session: Session, events: list[DomainEvent]) -> Delivery:
        """What the events become, read from the uncommitted state (sent after the commit)."""
        return deliveries(session, events, self.context)

    def publish(self, delivery: Delivery) -> None:
        """Send the prepared messages (after the commit), then refresh the snapshots and
        start printing what the server prints itself."""
        for message in delivery.messages:
            self.emit(message)
        for namespace, room in delivery.closed_rooms:
            self.close_room(namespace, room)
        self.refresh(delivery.locations)
        for job_id in delivery.server_jobs:
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

    def emit(self, message: Message, here_only: bool = False) -> None:
        """Send ``message`` to its room(s) in every process, or with ``here_only`` to this
        process's clients only (not through Redis)."""
        # python-socketio takes one room or a list of rooms (the stubs know only one), and
        # ignore_queue (the stubs do not know it).
        self.socketio.emit(  # type: ignore[call-arg]
            message.event,
            message.data,
            namespace=message.namespace,
            to=message.room,  # type: ignore[arg-type]
            ignore_queue=here_only,
        )

    def close_room(self, namespace: str, room: str) -> None:
        """End access through ``room``: this process's sockets in it are disconnected, and
        every process (through Redis) takes all sockets out of it, so none receives more;
        a socket elsewhere is refused at its next request, since its access is gone."""
        server: Any = getattr(self.socketio, "server", None)  # python-socketio's, untyped
        if server is None:
            return
        local = [sid for sid, _eio in server.manager.get_participants(namespace, room)]
        for sid in local:
            server.disconnect(sid, namespace=namespace)
        server.close_room(room, namespace=namespace)

    def resync(self) -> None:
        """Send fresh snapshots of every active location (lobby, staff views, every waiting
        phone's status) to this process's own clients: after the fan-out between processes
        was interrupted they may have missed what other processes announced
        (``servicepoint.fanout``). In the refresher's order, like any refresh."""
        with self.database.session(read_only=True) as session:
            active = session.scalars(select(Location.id).where(Location.active)).all()
        self.refresh(dict.fromkeys(active, True), here_only=True)

    def refresh(self, locations: dict[int, bool], here_only: bool = False) -> None:
        """Rebuild and send the snapshots of these locations, coalescing bursts; with
        ``here_only`` to this process's clients only."""
        if not locations:
            return
        if self.snapshot_interval <= 0:
            self._send_snapshots(locations, here_only)
            return
        with self._lock:
            pending = self._pending_here if here_only else self._pending
            for location_id, reorders in locations.items():
                pending[location_id] = pending.get(location_id, False) or reorders
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
                here, self._pending_here = self._pending_here, {}
                if not pending and not here:
                    self._scheduled = False
                    return
            # A location sent everywhere needs no extra copy for this process's clients.
            for location_id in pending.keys() & here.keys():
                reorders = here.pop(location_id)
                pending[location_id] = pending[location_id] or reorders
            try:
                self._send_snapshots(pending)
                self._send_snapshots(here, here_only=True)
            except Exception:  # keep the hub alive and try these locations again
                log.exception(
                    "could not refresh snapshots of locations %s", sorted({*pending, *here})
                )
                with self._lock:
                    for location_id, reorders in pending.items():
                        self._pending[location_id] = self._pending.get(location_id) or reorders
                    for location_id, reorders in here.items():
                        self._pending_here[location_id] = (
                            self._pending_here.get(location_id) or reorders
                        )
                time.sleep(1)

    def _send_snapshots(self, locations: dict[int, bool], here_only: bool = False) -> None:
        if not locations:
            return
        context = self.builders_context(here_only)
        with self.database.session(read_only=True) as session:
            for location_id, reorders in locations.items():
                location = session.get(Location, location_id)
                if location is None:
                    continue
                for message in messages.snapshot_messages(session, location, reorders, context):
                    self.emit(message, here_only)


def location_of_slug(session: Session, slug: str) -> Location | None:
    """The active location with this slug, or None (for connect handlers that refuse)."""
    location = session.scalar(select(Location).where(Location.slug == slug))
    return location if location is not None and location.active else None
