"""What the queue's events become on screens: the lobby, the counselors' views, the phones.

``TicketMoved`` (a ticket issued, called, moved), ``TopicsChanged`` and
``DeskOccupancyChanged`` (someone took or left a desk) are turned into messages here,
inside the transaction, from the state about to be committed. Location-wide snapshots
(``snapshot_messages``) are rebuilt later from committed state by the hub's refresher,
since they cost as much as the queue is long.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicepoint import appointments, clock, discreet, order, snapshots, tickets
from servicepoint.appointments import AppointmentChanged
from servicepoint.desks import DeskOccupancyChanged
from servicepoint.estimates import EstimateSettings, Estimator
from servicepoint.events import (
    Context,
    Delivery,
    Message,
    delivers,
    location_room,
    staff_room,
    ticket_room,
)
from servicepoint.manage import TopicsChanged
from servicepoint.models import Appointment, Desk, Location, Ticket, TicketState
from servicepoint.speech import Speaker
from servicepoint.tickets import ENTRY_COLUMNS, TicketMoved

# Tickets read by id in one statement at most (bound parameters stay few on every backend).
LOAD_AT_ONCE = 500


def called_json(ticket: Ticket, recall: bool, speaker: Speaker | None = None) -> dict[str, Any]:
    """The lobby's ``called`` event: a code and the desk to go to, nothing about the person
    (nor the topic, when it is discreet). ``announcement``: the URLs of the call spoken in the
    location's first language, then in the ticket's (``servicepoint.speech``), in the order
    the lobby plays them after its chime; the same again for a recall; empty without a
    speech engine."""
    desk = ticket.desk.name if ticket.desk else None
    desk_names = dict(ticket.desk.names or {}) if ticket.desk else {}
    return {
        "code": ticket.code,
        "desk": desk,
        "desk_names": desk_names,
        "topic": discreet.visitor_topic_key(ticket.topic),
        "call_count": ticket.call_count,
        "recall": recall,
        "announcement": _announcement(speaker, ticket.code, desk, desk_names, ticket.language),
    }


def _announcement(
    speaker: Speaker | None,
    code: str,
    desk: str | None,
    desk_names: dict[str, str],
    language: str,
) -> list[str]:
    """The call's spoken parts; none when something goes wrong: speech never stops a call
    (this runs before the commit)."""
    if speaker is None:
        return []
    try:
        return speaker.announcement(code, desk, language, desk_names)
    except Exception:  # a missing string, a bad setting: the call goes out, chimed only
        logging.getLogger(__name__).exception("call %s not spoken", code)
        return []


_DEFAULT_ESTIMATOR = Estimator(EstimateSettings(cache_seconds=0))  # keeps nothing


def estimator(context: Context) -> Estimator:
    """The application's estimator (the defaults when the context has none)."""
    return context.estimator or _DEFAULT_ESTIMATOR


@delivers(TicketMoved)
def _ticket_moved(session: Session, event: TicketMoved, context: Context, out: Delivery) -> None:
    out.refresh(event.location_id, positions=event.reorders)
    if event.kind == "issued":
        # Nobody can follow a ticket before it is handed out, and a new ticket reaches the
        # lobby and the staff views with the next snapshot.
        return
    ticket = session.get(Ticket, event.ticket_id)  # kept loaded by the verb (events.record)
    if ticket is None:
        return
    location = ticket.location
    # Built for every room, listened to or not: a screen that joins between now and the
    # commit reads the state before the commit, and must still get this.
    if event.is_call and ticket.state == TicketState.CALLED:
        called = called_json(ticket, event.kind == "recall", context.speaker)
        out.messages.append(Message("/display", "called", called, location_room(location.slug)))
    views = out.once(("staff_views", location.id), lambda: snapshots.staff_views(session, location))
    if views:
        day = tickets.today(location)
        base = snapshots.ticket_json(ticket)
        for view in views:
            seen = snapshots.staff_ticket_json(ticket, view.staff, day, base)
            out.messages.append(Message("/staff", "ticket", seen, view.rooms))
    estimates = out.once(
        ("estimates", location.id), lambda: estimator(context).at(session, location)
    )
    status = snapshots.ticket_status(session, ticket, estimates)
    out.messages.append(Message("/ticket", "status", status, ticket_room(ticket.public_token)))


@delivers(AppointmentChanged)
def _appointment_changed(
    session: Session, event: AppointmentChanged, context: Context, out: Delivery
) -> None:
    """Every staff view of the location gets the changed appointment (``appointment``: its
    day list updates); when it checked in, its counselor's views get ``appointment_arrived``
    ("your 10:00 is here")."""
    appointment = session.get(Appointment, event.appointment_id)  # kept by the verb
    if appointment is None:
        return
    location = appointment.location
    views = out.once(("staff_views", location.id), lambda: snapshots.staff_views(session, location))
    grace = context.appointment_grace_minutes
    shown = {"kind": event.kind, "appointment": appointments.appointment_json(appointment, grace)}
    rooms = [room for view in views for room in view.rooms]
    if rooms:
        out.messages.append(Message("/staff", "appointment", shown, rooms))
    if event.kind in ("checked_in", "late") and appointment.staff_id is not None:
        room = staff_room(location.slug, appointment.staff_id)
        out.messages.append(Message("/staff", "appointment_arrived", shown, room))


