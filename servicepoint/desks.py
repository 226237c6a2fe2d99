"""Who sits at a desk: a desk has one occupant, and only the occupant calls to it.

A counselor takes a desk (``occupy``); another counselor is refused (``DeskTaken``, naming
who sits there) unless they take it over explicitly, and the one they replace is told at
once (``DeskOccupancyChanged`` with ``displaced_id``: a ``desk_taken_over`` message to that
staff member's views). A staff member sits at one desk at a time: taking another frees the
first. Leaving (``leave``), signing out (``leave_everywhere``, from ``sessions``) or staying
idle longer than ``idle_minutes`` (the setting ``DESK_IDLE_MINUTES``, counted from
``Desk.occupant_seen_at``) frees the desk; an idle occupant is not cleared by a job but
simply counts as gone (``present``) when someone else takes or calls to the desk, and the
staff views show the desk as free from then on. An occupant with a ticket called to or
served at the desk is never idle: they are counselling (a long talk needs no clicks), and
only an explicit take-over replaces them.

The queue's verbs ask here before a call (``claim_for_call``: the occupant passes, a free
desk becomes the caller's) and before a move of the ticket at a desk (``check_mover``).
Plain verbs on a Session: they change objects, flush and record events; they never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, or_, select
from sqlalchemy.orm import Session, aliased

from servicepoint import clock
from servicepoint.errors import DeskTaken, InvalidInput
from servicepoint.events import LocationEvent, record
from servicepoint.models import Desk, Staff, Ticket, TicketState

# What DESK_IDLE_MINUTES is when nobody set it (0: an occupant never goes idle).
DEFAULT_IDLE_MINUTES = 30
# The occupant's last action is noted at most this often: a call or move within a minute of
# the last one writes nothing more (the idle time is counted in minutes anyway).
SEEN_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class DeskOccupancyChanged(LocationEvent):
    """Someone took or left the desk ``desk_id``. ``displaced_id``: the staff member who sat
    there and was replaced by someone else (taken over, or gone idle); their views are told
    at once."""

    desk_id: int
    displaced_id: int | None = None


def present(desk: Desk, idle_minutes: int, now: datetime | None = None, busy: bool = False) -> bool:
    """Whether ``desk``'s occupant still counts as sitting there: not gone idle, or ``busy``
    (a ticket is called to or served at the desk)."""
    if desk.occupant_id is None:
        return False
    if idle_minutes <= 0 or busy:
        return True
    seen = desk.occupant_seen_at or desk.occupied_at
    if seen is None:
        return True
    return (now or clock.now()) - seen < timedelta(minutes=idle_minutes)


def occupant_json(
    desk: Desk, idle_minutes: int, now: datetime | None = None, busy: bool = False
) -> dict[str, Any]:
    """``occupant`` ({"id", "display_name"} or None) and ``occupied_since`` of ``desk`` as
    staff views show them: an occupant gone idle is shown as gone. ``busy``: a ticket is
    called to or served at the desk."""
    if not present(desk, idle_minutes, now, busy) or desk.occupant is None:
        return {"occupant": None, "occupied_since": None}
    return {
        "occupant": {"id": desk.occupant.id, "display_name": desk.occupant.display_name},
        "occupied_since": desk.occupied_at.isoformat() if desk.occupied_at else None,
    }


def busy_desks(session: Session, desks: list[Desk], idle_minutes: int) -> set[int]:
    """Of ``desks``, those whose occupant would count as gone but has a ticket called or
    served there (asked of the database only when there is such an occupant)."""
    now = clock.now()
    idle = [d.id for d in desks if d.occupant_id is not None and not present(d, idle_minutes, now)]
    if not idle:
        return set()
    query = select(Ticket.desk_id).where(
        Ticket.desk_id.in_(idle), Ticket.state.in_((TicketState.CALLED, TicketState.SERVING))
    )
    return {desk_id for desk_id in session.scalars(query) if desk_id is not None}


def occupy(
    session: Session,
    desk: Desk,
    staff: Staff,
    take_over: bool = False,
    idle_minutes: int = DEFAULT_IDLE_MINUTES,
) -> Desk:
    """``staff`` sits down at ``desk`` (the caller locks it: ``get_desk(..., for_update=True)``).

    Someone else sitting there (not gone idle) refuses it with ``DeskTaken`` unless
    ``take_over``; then, or when the one sitting there had gone idle, they are replaced and
    told. The desk ``staff`` sat at before is freed. Sitting there already: only noted."""
    _check_open(desk)
    now = clock.now()
    if desk.occupant_id == staff.id:
        _seen(desk, now, always=True)
        session.flush()
        return desk
    if not take_over and _present(session, desk, idle_minutes, now):
        raise _taken(desk)
    displaced = desk.occupant_id
    _leave_others(session, staff, desk)
    desk.occupant = staff
    desk.occupant_id = staff.id
    desk.occupied_at = now
    desk.occupant_seen_at = now
    session.flush()
    record(
        session,
        DeskOccupancyChanged(desk.location_id, desk.id, displaced_id=displaced),
        keep=desk,
    )
    return desk


def leave(session: Session, desk: Desk, staff: Staff) -> Desk:
    """``staff`` leaves ``desk``; nothing happens when they do not sit there (any more)."""
    if desk.occupant_id == staff.id:
        _free(session, desk)
        session.flush()
    return desk


# The desks one staff member occupies (one, or none; more only after a race), locked.
_DESKS_OF = (
    select(Desk)
    .where(Desk.occupant_id == bindparam("staff_id"))
    .with_for_update()
    .execution_options(populate_existing=True)
)


def leave_everywhere(session: Session, staff_id: int) -> list[Desk]:
    """Free every desk the staff member ``staff_id`` sits at (they signed out)."""
    desks = list(session.scalars(_DESKS_OF, {"staff_id": staff_id}))
    for desk in desks:
        _free(session, desk)
    if desks:
        session.flush()
    return desks


def claim_for_call(
    session: Session,
    desk: Desk,
    staff: Staff,
    idle_minutes: int = DEFAULT_IDLE_MINUTES,
    note_seen: bool = True,
) -> None:
    """Before ``staff`` calls to ``desk``: the occupant passes (and is seen), a free desk (or
    one whose occupant has gone idle) becomes theirs, and anyone else is refused
    (``DeskTaken``) before anything changes. ``note_seen`` False: the caller notes the
    occupant as seen with the call itself (``tickets``' one statement on PostgreSQL)."""
    if desk.occupant_id == staff.id:
        if note_seen:
            _seen(desk, clock.now())
        return
    occupy(session, desk, staff, take_over=False, idle_minutes=idle_minutes)


def check_mover(
    session: Session,
    desk: Desk | None,
    staff: Staff | None,
    idle_minutes: int = DEFAULT_IDLE_MINUTES,
) -> None:
    """Before ``staff`` recalls, starts, finishes or marks absent the ticket at ``desk``: only
    the occupant may, while someone sits there (``DeskTaken`` for anyone else). At a free
    desk, or one whose occupant has gone idle, anyone with the permission may."""
    if desk is None:
        return
    if staff is not None and desk.occupant_id == staff.id:
        _seen(desk, clock.now())
        return
    if _present(session, desk, idle_minutes, clock.now()):
        raise _taken(desk)


# --- internals --------------------------------------------------------------------------


# Whether a ticket is called to or served at a desk (``:desk_id``).
_BUSY = (
    select(Ticket.id)
    .where(
        Ticket.desk_id == bindparam("desk_id"),
        Ticket.state.in_((TicketState.CALLED, TicketState.SERVING)),
    )
    .limit(1)
)


def _present(session: Session, desk: Desk, idle_minutes: int, now: datetime) -> bool:
    """``present``, asking the database whether the desk is busy only when the occupant
    would otherwise count as gone."""
    if present(desk, idle_minutes, now):
        return True
    if desk.occupant_id is None:
        return False
    return session.scalar(_BUSY, {"desk_id": desk.id}) is not None


def _check_open(desk: Desk) -> None:
    if not desk.active:
        raise InvalidInput("desk_closed", desk=desk.name)


def _taken(desk: Desk) -> DeskTaken:
    occupant = desk.occupant
    name = occupant.display_name if occupant is not None else "?"
    return DeskTaken("desk_taken", desk=desk.name, occupant=name)


def seen_due(desk: Desk, now: datetime) -> bool:
    """Whether an action of the occupant at ``now`` is to be noted (at most every
    SEEN_EVERY)."""
    seen = desk.occupant_seen_at
    return seen is None or now - seen >= SEEN_EVERY


def _seen(desk: Desk, now: datetime, always: bool = False) -> None:
    """Note the occupant's action at the desk (at most every SEEN_EVERY unless ``always``)."""
    if always or seen_due(desk, now):
        desk.occupant_seen_at = now


def _free(session: Session, desk: Desk) -> None:
    desk.occupant = None
    desk.occupant_id = None
    desk.occupied_at = None
    desk.occupant_seen_at = None
    record(session, DeskOccupancyChanged(desk.location_id, desk.id), keep=desk)


_OTHER_DESKS_OF = (
    select(Desk)
    .where(Desk.occupant_id == bindparam("staff_id"), Desk.id != bindparam("desk_id"))
    .with_for_update()
    .execution_options(populate_existing=True)
)


def _leave_others(session: Session, staff: Staff, desk: Desk) -> None:
    """A staff member sits at one desk at a time: taking ``desk`` frees the others."""
    for other in session.scalars(_OTHER_DESKS_OF, {"staff_id": staff.id, "desk_id": desk.id}):
        _free(session, other)


_OCCUPIED_DESKS = select(Desk).where(
    Desk.location_id == bindparam("location_id"), Desk.active, Desk.occupant_id.is_not(None)
)


def idle_since(idle_minutes: int, now: datetime | None = None) -> datetime:
    """An occupant not seen since then has gone idle (``present``); with ``idle_minutes`` 0
    nobody does (a moment before any desk was taken)."""
    if idle_minutes <= 0:
        return datetime(1970, 1, 1, tzinfo=UTC)
    return (now or clock.now()) - timedelta(minutes=idle_minutes)


def seated_here(staff_id: Any, location_id: Any, since: Any) -> ColumnElement[bool]:
    """``present`` in SQL, for the queue's own statement (``tickets``): whether the staff
    member ``staff_id`` sits at an active desk of ``location_id`` and counts as there: seen
    after ``since`` (``idle_since``; never seen counts as there), or with a ticket called to
    or served at the desk. Arguments are SQL expressions (columns or bound parameters)."""
    desk, ticket = aliased(Desk), aliased(Ticket)
    seen = func.coalesce(desk.occupant_seen_at, desk.occupied_at)
    busy = select(ticket.id).where(ticket.desk_id == desk.id, ticket.state.in_(_AT_A_DESK)).exists()
    return (
        select(desk.id)
        .where(
            desk.location_id == location_id,
            desk.active,
            desk.occupant_id == staff_id,
            or_(seen.is_(None), seen > since, busy),
        )
        .exists()
    )


_AT_A_DESK = (TicketState.CALLED, TicketState.SERVING)


def on_duty_staff(session: Session, location_id: int, idle_minutes: int) -> frozenset[int]:
    """The staff members sitting at an active desk of the location now, by the desks' own
    rule (``present``: not gone idle, or with a ticket at the desk)."""
    occupied = list(session.scalars(_OCCUPIED_DESKS, {"location_id": location_id}))
    if not occupied:
        return frozenset()
    busy = busy_desks(session, occupied, idle_minutes)
    now = clock.now()
    return frozenset(
        d.occupant_id
        for d in occupied
        if d.occupant_id is not None and present(d, idle_minutes, now, d.id in busy)
    )
