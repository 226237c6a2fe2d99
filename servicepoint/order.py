"""The one calling order: who a counselor calls next, and who stands before whom.

Call-next, ``next_id`` in the staff views, the desk's list, people-ahead and the phone's
position all follow ``rank``; nothing else orders waiting tickets.

For counselor C at time t, of today's waiting tickets (``docs/architecture.md``):

1. ``MINE_DUE``: tickets of checked-in appointments with C that are due
   (t ≥ start - ``due_lead_minutes``), by start;
2. ``MINE_SOON``: a checked-in appointment with C starting within the topic's median service
   time (``soon_minutes``; the default when no median is known): C calls it now rather than
   start a walk-in that would make it late;
3. ``AGED``: walk-ins waiting longer than ``aged_minutes`` (they come before step 4, never
   before 1 and 2, so walk-ins never starve), by draw time;
4. ``APPOINTMENT_DUE``: checked-in, due appointments of C's topics without a counselor, by
   start — and those of a counselor who is not on duty (nobody else would call them);
5. ``MINE_WALK_IN``: walk-ins meant for C (drawn with C's client card, or a late arrival of an
   appointment with C), by draw time;
6. ``WALK_IN``: every other walk-in of C's topics, by draw time.

A walk-in meant for another counselor D is left to D for ``card_reserved_minutes`` after it
was drawn while D is on duty (at once to everyone when D is not); an appointment with D is
D's alone while D is on duty. An appointment not yet due (nor soon) is called by nobody yet.

``Caller`` with ``staff_id`` None stands for "whoever serves these topics" (what the phone's
position counts): every appointment's ticket counts when due or soon, nobody's walk-ins are
reserved.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol, TypeVar

from servicepoint.models import TicketChannel

MINE_DUE = 1
MINE_SOON = 2
AGED = 3
APPOINTMENT_DUE = 4
MINE_WALK_IN = 5
WALK_IN = 6

# The step names as payloads carry them (the desk's list says why a ticket stands where).
STEP_NAMES = {
    MINE_DUE: "appointment",
    MINE_SOON: "appointment_soon",
    AGED: "waiting_long",
    APPOINTMENT_DUE: "appointment",
    MINE_WALK_IN: "for_you",
    WALK_IN: "walk_in",
}


class Waiting(Protocol):
    """What the order reads of a waiting ticket (a ``Ticket`` or a row of its columns)."""

    @property
    def id(self) -> int: ...
    @property
    def topic_id(self) -> int: ...
    @property
    def channel(self) -> str: ...
    @property
    def issued_at(self) -> datetime: ...
    @property
    def due_at(self) -> datetime | None: ...
    @property
    def for_staff_id(self) -> int | None: ...


W = TypeVar("W", bound=Waiting)


@dataclass(frozen=True)
class OrderSettings:
    """The order's times in minutes (settings ``APPOINTMENT_DUE_LEAD_MINUTES``,
    ``APPOINTMENT_SOON_MINUTES``, ``WALK_IN_AGED_MINUTES``, ``CARD_RESERVED_MINUTES``)."""

    due_lead_minutes: int = 2
    soon_default_minutes: int = 15
    aged_minutes: int = 45
    card_reserved_minutes: int = 20

    @classmethod
    def from_settings(cls, config: Mapping[str, Any]) -> OrderSettings:
        return cls(
            due_lead_minutes=int(config.get("APPOINTMENT_DUE_LEAD_MINUTES", 2)),
            soon_default_minutes=int(config.get("APPOINTMENT_SOON_MINUTES", 15)),
            aged_minutes=int(config.get("WALK_IN_AGED_MINUTES", 45)),
            card_reserved_minutes=int(config.get("CARD_RESERVED_MINUTES", 20)),
        )


@dataclass
class Situation:
    """What the order depends on besides the tickets: the moment, who is on duty at the
    location (``duty``: staff ids at a desk, not gone idle), each topic's median service time
    in minutes (``medians``; missing: the settings' default) and the settings. ``duty`` and
    ``medians`` may be functions that read them when first needed: only a ticket meant for
    a colleague asks who is on duty, only an appointment not yet due asks the medians."""

    now: datetime
    duty: frozenset[int] | Callable[[], frozenset[int]] = frozenset()
    medians: Mapping[int, float] | Callable[[], Mapping[int, float]] = field(default_factory=dict)
    settings: OrderSettings = field(default_factory=OrderSettings)

    @functools.cached_property
    def on_duty(self) -> frozenset[int]:
        return self.duty() if callable(self.duty) else self.duty

    @functools.cached_property
    def topic_medians(self) -> Mapping[int, float]:
        """The medians, read when first needed (only an appointment not yet due asks)."""
        return self.medians() if callable(self.medians) else self.medians

    @functools.cached_property
    def due_by(self) -> datetime:
        """An appointment's ticket is due when it starts by then."""
        return self.now + timedelta(minutes=self.settings.due_lead_minutes)

    @functools.cached_property
    def aged_by(self) -> datetime:
        """A walk-in drawn by then has waited long enough to come before step 4."""
        return self.now - timedelta(minutes=self.settings.aged_minutes)

    @functools.cached_property
    def reserved_after(self) -> datetime:
        """A walk-in meant for a colleague on duty and drawn after then waits for them."""
        return self.now - timedelta(minutes=self.settings.card_reserved_minutes)

    def soon(self, topic_id: int) -> timedelta:
        minutes = self.topic_medians.get(topic_id) or self.settings.soon_default_minutes
        return timedelta(minutes=minutes)


@dataclass(frozen=True)
class Caller:
    """Who calls: a counselor (``staff_id``) serving ``topic_ids``, or (``staff_id`` None)
    whoever serves them."""

    staff_id: int | None
    topic_ids: frozenset[int]


def is_appointment(ticket: Waiting) -> bool:
    return ticket.channel == TicketChannel.APPOINTMENT


def rank(ticket: Waiting, caller: Caller, situation: Situation) -> tuple[Any, ...] | None:
    """Where ``ticket`` stands in ``caller``'s order now (smaller first), or None when
    ``caller`` may not call it now (not their topic, another's, not yet due)."""
    meant_for = ticket.for_staff_id
    mine = meant_for is not None and meant_for == caller.staff_id
    colleagues = meant_for is not None and not mine and caller.staff_id is not None
    if (
        colleagues
        and meant_for in situation.on_duty
        and (
            ticket.channel == TicketChannel.APPOINTMENT
            or ticket.issued_at > situation.reserved_after
        )
    ):
        return None  # a colleague's, while they are here
    if not mine and ticket.topic_id not in caller.topic_ids:
        return None
    if ticket.channel == TicketChannel.APPOINTMENT:
        due_at = ticket.due_at or ticket.issued_at
        due = due_at <= situation.due_by
        if mine or (caller.staff_id is None and meant_for is not None):
            if due:
                return (MINE_DUE, due_at, ticket.id)
            if due_at - situation.now <= situation.soon(ticket.topic_id):
                return (MINE_SOON, due_at, ticket.id)
            return None
        return (APPOINTMENT_DUE, due_at, ticket.id) if due else None
    if ticket.issued_at <= situation.aged_by:
        return (AGED, ticket.issued_at, ticket.id)
    if mine:
        return (MINE_WALK_IN, ticket.issued_at, ticket.id)
    return (WALK_IN, ticket.issued_at, ticket.id)


def calling_order(tickets: Iterable[W], caller: Caller, situation: Situation) -> list[W]:
    """The tickets ``caller`` may call now, in the order they would be called."""
    ranked = [(key, t) for t in tickets if (key := rank(t, caller, situation)) is not None]
    ranked.sort(key=lambda pair: pair[0])
    return [ticket for _key, ticket in ranked]


def step(ticket: Waiting, caller: Caller, situation: Situation) -> str | None:
    """Why ``ticket`` stands where it does for ``caller`` (a ``STEP_NAMES`` value), or None."""
    key = rank(ticket, caller, situation)
    return STEP_NAMES[key[0]] if key is not None else None


def desk_list(tickets: Sequence[W], caller: Caller, situation: Situation) -> list[W]:
    """The desk's list: what ``caller`` may call now in calling order, then the rest (not
    yet due, another's, other topics) by when they are due or were drawn."""
    callable_now = calling_order(tickets, caller, situation)
    chosen = {t.id for t in callable_now}
    rest = sorted(
        (t for t in tickets if t.id not in chosen),
        key=lambda t: (t.due_at or t.issued_at, t.id),
    )
    return [*callable_now, *rest]


def people_ahead(tickets: Iterable[Waiting], ticket: Waiting, situation: Situation) -> int:
    """How many of today's waiting ``tickets`` stand before ``ticket`` for whoever serves its
    topic. A walk-in counts the tickets of its topic ranked before it (appointments due or
    soon among them); an appointment's ticket counts those of the same counselor (or, without
    one, of the same topic) due before it."""
    if is_appointment(ticket):
        return sum(
            1
            for other in tickets
            if is_appointment(other)
            and other.id != ticket.id
            and _same_appointments(other, ticket)
            and ((other.due_at, other.id) < (ticket.due_at, ticket.id))
        )
    caller = Caller(None, frozenset({ticket.topic_id}))
    own = rank(ticket, caller, situation)
    if own is None:
        return 0
    return sum(
        1
        for other in tickets
        if other.id != ticket.id
        and other.topic_id == ticket.topic_id
        and (key := rank(other, caller, situation)) is not None
        and key < own
    )


def _same_appointments(one: Waiting, other: Waiting) -> bool:
    if one.for_staff_id is not None or other.for_staff_id is not None:
        return one.for_staff_id == other.for_staff_id
    return one.topic_id == other.topic_id


def positions(tickets: Sequence[Waiting], situation: Situation) -> dict[int, int]:
    """``people_ahead`` of each of ``tickets`` (today's waiting tickets of one location),
    by ticket id."""
    by_topic: dict[int, list[Waiting]] = {}
    by_person: dict[tuple[str, int], list[Waiting]] = {}
    for t in tickets:
        by_topic.setdefault(t.topic_id, []).append(t)
        if is_appointment(t):
            group = ("s", t.for_staff_id) if t.for_staff_id is not None else ("t", t.topic_id)
            by_person.setdefault(group, []).append(t)
    found: dict[int, int] = {}
    for topic_id, group_tickets in by_topic.items():
        caller = Caller(None, frozenset({topic_id}))
        ranked = calling_order(group_tickets, caller, situation)
        for index, t in enumerate(ranked):
            if not is_appointment(t):
                found[t.id] = index
        for t in group_tickets:
            if not is_appointment(t) and t.id not in found:
                found[t.id] = 0
    for group_tickets in by_person.values():
        ordered = sorted(group_tickets, key=lambda t: (t.due_at or t.issued_at, t.id))
        for index, t in enumerate(ordered):
            found[t.id] = index
    return found


def first(
    tickets: Iterable[W],
    caller: Caller,
    situation: Situation,
    skip: Callable[[W], bool] | None = None,
) -> W | None:
    """The ticket ``caller`` would call now (and is not to ``skip``), or None."""
    for ticket in calling_order(tickets, caller, situation):
        if skip is None or not skip(ticket):
            return ticket
    return None


class Entry(NamedTuple):
    """A waiting ticket as the order reads it from a row of its columns (a tuple: made by
    the hundred on every call-next)."""

    id: int
    topic_id: int
    channel: str
    issued_at: datetime
    due_at: datetime | None
    for_staff_id: int | None

    @classmethod
    def of(cls, ticket: Waiting) -> Entry:
        return cls(
            ticket.id,
            ticket.topic_id,
            ticket.channel,
            ticket.issued_at,
            ticket.due_at,
            ticket.for_staff_id,
        )
