"""Print jobs on the wire: a TicketPrint as plain JSON and back (no Flask, no database)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from printers.layout import TicketPrint


def ticket_to_payload(ticket: TicketPrint) -> dict[str, Any]:
    """``ticket`` as a JSON-ready dict; ``issued_at`` keeps its local offset."""
    data = asdict(ticket)
    data["issued_at"] = ticket.issued_at.isoformat()
    return data


def ticket_from_payload(data: dict[str, Any]) -> TicketPrint:
    """The TicketPrint a payload describes; ValueError or KeyError if it is malformed.

    A payload comes over the network (to a print agent) or out of the database: its text
    is made :func:`~printers.text.printable` by :class:`TicketPrint` itself, so a control
    byte in a name never reaches the printer.
    """
    return TicketPrint(
        location_name=str(data["location_name"]),
        code=str(data["code"]),
        topic=str(data["topic"]),
        topic_de=str(data["topic_de"]),
        language=str(data["language"]),
        issued_at=datetime.fromisoformat(data["issued_at"]),
        people_ahead=int(data["people_ahead"]),
        estimated_wait_minutes=(
            None
            if data.get("estimated_wait_minutes") is None
            else int(data["estimated_wait_minutes"])
        ),
        status_url=str(data["status_url"]),
    )
