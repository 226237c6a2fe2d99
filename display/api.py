"""Display JSON API: the lobby snapshot and a ticket's status (by its public token).

A ticket's status and the visitor's cancel answer at ``/api/v1/tickets/<token>…`` (the LAN,
integrators) and at ``/t/api/v1/tickets/<token>…`` in the public half (the phone page)."""

from __future__ import annotations

from flask import current_app

from display import api_bp as api
from display import public_api_bp as public_api
from servicepoint import snapshots, tickets
from servicepoint.web import db_session, estimates


@api.get("/locations/<slug>/display")
def display_snapshot(slug: str):
    """Everything the lobby screen shows, as one snapshot."""
    session = db_session()
    location = tickets.get_location(session, slug)
    return snapshots.display_snapshot(
        session,
        location,
        current_app.config["DISPLAY_RECENT_CALLS"],
        current_app.config["CALL_CURRENT_MINUTES"],
    )


@api.get("/tickets/<token>")
@public_api.get("/tickets/<token>")
def ticket_status(token: str):
    """Code, state, people ahead and, once called, the desk of one ticket."""
    session = db_session()
    ticket = tickets.get_ticket_by_token(session, token)
    return snapshots.ticket_status(session, ticket, estimates(ticket.location))


@api.post("/tickets/<token>/cancel")
@public_api.post("/tickets/<token>/cancel")
def cancel_own_ticket(token: str):
    """The visitor gives up their place (from the phone); staff see it leave the queue."""
    session = db_session()
    ticket = tickets.get_ticket_by_token(session, token, for_update=True)
    tickets.cancel(session, ticket, staff=None)
    return snapshots.ticket_status(session, ticket, estimates(ticket.location))
