"""Derived state for screens and the API: every payload is computed from the database.

The same functions answer ``GET`` requests and build realtime messages, so a screen that
reconnects and asks again always sees what one that stayed connected sees.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicepoint import clock
from servicepoint.models import (
    Desk,
    Kiosk,
    Location,
    PrinterMode,
    Ticket,
    TicketEvent,
    TicketState,
    Topic,
)
from servicepoint.tickets import people_ahead, today, waiting_tickets

S = TicketState


def iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def location_json(location: Location) -> dict:
    return {
        "slug": location.slug,
        "name": location.name,
        "address": location.address,
        "timezone": location.timezone,
    }


def topic_json(topic: Topic) -> dict:
    return {
        "key": topic.key,
        "prefix": topic.prefix,
        "names": dict(topic.names),
        "active": topic.active,
        "position": topic.position,
    }


def desk_json(desk: Desk) -> dict:
    return {"id": desk.id, "name": desk.name, "active": desk.active}


def estimated_wait(location: Location, ahead: int, minutes_per_visitor: int) -> int:
    """Minutes until a visitor with ``ahead`` people before them is likely called."""
    open_desks = max(1, sum(1 for d in location.desks if d.active))
    return round(ahead * minutes_per_visitor / open_desks)


def ticket_json(ticket: Ticket) -> dict:
    """A ticket as staff and integrators see it (no personal data exists to leak)."""
    return {
        "id": ticket.id,
        "code": ticket.code,
        "number": ticket.number,
        "state": ticket.state,
        "topic": ticket.topic.key,
        "topic_names": dict(ticket.topic.names),
        "language": ticket.language,
        "service_day": ticket.service_day.isoformat(),
        "issued_at": iso(ticket.issued_at),
        "called_at": iso(ticket.called_at),
        "started_at": iso(ticket.started_at),
        "finished_at": iso(ticket.finished_at),
        "desk": ticket.desk.name if ticket.desk else None,
        "desk_id": ticket.desk_id,
        "staff": ticket.staff.display_name if ticket.staff else None,
        "call_count": ticket.call_count,
    }


def ticket_status(
    session: Session, ticket: Ticket, minutes_per_visitor: int = 10, ahead: int | None = None
) -> dict:
    """What the visitor's phone shows: code, state, people ahead and, once called, the desk.

    ``ahead`` may be given when the caller already counted it (for many tickets at once).
    """
    if ahead is None:
        ahead = people_ahead(session, ticket)
    return {
        "code": ticket.code,
        "state": ticket.state,
        "topic": ticket.topic.key,
        "topic_names": dict(ticket.topic.names),
        "language": ticket.language,
        "location": location_json(ticket.location),
        "people_ahead": ahead,
        "estimated_wait_minutes": estimated_wait(ticket.location, ahead, minutes_per_visitor)
        if ticket.state == S.WAITING
        else None,
        "desk": ticket.desk.name if ticket.desk and ticket.state in (S.CALLED, S.SERVING) else None,
        "issued_at": iso(ticket.issued_at),
        "called_at": iso(ticket.called_at),
        "call_count": ticket.call_count,
        "is_today": ticket.service_day == today(ticket.location),
    }


def display_snapshot(session: Session, location: Location, recent: int = 8) -> dict:
    """What the lobby screen shows: current calls, the last calls, waiting counts per topic."""
    day = today(location)
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
    current = [t for t in called if t.state == S.CALLED]
    earlier = [t for t in called if t.state != S.CALLED][:recent]
    waiting = session.scalars(waiting_tickets(session, location)).all()
    counts: dict[int, int] = {}
    for ticket in waiting:
        counts[ticket.topic_id] = counts.get(ticket.topic_id, 0) + 1
    return {
        "location": location_json(location),
        "current": [_call_json(t) for t in current],
        "recent": [_call_json(t) for t in earlier],
        "waiting": [
            {**topic_json(topic), "count": counts.get(topic.id, 0)}
            for topic in location.topics
            if topic.active or counts.get(topic.id)
        ],
        "waiting_total": len(waiting),
        "server_time": iso(clock.now()),
    }


def _call_json(ticket: Ticket) -> dict:
    return {
        "code": ticket.code,
        "desk": ticket.desk.name if ticket.desk else None,
        "topic": ticket.topic.key,
        "called_at": iso(ticket.called_at),
        "call_count": ticket.call_count,
    }


def staff_queue(session: Session, location: Location) -> dict:
    """What counselors see: today's waiting tickets and who is at which desk."""
    day = today(location)
    waiting = session.scalars(waiting_tickets(session, location)).all()
    active = session.scalars(
        select(Ticket)
        .where(
            Ticket.location_id == location.id,
            Ticket.service_day == day,
            Ticket.state.in_((S.CALLED, S.SERVING)),
        )
        .order_by(Ticket.called_at)
    ).all()
    kiosks = session.scalars(
        select(Kiosk).where(Kiosk.location_id == location.id, Kiosk.active).order_by(Kiosk.name)
    ).all()
    return {
        "location": location_json(location),
        "waiting": [ticket_json(t) for t in waiting],
        "active": [ticket_json(t) for t in active],
        "printers": [printer_json(k) for k in kiosks if k.printer_mode != PrinterMode.NONE],
        "server_time": iso(clock.now()),
    }


def printer_json(kiosk: Kiosk) -> dict:
    """A kiosk printer's state as counselors see it."""
    return {
        "kiosk_id": kiosk.id,
        "kiosk": kiosk.name,
        "mode": kiosk.printer_mode,
        "state": kiosk.printer_state,
        "detail": kiosk.printer_detail,
        "checked_at": iso(kiosk.printer_checked_at),
        "agent_connected": kiosk.agent_connected,
    }


def ticket_history(session: Session, ticket: Ticket) -> dict:
    """A ticket and every state change of it: when, what, who, which desk."""
    events = session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
    ).all()
    return {
        "ticket": ticket_json(ticket),
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
