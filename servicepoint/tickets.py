"""Queue operations: plain verbs on a Session.

Each function changes objects, flushes, records a TicketEvent, records a ``TicketMoved``
event in the session's outbox and returns its result. None of them commits, emits or reads
a request; an illegal move raises a QueueError and changes nothing.

The rules live here once: which moves a ticket allows now (``move_allowed``, and
``allowed_moves`` for what a staff page may offer), which topics a staff member serves and
the calling order (``waiting_tickets``), which call-next and every page's "next" use.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import (
    Boolean,
    Integer,
    Select,
    String,
    Table,
    and_,
    bindparam,
    case,
    false,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from servicepoint import access, clock, desks, offer, order, rows, text
from servicepoint.discreet import neutral_prefix
from servicepoint.errors import (
    DeskBusy,
    IllegalTransition,
    InvalidInput,
    NotFound,
    NothingToCall,
    TicketNotWaiting,
    TopicClosed,
    TopicNotServed,
)
from servicepoint.events import LocationEvent, record
from servicepoint.models import (
    Appointment,
    AppointmentState,
    ClientCard,
    Desk,
    Location,
    Staff,
    Ticket,
    TicketChannel,
    TicketCounter,
    TicketEvent,
    TicketState,
    Topic,
    UTCDateTime,
    new_public_token,
)
from servicepoint.stats import facts

if TYPE_CHECKING:  # estimates reads the queue from here
    from servicepoint.estimates import Estimates

S = TicketState
T = TypeVar("T")

# Which states each move may start from; the move's target state is fixed by the function.
ALLOWED_FROM: dict[str, frozenset[str]] = {
    "call": frozenset({S.WAITING}),
    "recall": frozenset({S.CALLED}),
    "start": frozenset({S.CALLED}),
    "finish": frozenset({S.CALLED, S.SERVING}),
    "no_show": frozenset({S.CALLED}),
    # Also the undo of a finish, a no-show or a cancel by mistake (same service day only).
    "requeue": frozenset({S.CALLED, S.SERVING, S.NO_SHOW, S.DONE, S.CANCELLED}),
    "transfer": frozenset({S.WAITING, S.CALLED, S.SERVING}),
    "cancel": frozenset({S.WAITING, S.CALLED}),
}

# The moves as the API and the pages name them (the endpoint after /tickets/<id>/).
MOVE_NAMES: dict[str, str] = {move: move.replace("_", "-") for move in ALLOWED_FROM}

# Moves after which the tickets still waiting may stand at another place.
REORDERING = frozenset({"call", "cancel", "requeue", "transfer"})

ACTIVE_AT_DESK = (S.CALLED, S.SERVING)


@dataclass(frozen=True)
class TicketMoved(LocationEvent):
    """A ticket was issued (``kind`` "issued") or moved (a key of ALLOWED_FROM)."""

    ticket_id: int
    kind: str

    @property
    def reorders(self) -> bool:
        """Whether the waiting tickets behind this one may now stand at another place."""
        return self.kind in REORDERING

    @property
    def is_call(self) -> bool:
        return self.kind in ("call", "recall")


@dataclass(frozen=True)
class Issued:
    """A freshly issued ticket and how many people wait before it."""

    ticket: Ticket
    position: int
    # True when the request was a repeat and this ticket had been drawn before.
    repeated: bool = False


# --- lookups ----------------------------------------------------------------------------
# The statements of the busiest requests are built once, with bound parameters: building a
# statement costs about as much as running it.

_LOCATION_BY_SLUG = select(Location).where(Location.slug == bindparam("slug"))
_LOCATION_WITH_DESKS = _LOCATION_BY_SLUG.options(joinedload(Location.desks))
_TOPIC_BY_KEY = select(Topic).where(
    Topic.location_id == bindparam("location_id"), Topic.key == bindparam("key")
)
_TICKET_BY_REQUEST = select(Ticket).where(
    Ticket.location_id == bindparam("location_id"), Ticket.request_id == bindparam("request_id")
)


def _by(column: Any, *related: Any) -> tuple[Select[Any], Select[Any]]:
    """The row whose ``column`` is ``:value``, as read and locked until the commit, read
    with its location and that location's topics (every caller asks whether the staff
    member may act there, and which topics they serve) and what else is ``related``.

    Locked, another transaction moving the same row waits and then sees the new state
    (PostgreSQL; SQLite's BEGIN IMMEDIATE already lets one writer in at a time). Only the
    row itself is locked, not what is read with it."""
    kind = column.class_
    query = (
        select(kind)
        .where(column == bindparam("value"))
        .options(
            joinedload(kind.location, innerjoin=True).joinedload(Location.topics),
            *(joinedload(relation) for relation in related),
        )
    )
    locked = query.with_for_update(of=kind).execution_options(populate_existing=True)
    return query, locked


_DESK_BY_ID = _by(Desk.id)
_TICKET_BY_ID = _by(Ticket.id, Ticket.desk)
_TICKET_BY_TOKEN = _by(Ticket.public_token, Ticket.desk)


def get_location(session: Session, slug: str, with_desks: bool = False) -> Location:
    """The active location with this slug, or NotFound (also for what cannot be a slug).

    ``with_desks``: its desks are read in the same statement (for an estimated wait)."""
    location = None
    if text.SLUG.matches(slug):
        query = _LOCATION_WITH_DESKS if with_desks else _LOCATION_BY_SLUG
        location = session.scalars(query, {"slug": slug}).unique().first()
    if location is None or not location.active:
        raise NotFound("no_location", slug=text.shown(slug))
    return location


def get_topic(session: Session, location: Location, key: str) -> Topic:
    """The topic ``key`` of ``location``, or NotFound (also for what cannot be a key)."""
    topic = (
        session.scalar(_TOPIC_BY_KEY, {"location_id": location.id, "key": key})
        if text.TOPIC_KEY.matches(key)
        else None
    )
    if topic is None:
        raise NotFound("no_topic", field="topic", key=text.shown(key), location=location.name)
    return topic


def _one(
    session: Session, queries: tuple[Select[Any], Select[Any]], value: object, for_update: bool
) -> Any:
    found = session.scalars(queries[1] if for_update else queries[0], {"value": value})
    return found.unique().first()


def get_desk(session: Session, desk_id: int, for_update: bool = False) -> Desk:
    """The desk with this id, or NotFound; ``for_update`` locks it until the commit."""
    desk: Desk | None = _one(session, _DESK_BY_ID, desk_id, for_update)
    if desk is None:
        raise NotFound("no_desk", id=desk_id)
    return desk


def get_ticket_by_token(session: Session, token: str, for_update: bool = False) -> Ticket:
    """The ticket behind a status-page token, or NotFound (also for what cannot be a
    token); ``for_update`` locks it."""
    if not text.TICKET_TOKEN.matches(token):
        raise NotFound("no_ticket_link")
    ticket: Ticket | None = _one(session, _TICKET_BY_TOKEN, token, for_update)
    if ticket is None:
        raise NotFound("no_ticket_link")
    return ticket


def get_ticket(session: Session, ticket_id: int, for_update: bool = False) -> Ticket:
    """The ticket with this id, or NotFound; ``for_update`` locks it until the commit."""
    ticket: Ticket | None = _one(session, _TICKET_BY_ID, ticket_id, for_update)
    if ticket is None:
        raise NotFound("no_ticket", field="ticket_id", id=ticket_id)
    return ticket


def today(location: Location) -> date:
    """The location's current service day in its own time zone."""
    return clock.service_day(clock.now(), location.timezone)


# --- numbering --------------------------------------------------------------------------


@functools.cache
def _next_number_statement(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    counters = cast(Table, TicketCounter.__table__)
    return (
        insert(counters)
        .values(
            location_id=bindparam("location_id"),
            prefix=bindparam("prefix"),
            service_day=bindparam("day"),
            last_number=1,
        )
        .on_conflict_do_update(
            index_elements=["location_id", "prefix", "service_day"],
            set_={"last_number": counters.c.last_number + 1},
        )
        .returning(counters.c.last_number)
    )


def ticket_prefix(location: Location, topic: Topic) -> str:
    """The letter a new ticket of ``topic`` starts with: the topic's own, or the location's
    neutral letter for a discreet topic."""
    if not topic.discreet:
        return topic.prefix
    prefix = neutral_prefix(location)
    if prefix is None:
        raise TopicClosed("no_neutral_letter", field="topic", location=location.name)
    return prefix


def next_number(session: Session, location_id: int, prefix: str, day: date) -> int:
    """Advance and return the day's counter for (location, prefix) in one atomic upsert.

    The counter row lives in the same transaction as the ticket insert, so a rolled-back
    ticket gives its number back: numbers stay gapless and, with the unique constraint on
    tickets, unique under any number of concurrent writers.
    """
    statement = _next_number_statement(session.get_bind().dialect.name)
    values = {"location_id": location_id, "prefix": prefix, "day": day}
    number: int = session.execute(statement, values).scalar_one()
    return number


# --- queue reads ------------------------------------------------------------------------


def served_topic_ids(location: Location, staff: Staff | None) -> list[int]:
    """The location's topics ``staff`` serves: those of their membership there, or all of
    them when the membership names none; none where they are not a member (an admin who is
    not a member serves all). ``staff`` None: all (what a location shows as a whole).

    Inactive topics count too: closing a topic stops new tickets, not the people waiting.
    """
    topics = list(location.topics)
    if staff is not None:
        membership = staff.membership(location.id)
        if membership is None:
            return [t.id for t in topics] if staff.is_admin else []
        chosen = {t.id for t in membership.topics}
        if chosen:
            topics = [t for t in topics if t.id in chosen]
    return [t.id for t in topics]


def serves(ticket: Ticket, staff: Staff | None) -> bool:
    """Whether ``staff`` serves ``ticket``'s topic where it was drawn (``served_topic_ids``)."""
    return ticket.topic_id in served_topic_ids(ticket.location, staff)


def check_serves(ticket: Ticket, staff: Staff) -> None:
    """Refuse calling ``ticket`` for a counselor who does not serve its topic there (403
    ``topic_not_served``, naming the topic and the location). Call-next never needs it: it
    takes only topics served; the other moves act on tickets already called or waiting at a
    location where the counselor works, whatever their topic (``docs/architecture.md``)."""
    if not serves(ticket, staff):
        raise TopicNotServed(
            "topic_not_served",
            field="ticket_id",
            code=ticket.code,
            topic=ticket.topic.name("de"),
            location=ticket.location.name,
        )


# Today's waiting tickets of a location (``:location_id``, ``:day``) in calling order, and of
# some topics only (``:topic_ids``): the one order call-next, every "next", the desk's list and
# positions follow.
_WAITING = (
    select(Ticket)
    .where(
        Ticket.location_id == bindparam("location_id"),
        Ticket.service_day == bindparam("day"),
        Ticket.state == S.WAITING,
    )
    .order_by(Ticket.issued_at, Ticket.id)
)
_WAITING_OF_TOPICS = _WAITING.where(Ticket.topic_id.in_(bindparam("topic_ids", expanding=True)))
_NEXT = _WAITING_OF_TOPICS.limit(1)
_NEXT_LOCKED = _NEXT.with_for_update(skip_locked=True)


def waiting_tickets(location: Location, topic_ids: list[int] | None = None) -> Select[Ticket]:
    """Today's waiting tickets of ``location`` (optionally only these topics) in calling
    order: the one order call-next, every "next", the desk's list and positions follow."""
    values: dict[str, Any] = {"location_id": location.id, "day": today(location)}
    if topic_ids is None:
        return _WAITING.params(values)
    return _WAITING_OF_TOPICS.params(values, topic_ids=topic_ids)


def people_ahead(session: Session, ticket: Ticket, situation: order.Situation | None = None) -> int:
    """How many waiting tickets stand before this one in the calling order
    (``order.people_ahead``: of its topic for whoever serves it; an appointment's ticket
    counts the appointments due before it)."""
    if ticket.state != S.WAITING:
        return 0
    rows = waiting_entries(session, ticket.location_id, ticket.service_day)
    return order.people_ahead(rows, order.Entry.of(ticket), situation or default_situation())


# Today's waiting tickets of a location as the calling order reads them (no objects loaded;
# a statement on the table never flushes first).
# The columns the calling order reads of a waiting ticket (``order.Entry``), in its order.
ENTRY_COLUMNS = (
    Ticket.id,
    Ticket.topic_id,
    Ticket.channel,
    Ticket.issued_at,
    Ticket.due_at,
    Ticket.for_staff_id,
)
_tickets = Ticket.__table__.c
_WAITING_ENTRIES = select(*(_tickets[column.key] for column in ENTRY_COLUMNS)).where(
    _tickets.location_id == bindparam("location_id"),
    _tickets.service_day == bindparam("day"),
    _tickets.state == S.WAITING,
)


def waiting_entries(session: Session, location_id: int, day: date) -> list[order.Entry]:
    """Today's waiting tickets of a location as the calling order reads them (one statement,
    no objects)."""
    return [
        order.Entry._make(row)
        for row in session.execute(_WAITING_ENTRIES, {"location_id": location_id, "day": day})
    ]


def default_situation(now: datetime | None = None) -> order.Situation:
    """The calling order's situation when nothing more is known: now, nobody counted on
    duty, the default settings."""
    return order.Situation(now or clock.now())


def ticket_at_desk(session: Session, desk: Desk) -> Ticket | None:
    """The ticket currently called to or served at ``desk``, if any."""
    return session.scalar(_AT_DESK, {"desk_id": desk.id})


_AT_DESK = (
    select(Ticket)
    .where(Ticket.desk_id == bindparam("desk_id"), Ticket.state.in_(ACTIVE_AT_DESK))
    .order_by(Ticket.called_at.desc())
    .limit(1)
)


# What call-next reads in one statement: today's waiting tickets of a location as the calling
# order reads them (``ENTRY_COLUMNS``), the ticket called to or served at the desk
# (``:desk_id``), told apart by their state, and for a ticket meant for a counselor whether
# they are on duty here (``desks.seated_here``, idle after ``:idle_since``).
_CALL_VIEW = select(
    *(_tickets[column.key] for column in ENTRY_COLUMNS),
    _tickets.state,
    case(
        (_tickets.for_staff_id.is_(None), false()),
        else_=desks.seated_here(
            _tickets.for_staff_id,
            _tickets.location_id,
            bindparam("idle_since", type_=UTCDateTime()),
        ),
    ),
).where(
    _tickets.location_id == bindparam("location_id"),
    or_(
        and_(_tickets.service_day == bindparam("day"), _tickets.state == S.WAITING),
        and_(_tickets.desk_id == bindparam("desk_id"), _tickets.state.in_(ACTIVE_AT_DESK)),
    ),
)


def _call_view(
    session: Session, location: Location, desk: Desk, idle_minutes: int
) -> tuple[list[order.Entry], frozenset[int], Ticket | None]:
    """Today's waiting tickets of ``location`` as the order reads them, the counselors they
    are meant for who are on duty here (what the order asks of who is on duty), and the
    ticket called to or served at ``desk`` (as ``ticket_at_desk`` answers), if any."""
    values = {
        "location_id": location.id,
        "day": today(location),
        "desk_id": desk.id,
        "idle_since": desks.idle_since(idle_minutes),
    }
    entries: list[order.Entry] = []
    on_duty: set[int] = set()
    at_desk: list[int] = []
    entry, waiting = order.Entry, S.WAITING
    found: list[Any] = list(session.execute(_CALL_VIEW, values).all())
    for ident, topic, channel, issued, due, meant_for, state, here in found:
        if state == waiting:
            entries.append(entry(ident, topic, channel, issued, due, meant_for))
            if here:
                on_duty.add(meant_for)
        else:
            at_desk.append(ident)
    if not at_desk:
        return entries, frozenset(on_duty), None
    if len(at_desk) == 1:
        return entries, frozenset(on_duty), session.get_one(Ticket, at_desk[0])
    return entries, frozenset(on_duty), ticket_at_desk(session, desk)  # never two: the last


# Call one waiting ticket (``:ticket``) to a desk (``:to_desk``) for a counselor
# (``:by_staff``) at ``:at`` in one statement, and read it back: nothing when it is no longer
# waiting or another transaction holds it (PostgreSQL skips a locked row rather than wait for
# it; SQLite lets one writer in at a time).
_ticket_table = cast(Table, Ticket.__table__)
_appointments = cast(Table, Appointment.__table__)
_AT = bindparam("at", type_=UTCDateTime())
_TO_DESK = bindparam("to_desk", type_=Integer())
_BY_STAFF = bindparam("by_staff", type_=Integer())
_CLAIM = (
    update(_ticket_table)
    .where(
        _ticket_table.c.id
        == select(_ticket_table.c.id)
        .where(_ticket_table.c.id == bindparam("ticket"), _ticket_table.c.state == S.WAITING)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    .values(
        state=S.CALLED,
        desk_id=_TO_DESK,
        staff_id=_BY_STAFF,
        called_at=_AT,
        call_count=_ticket_table.c.call_count + 1,
        version=_ticket_table.c.version + 1,
    )
    .returning(*_ticket_table.c)
)
_CLAIM_ALONE = select(Ticket).from_statement(_CLAIM).execution_options(populate_existing=True)
# On PostgreSQL the whole call is that one statement: the ticket called, its appointment
# following it and its history row written (what ``_moved`` writes for every other move, and
# for this one on SQLite), and the desk's occupant noted as seen (``desks.claim_for_call``).
_claimed = _CLAIM.cte("claimed")
_desk_table = cast(Table, Desk.__table__)
_CLAIM_WHOLE = (
    select(Ticket)
    .from_statement(
        select(_claimed).add_cte(
            update(_appointments)
            .where(_appointments.c.ticket_id.in_(select(_claimed.c.id)))
            .values(state=AppointmentState.CALLED)
            .cte("appointment_called"),
            insert(cast(Table, TicketEvent.__table__))
            .from_select(
                ["ticket_id", "at", "kind", "from_state", "to_state", "staff_id", "desk_id"],
                select(
                    _claimed.c.id,
                    _AT,
                    literal("call", String()),
                    literal(S.WAITING.value, String()),
                    literal(S.CALLED.value, String()),
                    _BY_STAFF,
                    _TO_DESK,
                ),
            )
            .cte("call_noted"),
            update(_desk_table)
            .where(
                _desk_table.c.id == _TO_DESK,
                bindparam("note_seen", type_=Boolean()),
                select(_claimed.c.id).exists(),
            )
            .values(occupant_seen_at=_AT)
            .cte("occupant_seen"),
        )
    )
    .execution_options(populate_existing=True)
)


def _claim(
    session: Session, ticket_id: int, desk: Desk, staff: Staff, whole: bool = False
) -> Ticket | None:
    """Call the waiting ticket ``ticket_id`` to ``desk`` for ``staff``, with what follows a
    move (``_moved``), or None (nothing changed) when someone else has just taken it.
    ``whole`` (PostgreSQL): in one statement, the occupant noted as seen with it."""
    now = clock.now()
    values: dict[str, Any] = {
        "ticket": ticket_id,
        "to_desk": desk.id,
        "by_staff": staff.id,
        "at": now,
    }
    if whole:  # the occupant's action noted as ``desks.claim_for_call`` would
        values["note_seen"] = desk.occupant_id == staff.id and desks.seen_due(desk, now)
    ticket: Ticket | None = session.scalars(_CLAIM_WHOLE if whole else _CLAIM_ALONE, values).first()
    if ticket is None:
        return None
    if whole:
        if values["note_seen"]:
            set_committed_value(desk, "occupant_seen_at", now)
        facts.ticket_moved(session, ticket, S.WAITING)
        _announce(session, ticket, "call")
    else:
        _moved(session, ticket, "call", S.WAITING, staff, desk.id)
    return ticket


def move_allowed(ticket: Ticket, move: str, day: date | None = None) -> bool:
    """Whether ``move`` (a key of ALLOWED_FROM) is possible on ``ticket`` now.

    ``day`` is the location's service day today (computed when not given).
    """
    if ticket.state not in ALLOWED_FROM[move]:
        return False
    if move == "requeue":
        return ticket.service_day == (day or today(ticket.location))
    if move == "transfer" and ticket.state == S.WAITING:
        return len(ticket.location.topics) > 1
    return True


def allowed_moves(
    ticket: Ticket, staff: Staff | None, day: date | None = None, served: bool | None = None
) -> list[str]:
    """The moves ``staff`` may make on ``ticket`` now, named like the endpoints: "call" only
    for a ticket of a topic they serve (``served``, worked out when not given)."""
    if not access.allowed(staff, access.Permission.MOVE_TICKETS, ticket.location):
        return []
    day = day or today(ticket.location)
    if served is None:
        served = serves(ticket, staff)
    return [
        MOVE_NAMES[move]
        for move in ALLOWED_FROM
        if move_allowed(ticket, move, day) and (served or move != "call")
    ]


def moves_for(
    location: Location, staff: Staff | None, day: date | None = None
) -> Callable[[Ticket], list[str]]:
    """``allowed_moves`` of ``staff`` for many tickets of ``location`` at once (a whole queue).

    What ``move_allowed`` and ``allowed_moves`` answer depends on nothing but the staff
    member's permission at the location, the location's topics, the ticket's state, whether
    the ticket is of ``day`` and whether they serve its topic; each such case is worked out
    once, by
    ``allowed_moves`` itself, and its answer shared (do not change the lists).
    """
    day = day or today(location)
    served = frozenset(served_topic_ids(location, staff))
    known: dict[tuple[str, bool, bool], list[str]] = {}

    def moves(ticket: Ticket) -> list[str]:
        case = (ticket.state, ticket.service_day == day, ticket.topic_id in served)
        found = known.get(case)
        if found is None:
            found = known[case] = allowed_moves(ticket, staff, day, case[2])
        return found

    return moves


ACTIVE_STATES = frozenset({S.WAITING, S.CALLED, S.SERVING})


def is_open(ticket: Ticket) -> bool:
    """Whether the ticket is still in play today (waiting, called or being served)."""
    return ticket.state in ACTIVE_STATES and ticket.service_day == today(ticket.location)


def has_expired(ticket: Ticket) -> bool:
    """A ticket of an earlier day that never ended: it has simply lapsed."""
    return ticket.state in ACTIVE_STATES and ticket.service_day != today(ticket.location)


def may_cancel_own(ticket: Ticket) -> bool:
    """Whether the visitor may still give up this ticket's place from the phone."""
    return move_allowed(ticket, "cancel") and ticket.service_day == today(ticket.location)


def caller(location: Location, staff: Staff | None) -> order.Caller:
    """``staff`` as the calling order sees them at ``location`` (None: whoever serves)."""
    return order.Caller(
        staff.id if staff is not None else None, frozenset(served_topic_ids(location, staff))
    )


def situation(
    session: Session,
    location: Location,
    settings: order.OrderSettings | None = None,
    medians: Mapping[int, float] | Callable[[], Mapping[int, float]] | None = None,
    idle_minutes: int = desks.DEFAULT_IDLE_MINUTES,
) -> order.Situation:
    """The calling order's situation at ``location`` now: who is on duty (the desks' rule),
    the topics' median service times (``medians``, from the estimator; none: the default)."""
    return order.Situation(
        clock.now(),
        lambda: desks.on_duty_staff(session, location.id, idle_minutes),
        medians or {},
        settings or order.OrderSettings(),
    )


# One waiting ticket by id, locked until the commit unless another transaction holds it.
_WAITING_BY_ID = select(Ticket).where(Ticket.id == bindparam("id"), Ticket.state == S.WAITING)
_WAITING_BY_ID_LOCKED = _WAITING_BY_ID.with_for_update(skip_locked=True).execution_options(
    populate_existing=True
)


def next_for(
    session: Session,
    location: Location,
    staff: Staff | None,
    lock: bool = False,
    where: order.Situation | None = None,
) -> Ticket | None:
    """The ticket call-next would call for ``staff`` at ``location`` now (``order``), or None.

    With ``lock`` (PostgreSQL) the row is locked until the commit and rows other
    transactions have locked are skipped (the next in order is taken), so two counselors
    never get the same ticket. ``where``: the order's situation (``situation``).
    """
    locked = lock and session.get_bind().dialect.name == "postgresql"
    entries = waiting_entries(session, location.id, today(location))
    chosen = order.calling_order(entries, caller(location, staff), where or default_situation())
    for entry in chosen:
        query = _WAITING_BY_ID_LOCKED if locked else _WAITING_BY_ID
        ticket: Ticket | None = session.scalar(query, {"id": entry.id})
        if ticket is not None:
            return ticket
    return None


def first_in_order(
    waiting: Iterable[Ticket], who: order.Caller, where: order.Situation
) -> Ticket | None:
    """What ``next_for`` answers, taken from today's waiting tickets already read."""
    found = order.calling_order(waiting, who, where)
    return found[0] if found else None


# --- moves ------------------------------------------------------------------------------


def issue_ticket(
    session: Session,
    location: Location,
    topic: Topic,
    language: str,
    request_id: str | None = None,
    hours: offer.Hours | None = None,
    estimates: Estimates | None = None,
    card: ClientCard | None = None,
) -> Issued:
    """Draw the next ticket for ``topic`` at ``location``; no personal data is needed.

    A discreet topic's ticket is numbered in the location's neutral series
    (``ticket_prefix``), shared by all its discreet topics.

    With a ``request_id`` the kiosk chose for this tap, a repeated request (a retry after a
    lost answer) returns the ticket already drawn instead of a second one.

    With a client ``card`` the ticket is meant for the card's counselor first (channel
    ``card``; ``order``), who must serve the topic here.
    """
    if request_id is not None:
        earlier = session.scalar(
            _TICKET_BY_REQUEST, {"location_id": location.id, "request_id": request_id}
        )
        if earlier is not None:
            if earlier.topic_id != topic.id:
                raise InvalidInput("request_id_reused", field="request_id")
            return Issued(earlier, people_ahead(session, earlier), repeated=True)
    if topic.location_id != location.id:
        raise InvalidInput("topic_elsewhere", field="topic", key=topic.key, location=location.name)
    if not topic.active:
        raise TopicClosed("topic_closed", field="topic", topic=topic.name("en"))
    now = clock.now()
    offered = offer.location_offer(session, location, hours, now, topic, estimates).of(topic)
    if not offered.open:
        raise TopicClosed(
            {"full": "topic_full", "cap_reached": "topic_cap_reached"}.get(
                offered.reason or "", "topic_closed"
            ),
            field="topic",
            topic=topic.name("en"),
            details=offered.json(),
        )
    day = clock.service_day(now, location.timezone)
    meant_for = None
    if card is not None:
        meant_for = cards_for_ticket(card, location, topic)
        card.last_used_at = now
    ticket = _new_ticket(
        session,
        location,
        topic,
        ticket_prefix(location, topic),
        language,
        now,
        day,
        request_id=request_id,
        channel=TicketChannel.CARD if card is not None else TicketChannel.WALK_IN,
        for_staff_id=meant_for,
        card_id=card.id if card is not None else None,
    )
    return Issued(ticket, people_ahead(session, ticket))


class CardNotValid(InvalidInput):
    """The card cannot draw this ticket: withdrawn, or its counselor does not serve the
    topic here."""

    code = "card_not_valid"


def cards_for_ticket(card: ClientCard, location: Location, topic: Topic) -> int:
    """The counselor a ticket drawn with ``card`` for ``topic`` is meant for; refused when
    the card is withdrawn or its counselor does not serve the topic here."""
    if not card.active or card.staff is None or not card.staff.active:
        raise CardNotValid("card_inactive", field="card")
    if topic.id not in served_topic_ids(location, card.staff):
        raise CardNotValid(
            "card_topic_not_served",
            field="topic",
            name=card.staff.display_name,
            location=location.name,
        )
    return card.staff.id


def issue_for_appointment(
    session: Session,
    location: Location,
    topic: Topic,
    language: str,
    *,
    staff_id: int | None,
    due_at: datetime | None,
    prefix: str,
    request_id: str | None = None,
) -> Ticket:
    """The ticket an appointment's check-in issues, whatever the kiosk offers now: in time
    (``due_at`` given) one of the location's appointment series (``prefix``) due at the
    appointment's start; late (``due_at`` None) a walk-in of the topic meant for the
    appointment's counselor first (channel ``late``)."""
    now = clock.now()
    day = clock.service_day(now, location.timezone)
    late = due_at is None
    return _new_ticket(
        session,
        location,
        topic,
        ticket_prefix(location, topic) if late else prefix,
        language,
        now,
        day,
        request_id=request_id,
        channel=TicketChannel.LATE if late else TicketChannel.APPOINTMENT,
        for_staff_id=staff_id,
        due_at=due_at,
    )


def _new_ticket(
    session: Session,
    location: Location,
    topic: Topic,
    prefix: str,
    language: str,
    now: datetime,
    day: date,
    **values: Any,
) -> Ticket:
    number = next_number(session, location.id, prefix, day)
    ticket = _add_ticket(
        session,
        location,
        topic,
        service_day=day,
        prefix=prefix,
        number=number,
        code=f"{prefix}{number:03d}",
        state=S.WAITING,
        language=language,
        issued_at=now,
        version=1,  # its first change: being issued
        **values,
    )
    _history(session, ticket, "issued", None, S.WAITING, None, None)
    _announce(session, ticket, "issued")
    return ticket


def _add_ticket(session: Session, location: Location, topic: Topic, **values: Any) -> Ticket:
    """Insert a new ticket with one statement and return it as a loaded object."""
    return rows.insert_loaded(
        session,
        Ticket,
        {"location": location, "topic": topic},
        location_id=location.id,
        topic_id=topic.id,
        called_at=None,
        started_at=None,
        finished_at=None,
        desk_id=None,
        staff_id=None,
        call_count=0,
        public_token=new_public_token(),
        **(_NEW_TICKET_DEFAULTS | values),
    )


# The columns a drawn ticket usually leaves empty (``_add_ticket`` names every column).
_NEW_TICKET_DEFAULTS: dict[str, Any] = {
    "request_id": None,
    "channel": TicketChannel.WALK_IN,
    "for_staff_id": None,
    "due_at": None,
    "card_id": None,
}


def call_next(
    session: Session,
    desk: Desk,
    staff: Staff,
    idle_minutes: int = desks.DEFAULT_IDLE_MINUTES,
    settings: order.OrderSettings | None = None,
    medians: Mapping[int, float] | Callable[[], Mapping[int, float]] | None = None,
) -> Ticket:
    """Call the next waiting ticket for ``staff`` to ``desk`` in the calling order
    (``order``, ``next_for``: ``settings`` and the topics' ``medians`` shape it).

    Only the desk's occupant calls to it: anyone else is refused (``DeskTaken``) while they
    sit there; a free desk (or one whose occupant has been idle ``idle_minutes``) becomes the
    caller's (``desks.claim_for_call``). A ticket being served at the desk is finished first;
    one that is called but not yet started blocks the desk (recall it, start it, or mark it
    absent). Two counselors pressing at once never get the same ticket: PostgreSQL skips rows
    another transaction has locked, SQLite serialises writers with BEGIN IMMEDIATE. The caller
    locks ``desk`` (``get_desk(..., for_update=True)``) so one desk never calls two tickets at
    once.
    """
    location = desk.location
    _check_desk(desk)
    whole = session.get_bind().dialect.name == "postgresql"  # the call in one statement
    desks.claim_for_call(session, desk, staff, idle_minutes, note_seen=not whole)
    entries, on_duty, current = _call_view(session, location, desk, idle_minutes)
    if current is not None:
        if current.state == S.CALLED:
            raise DeskBusy("desk_busy", code=current.code, desk=desk.name)
        _served_by_caller(current, desk, staff)
        current.finished_at = _timestamp(current, "finish")
        _move(session, current, "finish", S.DONE, staff, desk.id)
    where = order.Situation(clock.now(), on_duty, medians or {}, settings or order.OrderSettings())
    for entry in order.calling_order(entries, caller(location, staff), where):
        ticket = _claim(session, entry.id, desk, staff, whole)
        if ticket is not None:  # else another counselor has just called it: the next one
            return ticket
    raise NothingToCall("nothing_to_call", desk=desk.name)


def call_ticket(
    session: Session,
    ticket: Ticket,
    desk: Desk,
    staff: Staff,
    idle_minutes: int = desks.DEFAULT_IDLE_MINUTES,
) -> Ticket:
    """Call a chosen waiting ticket to ``desk`` out of order (only the desk's occupant may;
    a free desk becomes the caller's, as with ``call_next``)."""
    _check_desk(desk)
    if desk.location_id != ticket.location_id:
        raise InvalidInput("desk_elsewhere", field="ticket_id", desk=desk.name, code=ticket.code)
    check_serves(ticket, staff)
    desks.claim_for_call(session, desk, staff, idle_minutes)
    current = ticket_at_desk(session, desk)
    if current is not None and current.state == S.CALLED:
        raise DeskBusy("desk_busy", code=current.code, desk=desk.name)
    if ticket.state != S.WAITING:
        raise TicketNotWaiting(
            "ticket_not_waiting", code=ticket.code, terms={"state": f"state.{ticket.state}"}
        )
    if current is not None:
        _served_by_caller(current, desk, staff)
        current.finished_at = _timestamp(current, "finish")
        _move(session, current, "finish", S.DONE, staff, desk.id)
    return _call(session, ticket, desk, staff, "call")


def recall(
    session: Session, ticket: Ticket, staff: Staff, idle_minutes: int = desks.DEFAULT_IDLE_MINUTES
) -> Ticket:
    """Call a called ticket again (counted); the lobby screen announces it once more."""
    _check(ticket, "recall")
    _check_mover(session, ticket, staff, idle_minutes)
    ticket.call_count += 1
    ticket.called_at = clock.now()
    _move(session, ticket, "recall", S.CALLED, staff, ticket.desk_id)
    return ticket


def start(
    session: Session, ticket: Ticket, staff: Staff, idle_minutes: int = desks.DEFAULT_IDLE_MINUTES
) -> Ticket:
    """The visitor has arrived at the desk: counselling starts."""
    _check_mover(session, ticket, staff, idle_minutes)
    ticket.started_at = _timestamp(ticket, "start")
    _move(session, ticket, "start", S.SERVING, staff, ticket.desk_id)
    return ticket


def finish(
    session: Session, ticket: Ticket, staff: Staff, idle_minutes: int = desks.DEFAULT_IDLE_MINUTES
) -> Ticket:
    """Counselling is over."""
    _check_mover(session, ticket, staff, idle_minutes)
    ticket.finished_at = _timestamp(ticket, "finish")
    _move(session, ticket, "finish", S.DONE, staff, ticket.desk_id)
    return ticket


def no_show(
    session: Session, ticket: Ticket, staff: Staff, idle_minutes: int = desks.DEFAULT_IDLE_MINUTES
) -> Ticket:
    """The called visitor did not come; "back to the queue" undoes it."""
    _check_mover(session, ticket, staff, idle_minutes)
    ticket.finished_at = _timestamp(ticket, "no_show")
    _move(session, ticket, "no_show", S.NO_SHOW, staff, ticket.desk_id)
    return ticket


def requeue(
    session: Session, ticket: Ticket, staff: Staff, idle_minutes: int = desks.DEFAULT_IDLE_MINUTES
) -> Ticket:
    """Put a ticket back in the queue at its original place: a called or served one, or,
    to undo a slip, one marked absent, finished or cancelled earlier the same day. One at a
    desk only its occupant puts back."""
    if ticket.state in ALLOWED_FROM["requeue"] and not move_allowed(ticket, "requeue"):
        raise IllegalTransition("earlier_day", code=ticket.code)
    _check(ticket, "requeue")
    _check_mover(session, ticket, staff, idle_minutes)
    desk_id = ticket.desk_id
    _clear_desk(ticket)
    _move(session, ticket, "requeue", S.WAITING, staff, desk_id)
    return ticket


def transfer(
    session: Session,
    ticket: Ticket,
    topic: Topic,
    staff: Staff,
    idle_minutes: int = desks.DEFAULT_IDLE_MINUTES,
) -> Ticket:
    """Move a ticket to another topic's queue, keeping its original issue time and code (one
    at a desk: only by its occupant)."""
    _check(ticket, "transfer")
    _check_mover(session, ticket, staff, idle_minutes)
    if topic.location_id != ticket.location_id:
        raise InvalidInput(
            "topic_elsewhere", field="topic", key=topic.key, location=ticket.location.name
        )
    if topic.id == ticket.topic_id and ticket.state == S.WAITING:
        raise IllegalTransition(
            "already_waits", field="topic", code=ticket.code, topic=topic.name("en")
        )
    previous = ticket.topic.key
    desk_id = ticket.desk_id
    ticket.topic = topic
    _clear_desk(ticket)
    _move(
        session, ticket, "transfer", S.WAITING, staff, desk_id, {"from": previous, "to": topic.key}
    )
    return ticket


def cancel(
    session: Session,
    ticket: Ticket,
    staff: Staff | None,
    idle_minutes: int = desks.DEFAULT_IDLE_MINUTES,
) -> Ticket:
    """Take a ticket out of the queue for good (by staff, or by the visitor from the phone;
    one at a desk by staff: only by its occupant)."""
    ticket.finished_at = _timestamp(ticket, "cancel")
    if staff is not None:
        _check_mover(session, ticket, staff, idle_minutes)
    _move(session, ticket, "cancel", S.CANCELLED, staff, ticket.desk_id)
    return ticket


# --- internals --------------------------------------------------------------------------


def _check(ticket: Ticket, move: str) -> None:
    if ticket.state not in ALLOWED_FROM[move]:
        raise IllegalTransition(
            "illegal_transition",
            code=ticket.code,
            terms={"state": f"state.{ticket.state}", "move": f"move.{move}"},
        )


def _timestamp(ticket: Ticket, move: str) -> datetime:
    _check(ticket, move)
    return clock.now()


def _check_mover(session: Session, ticket: Ticket, staff: Staff, idle_minutes: int) -> None:
    """Only the occupant moves the ticket called to or served at their desk
    (``desks.check_mover``); a ticket that is at no desk (any more) is left to ``_check``."""
    if ticket.state in ACTIVE_AT_DESK and ticket.desk_id is not None:
        desks.check_mover(session, ticket.desk, staff, idle_minutes)


def _served_by_caller(current: Ticket, desk: Desk, staff: Staff) -> None:
    """A call finishes the ticket served at the desk only when the caller serves it: one a
    colleague serves (who left the desk, or whose desk was taken over) is finished
    explicitly, never as a side effect of a call."""
    if current.staff_id is not None and current.staff_id != staff.id:
        who = current.staff.display_name if current.staff is not None else ""
        raise DeskBusy("desk_serving", code=current.code, desk=desk.name, name=who)


def _check_desk(desk: Desk) -> None:
    if not desk.active:
        raise InvalidInput("desk_closed", desk=desk.name)


def _clear_desk(ticket: Ticket) -> None:
    ticket.desk = None
    ticket.staff = None
    ticket.called_at = None
    ticket.started_at = None
    ticket.finished_at = None


def _call(session: Session, ticket: Ticket, desk: Desk, staff: Staff, kind: str) -> Ticket:
    ticket.desk = desk
    ticket.staff = staff
    ticket.called_at = clock.now()
    ticket.call_count += 1
    _move(session, ticket, kind, S.CALLED, staff, desk.id)
    return ticket


def _move(
    session: Session,
    ticket: Ticket,
    kind: str,
    to_state: str,
    staff: Staff | None,
    desk_id: int | None,
    detail: dict[str, Any] | None = None,
) -> None:
    from_state = ticket.state
    _check(ticket, kind)
    ticket.state = to_state
    ticket.version += 1
    session.flush()
    _moved(session, ticket, kind, from_state, staff, desk_id, detail)


def _moved(
    session: Session,
    ticket: Ticket,
    kind: str,
    from_state: str,
    staff: Staff | None,
    desk_id: int | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """What follows every move of a (flushed) ticket: its appointment follows it, its fact,
    its history row and its message."""
    to_state = ticket.state
    if ticket.channel == TicketChannel.APPOINTMENT:
        session.execute(
            _SYNC_APPOINTMENT,
            {"of_ticket": ticket.id, "new_state": _APPOINTMENT_STATE[to_state]},
        )
    facts.ticket_moved(session, ticket, from_state)
    _history(session, ticket, kind, from_state, to_state, staff, desk_id, detail)
    _announce(session, ticket, kind)


def _history(
    session: Session,
    ticket: Ticket,
    kind: str,
    from_state: str | None,
    to_state: str,
    staff: Staff | None,
    desk_id: int | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Write the ticket's history row (the ticket's ``version`` is raised by the caller)."""
    session.execute(
        _ADD_HISTORY,
        {
            "ticket_id": ticket.id,
            "at": clock.now(),
            "kind": kind,
            "from_state": from_state,
            "to_state": to_state,
            "staff_id": staff.id if staff else None,
            "desk_id": desk_id,
            "detail": detail,
        },
    )


_ADD_HISTORY = insert(cast(Table, TicketEvent.__table__))

# An appointment follows its ticket: waiting again is checked in, then called, served, done.
_APPOINTMENT_STATE: dict[str, str] = {
    S.WAITING: AppointmentState.CHECKED_IN,
    S.CALLED: AppointmentState.CALLED,
    S.SERVING: AppointmentState.SERVING,
    S.DONE: AppointmentState.DONE,
    S.NO_SHOW: AppointmentState.NO_SHOW,
    S.CANCELLED: AppointmentState.CANCELLED,
}
_SYNC_APPOINTMENT = (
    update(_appointments)
    .where(_appointments.c.ticket_id == bindparam("of_ticket"))
    .values(state=bindparam("new_state"))
)


def _announce(session: Session, ticket: Ticket, kind: str) -> None:
    """Put the (flushed) ticket's change in the outbox; the ticket stays loaded until the
    commit, where its messages are made."""
    record(session, TicketMoved(ticket.location_id, ticket.id, kind), keep=ticket)
