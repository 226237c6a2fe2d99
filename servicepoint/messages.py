"""What the queue's events become on screens: the lobby, the counselors' views, the phones.

``TicketMoved`` (a ticket issued, called, moved) and ``TopicsChanged`` are turned into
messages here, inside the transaction, from the state about to be committed. Location-wide
snapshots (``snapshot_messages``) are rebuilt later from committed state by the hub's
refresher, since they cost as much as the queue is long.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from servicepoint import snapshots, tickets
from servicepoint.events import Context, Delivery, Message, delivers, location_room, ticket_room
from servicepoint.manage import TopicsChanged
from servicepoint.models import Location, Ticket, TicketState
from servicepoint.tickets import TicketMoved


def called_json(ticket: Ticket, recall: bool) -> dict[str, Any]:
    """The lobby's ``called`` event: a code and the desk to go to, nothing about the person."""
    return {
        "code": ticket.code,
        "desk": ticket.desk.name if ticket.desk else None,
        "topic": ticket.topic.key,
        "call_count": ticket.call_count,
        "recall": recall,
    }


@delivers(TicketMoved)
def _ticket_moved(session: Session, event: TicketMoved, context: Context, out: Delivery) -> None:
    out.refresh(event.location_id, positions=event.reorders)
    ticket = session.get(Ticket, event.ticket_id)
    if ticket is None:
        return
    location = ticket.location
    if event.is_call and ticket.state == TicketState.CALLED:
        called = called_json(ticket, recall=event.kind == "recall")
        out.messages.append(Message("/display", "called", called, location_room(location.slug)))
    if event.kind != "issued":  # a new ticket reaches the staff views with the next snapshot
        day = tickets.today(location)
        for view in snapshots.staff_views(session, location):
            seen = snapshots.staff_ticket_json(ticket, view.staff, day)
            out.messages.append(Message("/staff", "ticket", seen, view.rooms))
    if event.kind != "issued":  # nobody can follow a ticket before it is handed out
        status = snapshots.ticket_status(session, ticket, context.minutes_per_visitor)
        out.messages.append(Message("/ticket", "status", status, ticket_room(ticket.public_token)))


@delivers(TopicsChanged)
def _topics_changed(
    session: Session, event: TopicsChanged, _context: Context, out: Delivery
) -> None:
    out.refresh(event.location_id)
    location = session.get(Location, event.location_id)
    if location is None:
        return
    topics = [snapshots.topic_json(t) for t in location.topics if t.active]
    out.messages.append(
        Message("/kiosk", "topics", {"topics": topics}, location_room(location.slug))
    )


def snapshot_messages(
    session: Session, location: Location, positions: bool, context: Context
) -> Iterator[Message]:
    """The lobby snapshot and every staff view of ``location`` and, with ``positions``, the
    status of every waiting ticket (their places may have moved)."""
    room = location_room(location.slug)
    display = snapshots.display_snapshot(session, location, context.recent_calls)
    yield Message("/display", "queue", display, room)
    queue = snapshots.StaffQueue(session, location)
    for view in snapshots.staff_views(session, location):
        yield Message("/staff", "queue", queue.for_staff(view.staff), view.rooms)
    if not positions:
        return
    per_topic: dict[int, int] = {}
    for ticket in queue.waiting:
        ahead = per_topic.get(ticket.topic_id, 0)
        per_topic[ticket.topic_id] = ahead + 1
        status = snapshots.ticket_status(session, ticket, context.minutes_per_visitor, ahead)
        yield Message("/ticket", "status", status, ticket_room(ticket.public_token))
