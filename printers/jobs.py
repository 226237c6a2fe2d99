"""Print jobs on the wire: a ticket, slip or card as plain JSON and back (no Flask, no
database)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from printers.layout import TicketPrint
from printers.slips import CardPrint, Printable, SlipPrint


def ticket_to_payload(ticket: TicketPrint) -> dict[str, Any]:
    """``ticket`` as a JSON-ready dict; ``issued_at`` keeps its local offset."""
    data = asdict(ticket)
    data["issued_at"] = ticket.issued_at.isoformat()
    if ticket.appointment_at is None:
        del data["appointment_at"]  # a walk-in's payload as it always was
    else:
        data["appointment_at"] = ticket.appointment_at.isoformat()
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
        appointment_at=(
            None
            if data.get("appointment_at") is None
            else datetime.fromisoformat(data["appointment_at"])
        ),
    )


def payload_of(item: Printable) -> dict[str, Any]:
    """A ticket, slip or card as a JSON-ready dict. A ticket's payload is as it always was
    (no ``kind``, so print agents of every version read it); a slip's and a card's carry
    ``"kind": "slip"`` or ``"card"``."""
    if isinstance(item, TicketPrint):
        return ticket_to_payload(item)
    data = {"kind": item.kind, **asdict(item)}
    if isinstance(item, SlipPrint):
        data["start"] = item.start.isoformat()
    return data


def printable_from_payload(data: dict[str, Any]) -> Printable:
    """The ticket, slip or card a payload describes; ValueError or KeyError if malformed
    (an unknown ``kind`` included). Text is made printable by the dataclasses themselves."""
    kind = data.get("kind", "ticket")
    if kind == "ticket":
        return ticket_from_payload(data)
    if kind == "slip":
        return SlipPrint(
            location_name=str(data["location_name"]),
            location_address=str(data["location_address"]),
            start=datetime.fromisoformat(str(data["start"])),
            code=str(data["code"]),
            topic=str(data["topic"]),
            topic_de=str(data["topic_de"]),
            with_name=str(data["with_name"]),
            language=str(data["language"]),
            url=str(data["url"]),
        )
    if kind == "card":
        return CardPrint(
            code=str(data["code"]),
            counselor=str(data["counselor"]),
            organisation=str(data["organisation"]),
            location_name=str(data["location_name"]),
            language=str(data["language"]),
        )
    raise ValueError(f"unknown print job kind {kind!r}")
