"""Derived state for screens and the API: every payload is computed from the database.

The same functions answer ``GET`` requests and build realtime messages, so a screen that
reconnects and asks again always sees what one that stayed connected sees.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, joinedload

from servicepoint import access, clock, desks, offer, order
from servicepoint.consultations import next_sessions
from servicepoint.discreet import visitor_topic_key, visitor_topic_names
from servicepoint.estimates import Estimates
from servicepoint.events import Context, staff_room
from servicepoint.models import (
    Desk,
    Kiosk,
    Location,
    Membership,
    PrinterMode,
    Staff,
    Ticket,
    TicketEvent,
    TicketState,
    Topic,
)
from servicepoint.printing import printer_problem
from servicepoint.tickets import (
    allowed_moves,
    caller,
    first_in_order,
    has_expired,
    is_open,
    may_cancel_own,
    moves_for,
    people_ahead,
    served_topic_ids,
    today,
    waiting_tickets,
)

S = TicketState


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def location_json(location: Location) -> dict[str, Any]:
    return {
        "slug": location.slug,
        "name": location.name,
        "address": location.address,
        "timezone": location.timezone,
    }


def topic_json(topic: Topic) -> dict[str, Any]:
    return {
        "key": topic.key,
        "prefix": topic.prefix,
        "names": dict(topic.names),
        "active": topic.active,
        "position": topic.position,
        "discreet": topic.discreet,
        "online_booking": topic.online_booking,
    }


def kiosk_topics(
    session: Session,
    location: Location,
    hours: offer.Hours | None = None,
    estimates: Estimates | None = None,
) -> dict[str, Any]:
    """What a kiosk offers now (``servicepoint.offer``): every active topic in kiosk order
    with ``open``, ``next_open``, ``open_until`` and ``closed_because``; ``changes_at`` (when
    to ask again) and the location's next sessions."""
    offered = offer.location_offer(session, location, hours, estimates=estimates)
    active = [t for t in location.topics if t.active]
    return {
        "topics": [{**topic_json(t), **offered.of(t).json()} for t in active],
        **offered.json({t.id: t.key for t in active}),
    }


def hours_of(context: Context) -> offer.Hours:
    return offer.Hours(
        context.session_lead_minutes,
        context.session_last_ticket_minutes,
        context.appointment_grace_minutes,
    )


