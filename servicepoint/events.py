"""Domain events, the outbox they wait in, and how each kind becomes messages.

A domain verb records what happened as a small frozen dataclass (``TicketMoved``,
``TopicsChanged``, ``PrintQueued``, …) with ``record(session, event)``. When the unit of work
commits, the realtime hub asks ``deliveries`` what the events become: each event class has
one builder, registered by the feature that defines it with ``@delivers(EventClass)``, which
reads the (uncommitted, consistent) state and says which messages go to which rooms, which
locations' snapshots must be rebuilt and which work starts after the commit. The hub only
delivers; it knows no event kinds. Nothing here imports Flask.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.orm import Session

from servicepoint.order import OrderSettings

if TYPE_CHECKING:
    from servicepoint.estimates import Estimator
    from servicepoint.speech import Speaker

OUTBOX = "servicepoint.outbox"
KEEP = "servicepoint.outbox.keep"
T = TypeVar("T")


@dataclass(frozen=True)
class DomainEvent:
    """Something that happened, to be announced once it is committed."""


@dataclass(frozen=True)
class LocationEvent(DomainEvent):
    """Something that happened at one location (its screens and staff views hear of it)."""

    location_id: int


@dataclass(frozen=True)
class Message:
    """One Socket.IO message: ``event`` with ``data`` in ``namespace`` to ``room``."""

    namespace: str
    event: str
    data: dict[str, Any]
    room: str | list[str]


def anyone_listening(_namespace: str, _rooms: str | list[str]) -> bool:
    """Without a hub that knows its sockets, a message may always reach someone."""
    return True


@dataclass(frozen=True)
class Context:
    """What builders may know of the running installation (settings, not requests)."""

    # The wait estimates (settings and each location's medians, kept briefly); None: the
    # default settings, nothing kept.
    estimator: Estimator | None = None
    recent_calls: int = 8
    # Minutes a called, unstarted ticket counts as a current call on the lobby screen.
    call_current_minutes: int = 10
    # When a session's topics take tickets (servicepoint.offer.Hours).
    session_lead_minutes: int = 15
    session_last_ticket_minutes: int = 15
    # Minutes after which a desk's occupant counts as gone (DESK_IDLE_MINUTES; 0: never).
    desk_idle_minutes: int = 30
    # Minutes after an appointment's start until it counts as overdue (APPOINTMENT_GRACE_MINUTES).
    appointment_grace_minutes: int = 10
    # The calling order's times (servicepoint.order).
    order_settings: OrderSettings = field(default_factory=OrderSettings)
    # Calls spoken aloud: the URLs of each call's announcement (servicepoint.speech); None:
    # calls carry none (the lobby only chimes).
    speaker: Speaker | None = None
    # Whether a message to these rooms of a namespace may reach anyone (the hub's answer):
    # what nobody can hear need not be built. It must say yes when it cannot know. Only the
    # snapshots, built after the commit, ask: a screen that joins after the question reads
    # the committed state itself; before the commit it would read the state before it.
    listening: Callable[[str, str | list[str]], bool] = anyone_listening


@dataclass
class Delivery:
    """What one commit sends and does afterwards."""

    messages: list[Message] = field(default_factory=list)
    # location id → whether the waiting tickets may have moved (phones need new positions)
    locations: dict[int, bool] = field(default_factory=dict)
    # print jobs the server prints itself, once committed
    server_jobs: list[int] = field(default_factory=list)
    # (namespace, room) whose sockets are closed after the messages: access ended
    closed_rooms: list[tuple[str, str]] = field(default_factory=list)
    # What the builders of one commit read once and share (see ``once``).
    _read: dict[Hashable, Any] = field(default_factory=dict, repr=False)

    def once(self, key: Hashable, read: Callable[[], T]) -> T:
        """``read()`` the first time a builder of this commit asks for ``key``; the same
        answer after that (the state cannot change while the builders run)."""
        if key not in self._read:
            self._read[key] = read()
        found: T = self._read[key]
        return found

    def refresh(self, location_id: int, positions: bool = False) -> None:
        """Ask for the location's snapshots to be rebuilt (and phones' positions)."""
        self.locations[location_id] = self.locations.get(location_id, False) or positions


E = TypeVar("E", bound=DomainEvent)
Builder = Callable[[Session, Any, Context, Delivery], None]
_builders: dict[type[DomainEvent], Builder] = {}


def delivers(kind: type[E]) -> Callable[[Callable[[Session, E, Context, Delivery], None]], Any]:
    """Register the builder that turns events of ``kind`` into a delivery (one per kind)."""

    def decorator(builder: Callable[[Session, E, Context, Delivery], None]) -> Any:
        if kind in _builders and _builders[kind] is not builder:
            raise RuntimeError(f"{kind.__name__} already has a builder")
        _builders[kind] = builder
        return builder

    return decorator


def outbox(session: Session) -> list[DomainEvent]:
    """The events this unit of work will announce once it commits."""
    events: list[DomainEvent] = session.info.setdefault(OUTBOX, [])
    return events


def record(session: Session, event: DomainEvent, keep: object = None) -> None:
    """Add ``event`` to the session's outbox (announced only after a successful commit).

    ``keep``: an object the event's builder will read (e.g. the ticket it names), held until
    the outbox is emptied. The session's identity map holds objects weakly: without this, one
    the caller no longer references would be read from the database again at the commit.
    """
    outbox(session).append(event)
    if keep is not None:
        session.info.setdefault(KEEP, []).append(keep)


def take_outbox(session: Session) -> list[DomainEvent]:
    """Empty the outbox (and let go of what it kept) and return what was in it."""
    session.info.pop(KEEP, None)
    events: list[DomainEvent] = session.info.pop(OUTBOX, [])
    return events


def deliveries(session: Session, events: Iterable[DomainEvent], context: Context) -> Delivery:
    """Ask each event's builder what it becomes; every event kind must have one."""
    delivery = Delivery()
    for event in events:
        builder = _builders.get(type(event))
        if builder is None:
            raise LookupError(f"no builder delivers {type(event).__name__}")
        builder(session, event, context, delivery)
    return delivery


# --- rooms ----------------------------------------------------------------------------------


def location_room(slug: str) -> str:
    """Everyone showing one location: its lobby screens and kiosks."""
    return f"location:{slug}"


def staff_room(slug: str, staff_id: int) -> str:
    """One staff member's views of one location: their queue differs from a colleague's."""
    return f"staff:{slug}:{staff_id}"


def ticket_room(token: str) -> str:
    """The phones following one ticket."""
    return f"ticket:{token}"


def kiosk_room(kiosk_id: int) -> str:
    """The kiosk's screen: told how its tickets' printing went."""
    return f"kiosk:{kiosk_id}"


def agent_room(kiosk_id: int) -> str:
    """The kiosk's print agent: receives the jobs."""
    return f"agent:{kiosk_id}"