@delivers(TopicsChanged)
def _topics_changed(
    session: Session, event: TopicsChanged, _context: Context, out: Delivery
) -> None:
    out.refresh(event.location_id)
    location = session.get(Location, event.location_id)
    if location is None:
        return
    estimates = _context.estimator.at(session, location) if _context.estimator else None
    topics = snapshots.kiosk_topics(session, location, snapshots.hours_of(_context), estimates)
    out.messages.append(Message("/kiosk", "topics", topics, location_room(location.slug)))


@delivers(DeskOccupancyChanged)
def _desk_occupancy_changed(
    session: Session, event: DeskOccupancyChanged, _context: Context, out: Delivery
) -> None:
    """Every staff view of the location shows who sits where (with its next snapshot); the
    one who was replaced is told at once, in their views of that location."""
    out.refresh(event.location_id)
    if event.displaced_id is None:
        return
    desk = session.get(Desk, event.desk_id)  # kept loaded by the verb (events.record)
    if desk is None or desk.occupant is None or desk.occupant_id == event.displaced_id:
        return
    taken = {
        "desk": {"id": desk.id, "name": desk.name},
        "by": {"id": desk.occupant.id, "display_name": desk.occupant.display_name},
    }
    room = staff_room(desk.location.slug, event.displaced_id)
    out.messages.append(Message("/staff", "desk_taken_over", taken, room))


def snapshot_messages(
    session: Session, location: Location, positions: bool, context: Context
) -> Iterator[Message]:
    """The lobby snapshot and every staff view of ``location`` and, with ``positions``, the
    status of every waiting ticket (their places may have moved); each only when someone
    listens (``context.listening``). Built from committed state, after the commit: a screen
    that joins after the question reads that state itself."""
    room = location_room(location.slug)
    if context.listening("/display", room):
        display = snapshots.display_snapshot(
            session, location, context.recent_calls, context.call_current_minutes
        )
        yield Message("/display", "queue", display, room)
    views = [
        view
        for view in snapshots.staff_views(session, location)
        if context.listening("/staff", view.rooms)
    ]

    def medians() -> dict[int, float]:
        return estimator(context).medians(session, location)

    queue = (
        snapshots.StaffQueue(
            session, location, context.desk_idle_minutes, context.order_settings, medians
        )
        if views
        else None
    )
    # A counselor whom waiting tickets are meant for (appointments, cards) sees their own
    # calling order; colleagues who serve the same topics alike still share one payload.
    owners = {t.for_staff_id for t in queue.waiting if t.for_staff_id} if queue else set()
    for view in views:
        assert queue is not None
        for part in view.split(owners):
            yield Message("/staff", "queue", queue.for_staff(part.staff), part.rooms)
    if not positions:
        return
    # Today's waiting tickets in calling order, from the staff queue when it was read; else
    # only what the phones' places need, and the tickets only of phones that listen.
    entries: list[order.Entry]
    tokens: dict[int, str]
    if queue is not None:
        entries = [order.Entry.of(t) for t in queue.waiting]
        tokens = {t.id: t.public_token for t in queue.waiting}
        loaded = {t.id: t for t in queue.waiting}
    else:
        columns = tickets.waiting_tickets(location).with_only_columns(
            *ENTRY_COLUMNS, Ticket.public_token
        )
        rows = session.execute(columns).all()
        entries = [order.Entry(*row[:-1]) for row in rows]
        tokens = {row[0]: row[-1] for row in rows}
        loaded = {}
    where = order.Situation(clock.now(), medians=medians, settings=context.order_settings)
    ahead_of = order.positions(entries, where)
    places: list[tuple[int, int, str]] = []
    for entry in entries:
        token = tokens[entry.id]
        if context.listening("/ticket", ticket_room(token)):
            places.append((entry.id, ahead_of.get(entry.id, 0), token))
    missing = [ticket_id for ticket_id, _ahead, _token in places if ticket_id not in loaded]
    for start in range(0, len(missing), LOAD_AT_ONCE):
        chosen = select(Ticket).where(Ticket.id.in_(missing[start : start + LOAD_AT_ONCE]))
        loaded.update((t.id, t) for t in session.scalars(chosen))
    # Read once for all the phones of this round (medians kept briefly by the estimator).
    estimates = estimator(context).at(session, location)
    for ticket_id, ahead, token in places:
        ticket = loaded.get(ticket_id)
        if ticket is None or ticket.state != TicketState.WAITING:
            continue  # moved since it was counted (a second read): its move announces it
        status = snapshots.ticket_status(session, ticket, estimates, ahead)
        yield Message("/ticket", "status", status, ticket_room(token))