def desk_json(
    desk: Desk,
    idle_minutes: int = desks.DEFAULT_IDLE_MINUTES,
    busy: bool = False,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A desk and who sits at it (``occupant`` {"id", "display_name"} or None, and
    ``occupied_since``); an occupant idle ``idle_minutes`` is shown as gone unless ``busy``
    (a ticket is called to or served at the desk). ``printer``: the desk's own printer for
    slips and cards ({"uri", "profile", "state", "detail"}), or None."""
    return {
        "id": desk.id,
        "name": desk.name,
        "active": desk.active,
        **desks.occupant_json(desk, idle_minutes, now, busy),
        "printer": {
            "uri": desk.printer_uri,
            "profile": desk.printer_profile,
            "state": desk.printer_state,
            "detail": desk.printer_detail,
        }
        if desk.printer_uri
        else None,
    }


def desks_json(
    session: Session, location: Location, idle_minutes: int = desks.DEFAULT_IDLE_MINUTES
) -> list[dict[str, Any]]:
    """The location's desks with their occupants (``desk_json``), in their order."""
    found = list(session.scalars(_DESKS_WITH_OCCUPANTS, {"location_id": location.id}).unique())
    busy = desks.busy_desks(session, found, idle_minutes)
    now = clock.now()
    return [desk_json(d, idle_minutes, d.id in busy, now) for d in found]


# A location's desks (``:location_id``) with who sits at them, in one statement.
_DESKS_WITH_OCCUPANTS = (
    select(Desk)
    .where(Desk.location_id == bindparam("location_id"))
    .options(joinedload(Desk.occupant))
    .order_by(Desk.position, Desk.id)
)


def ticket_json(ticket: Ticket, topic: Topic | None = None) -> dict[str, Any]:
    """A ticket as staff and integrators see it (no personal data exists to leak).

    ``topic``: the ticket's topic when the caller has it at hand (a whole queue at once).
    A desk and a counselor are looked up only when the (flushed) ticket has one."""
    topic = topic or ticket.topic
    return {
        "id": ticket.id,
        "code": ticket.code,
        "number": ticket.number,
        "state": ticket.state,
        "topic": topic.key,
        "topic_names": dict(topic.names),
        "language": ticket.language,
        "service_day": ticket.service_day.isoformat(),
        "issued_at": iso(ticket.issued_at),
        "called_at": iso(ticket.called_at),
        "started_at": iso(ticket.started_at),
        "finished_at": iso(ticket.finished_at),
        "desk": ticket.desk.name if ticket.desk_id is not None and ticket.desk else None,
        "desk_id": ticket.desk_id,
        "staff": ticket.staff.display_name
        if ticket.staff_id is not None and ticket.staff
        else None,
        "call_count": ticket.call_count,
        "version": ticket.version,
        # How it came (walk_in, card, appointment, late), whom it is meant for first and,
        # for an appointment's ticket, when it is due (the desk says why it waits).
        "channel": ticket.channel,
        "for_staff_id": ticket.for_staff_id,
        "due_at": iso(ticket.due_at),
        "card": ticket.card_id is not None,
    }


def ticket_status(
    session: Session, ticket: Ticket, estimates: Estimates, ahead: int | None = None
) -> dict[str, Any]:
    """What the visitor's phone shows: code, state, people ahead, the estimated wait (or
    that nobody is on duty for the topic) and, once called, the desk. A discreet topic is
    not named (``visitor_topic_names``).

    ``estimates``: those of the ticket's location (``Estimator.at``), shared by the tickets
    of one round. ``ahead`` may be given when the caller already counted it (for many
    tickets at once).
    """
    if ahead is None:
        ahead = people_ahead(session, ticket)
    expired = has_expired(ticket)
    waiting = ticket.state == S.WAITING and not expired
    wait = estimates.wait(ticket.topic_id, ahead) if waiting else None
    return {
        "code": ticket.code,
        "state": ticket.state,
        "topic": visitor_topic_key(ticket.topic),
        "topic_names": visitor_topic_names(ticket.topic),
        "language": ticket.language,
        "location": location_json(ticket.location),
        "people_ahead": ahead,
        "estimated_wait_minutes": wait,
        # Waiting, and no counselor on duty serves the topic: no estimate can be given.
        "nobody_on_duty": waiting and wait is None,
        "desk": ticket.desk.name if ticket.desk and ticket.state in (S.CALLED, S.SERVING) else None,
        "issued_at": iso(ticket.issued_at),
        "called_at": iso(ticket.called_at),
        "call_count": ticket.call_count,
        "is_today": ticket.service_day == today(ticket.location),
        "expired": expired,
        "open": is_open(ticket),
        "can_cancel": may_cancel_own(ticket),
        # An appointment's ticket: when it is due (the phone shows the time, not a wait).
        "appointment_at": iso(ticket.due_at) if ticket.channel == "appointment" else None,
        "version": ticket.version,
    }


def display_snapshot(
    session: Session, location: Location, recent: int = 8, current_minutes: int = 10
) -> dict[str, Any]:
    """What the lobby screen shows: current calls, the last calls, waiting counts per topic.

    Discreet topics are left out of the waiting counts and the total (a line of their own,
    even a neutral one, would tell the room how many came for such a reason), and their
    calls carry no topic: the room sees a code of the neutral series and a desk.

    ``current``: tickets called and not yet started whose (last) call is less than
    ``current_minutes`` old, newest first: the people the room should look for now. A call
    nobody answered in that time is no longer news; it moves to ``recent`` with the started,
    finished and missed calls (at most ``recent`` of them, newest first), so the lobby never
    keeps a ticket under "Now calling" for ever. Because a call goes stale without any event,
    the lobby asks for a snapshot again every minute (lobby.js, ``RESYNC_MS``): a stale call
    leaves "Now calling" at most a minute late, and no server timer per location is needed.
    ``next_sessions``: the consultation sessions running now and next
    (``consultations.next_sessions``), renewed by the same resync.
    """
    day = today(location)
    fresh_since = clock.now() - timedelta(minutes=current_minutes)
    called = session.scalars(
        select(Ticket)
        .where(
            Ticket.location_id == location.id,
            Ticket.service_day == day,
            Ticket.called_at.is_not(None),
        )
        .order_by(Ticket.called_at.desc(), Ticket.id.desc())
        .limit(recent + 20)
    ).all()

    def is_current(ticket: Ticket) -> bool:
        return (
            ticket.state == S.CALLED
            and ticket.called_at is not None
            and ticket.called_at > fresh_since
        )

    current = [t for t in called if is_current(t)]
    earlier = [t for t in called if not is_current(t)][:recent]
    # The calls name their desks and topics: read with the location's, not one by one.
    desks = {desk.id: desk.name for desk in location.desks}
    topics = {topic.id: visitor_topic_key(topic) for topic in location.topics}
    counts = waiting_counts(session, location)
    public = [topic for topic in location.topics if not topic.discreet]
    return {
        "location": location_json(location),
        "current": [_call_json(t, desks, topics) for t in current],
        "recent": [_call_json(t, desks, topics) for t in earlier],
        "waiting": [
            {**_lobby_topic_json(topic), "count": counts.get(topic.id, 0)}
            for topic in public
            if topic.active or counts.get(topic.id)
        ],
        "waiting_total": sum(counts.get(topic.id, 0) for topic in public),
        "next_sessions": next_sessions(session, location, clock.now()),
        "server_time": iso(clock.now()),
    }


def _lobby_topic_json(topic: Topic) -> dict[str, Any]:
    return {
        "key": topic.key,
        "prefix": topic.prefix,
        "names": dict(topic.names),
        "active": topic.active,
        "position": topic.position,
    }


def waiting_counts(session: Session, location: Location) -> dict[int, int]:
    """How many of today's tickets wait per topic id (``waiting_tickets``, counted)."""
    query = (
        waiting_tickets(location)
        .with_only_columns(Ticket.topic_id, func.count(Ticket.id))
        .group_by(Ticket.topic_id)
        .order_by(None)
    )
    return {topic_id: count for topic_id, count in session.execute(query)}


def _desk_name(ticket: Ticket) -> str | None:
    return ticket.desk.name if ticket.desk else None


def _call_json(
    ticket: Ticket, desks: dict[int, str], topics: dict[int, str | None]
) -> dict[str, Any]:
    return {
        "code": ticket.code,
        "desk": (desks.get(ticket.desk_id) or _desk_name(ticket))
        if ticket.desk_id is not None
        else None,
        "topic": topics[ticket.topic_id]
        if ticket.topic_id in topics
        else visitor_topic_key(ticket.topic),
        "called_at": iso(ticket.called_at),
        "call_count": ticket.call_count,
    }


class StaffQueue:
    """What counselors see of a location: today's waiting tickets in calling order and the
    tickets at desks, each with the moves the staff member may make on it now, and the desks
    with who sits at each (an occupant idle ``idle_minutes`` shown as gone).

    The tickets are read once; ``for_staff`` adds what differs between staff members (which
    tickets they serve, what they may do, which one their call-next takes).
    """

    def __init__(
        self,
        session: Session,
        location: Location,
        idle_minutes: int = desks.DEFAULT_IDLE_MINUTES,
        settings: order.OrderSettings | None = None,
        medians: Mapping[int, float] | Callable[[], Mapping[int, float]] | None = None,
    ) -> None:
        self.session = session
        self.location = location
        self.day = today(location)
        self.waiting: Sequence[Ticket] = session.scalars(waiting_tickets(location)).all()
        self.active: Sequence[Ticket] = session.scalars(
            select(Ticket)
            .where(
                Ticket.location_id == location.id,
                Ticket.service_day == self.day,
                Ticket.state.in_((S.CALLED, S.SERVING)),
            )
            .order_by(Ticket.called_at)
        ).all()
        topics = {t.id: t for t in location.topics}
        self._json = {
            t.id: ticket_json(t, topics.get(t.topic_id)) for t in (*self.waiting, *self.active)
        }
        kiosks = session.scalars(
            select(Kiosk).where(Kiosk.location_id == location.id, Kiosk.active).order_by(Kiosk.name)
        ).all()
        self.printers = [printer_json(k) for k in kiosks if k.printer_mode != PrinterMode.NONE]
        at_desks = list(
            session.scalars(_DESKS_WITH_OCCUPANTS, {"location_id": location.id}).unique()
        )
        busy = {t.desk_id for t in self.active if t.desk_id is not None}
        now = clock.now()
        self.desks = [desk_json(d, idle_minutes, d.id in busy, now) for d in at_desks]
        on_duty = frozenset(
            d.occupant_id
            for d in at_desks
            if d.active
            and d.occupant_id is not None
            and desks.present(d, idle_minutes, now, d.id in busy)
        )
        self.situation = order.Situation(
            now, on_duty, medians or {}, settings or order.OrderSettings()
        )

    def ticket(self, ticket: Ticket, staff: Staff | None) -> dict[str, Any]:
        """One ticket as ``staff`` sees it."""
        return staff_ticket_json(ticket, staff, self.day, self._json.get(ticket.id))

    def for_staff(self, staff: Staff | None) -> dict[str, Any]:
        """The whole queue as ``staff`` sees it."""
        served = set(served_topic_ids(self.location, staff))
        who = caller(self.location, staff)
        # What next_for would answer, from the tickets read just now.
        upcoming = first_in_order(self.waiting, who, self.situation)
        moves = moves_for(self.location, staff, self.day)

        def one(ticket: Ticket) -> dict[str, Any]:
            return {
                **staff_ticket_json(
                    ticket, staff, self.day, self._json[ticket.id], served, moves(ticket)
                ),
                "step": order.step(ticket, who, self.situation),
                "for_you": ticket.for_staff_id is not None and ticket.for_staff_id == who.staff_id,
            }

        return {
            "location": location_json(self.location),
            # The desk's list: what this counselor may call now in calling order, then the rest.
            "waiting": [one(t) for t in order.desk_list(self.waiting, who, self.situation)],
            "active": [one(t) for t in self.active],
            "next_id": upcoming.id if upcoming is not None else None,
            "topics": [{**topic_json(t), "served": t.id in served} for t in self.location.topics],
            "printers": self.printers,
            "desks": self.desks,
            "server_time": iso(clock.now()),
        }


def staff_queue(
    session: Session,
    location: Location,
    staff: Staff | None,
    idle_minutes: int = desks.DEFAULT_IDLE_MINUTES,
    settings: order.OrderSettings | None = None,
    medians: Mapping[int, float] | Callable[[], Mapping[int, float]] | None = None,
) -> dict[str, Any]:
    """The location's queue as ``staff`` sees it (see StaffQueue)."""
    return StaffQueue(session, location, idle_minutes, settings, medians).for_staff(staff)


def staff_ticket_json(
    ticket: Ticket,
    staff: Staff | None,
    day: Any = None,
    base: dict[str, Any] | None = None,
    served: set[int] | None = None,
    moves: list[str] | None = None,
) -> dict[str, Any]:
    """A ticket as ``staff`` sees it: with ``moves`` (what they may do with it now) and
    ``served`` (whether their call-next would ever take it). ``base``, ``served`` and
    ``moves`` may be given when the caller has them (``ticket_json``, ``served_topic_ids``,
    ``allowed_moves``)."""
    if served is None:
        served = set(served_topic_ids(ticket.location, staff))
    return {
        **(base or ticket_json(ticket)),
        "moves": (
            allowed_moves(ticket, staff, day, ticket.topic_id in served) if moves is None else moves
        ),
        "served": ticket.topic_id in served,
    }


@dataclass(frozen=True)
class StaffView:
    """Staff members who see a location alike, and the rooms their views listen in (one
    per member, in the order of ``members``)."""

    staff: Staff
    rooms: list[str]
    members: list[Staff] = field(default_factory=list)

    def split(self, owners: set[int]) -> list[StaffView]:
        """The view apart for each member that waiting tickets are meant for (their calling
        order differs from their colleagues'), the others still together."""
        mine = [m for m in self.members if m.id in owners]
        if not mine:
            return [self]
        rest = [(m, r) for m, r in zip(self.members, self.rooms, strict=True) if m.id not in owners]
        views = [
            StaffView(m, [r], [m])
            for m, r in zip(self.members, self.rooms, strict=True)
            if m.id in owners
        ]
        if rest:
            views.append(StaffView(rest[0][0], [r for _m, r in rest], [m for m, _r in rest]))
        return views


# Every active staff member with their memberships and topics, in one statement.
_ACTIVE_STAFF = (
    select(Staff)
    .where(Staff.active)
    .order_by(Staff.id)
    .options(joinedload(Staff.memberships).joinedload(Membership.topics))
)


def staff_views(session: Session, location: Location) -> list[StaffView]:
    """The distinct views of ``location`` among the staff who may see its queue: members who
    serve the same topics with the same permissions share one payload."""
    groups: dict[tuple[frozenset[int], tuple[str, ...]], StaffView] = {}
    for member in session.scalars(_ACTIVE_STAFF).unique():
        if not access.allowed(member, access.Permission.VIEW_QUEUE, location):
            continue
        key = (
            frozenset(served_topic_ids(location, member)),
            tuple(access.permissions(member, location)),
        )
        view = groups.setdefault(key, StaffView(member, [], []))
        view.rooms.append(staff_room(location.slug, member.id))
        view.members.append(member)
    return list(groups.values())


def printer_json(kiosk: Kiosk) -> dict[str, Any]:
    """A kiosk printer's state as counselors see it."""
    return {
        "kiosk_id": kiosk.id,
        "kiosk": kiosk.name,
        "mode": kiosk.printer_mode,
        "state": kiosk.printer_state,
        "detail": kiosk.printer_detail,
        "checked_at": iso(kiosk.printer_checked_at),
        "agent_connected": kiosk.agent_connected,
        "problem": printer_problem(kiosk),
    }


def ticket_history(session: Session, ticket: Ticket, staff: Staff | None) -> dict[str, Any]:
    """A ticket as ``staff`` sees it and every state change of it: when, what, who, which
    desk."""
    events = session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
    ).all()
    return {
        "ticket": staff_ticket_json(ticket, staff),
        "events": [
            {
                "at": iso(e.at),
                "kind": e.kind,
                "from": e.from_state,
                "to": e.to_state,
                "staff_id": e.staff_id,
                "desk": e.desk.name if e.desk else None,
                "detail": e.detail,
            }
            for e in events
        ],
    }
