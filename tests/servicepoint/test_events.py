"""Typed domain events: the outbox holds dataclasses, each kind has one builder, and every
application owns its Socket.IO server."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from servicepoint import create_app, events, messages, tickets
from servicepoint.events import Context, DomainEvent, deliveries, outbox
from servicepoint.manage import TopicsChanged
from servicepoint.tickets import TicketMoved


def test_the_outbox_holds_typed_events(session, centre):
    general = next(t for t in centre.topics if t.key == "general")
    issued = tickets.issue_ticket(session, centre, general, "de")
    assert outbox(session) == [TicketMoved(centre.id, issued.ticket.id, "issued")]
    session.rollback()


def test_each_event_kind_becomes_its_messages(session, centre):
    assert messages.snapshot_messages  # the queue's builders are registered by this module
    general = next(t for t in centre.topics if t.key == "general")
    issued = tickets.issue_ticket(session, centre, general, "de").ticket
    delivery = deliveries(
        session, [TicketMoved(centre.id, issued.id, "issued"), TopicsChanged(centre.id)], Context()
    )
    names = [(m.namespace, m.event) for m in delivery.messages]
    assert ("/kiosk", "topics") in names
    assert ("/ticket", "status") not in names  # nobody follows a ticket before it is handed out
    assert delivery.locations == {centre.id: False}
    session.rollback()


def test_an_event_without_builder_is_refused(session, centre):
    @dataclass(frozen=True)
    class Unheard(DomainEvent):
        pass

    with pytest.raises(LookupError, match="Unheard"):
        deliveries(session, [Unheard()], Context())


def test_a_kind_has_one_builder():
    with pytest.raises(RuntimeError, match="already has a builder"):
        events.delivers(TicketMoved)(lambda *args: None)


def test_two_apps_in_one_process_keep_their_own_screens(db, tmp_path, session, centre):
    """A second app (tests, a re-created app) must not take the first app's clients away."""

    def make(name: str):
        return create_app(
            {
                "TESTING": True,
                "DATABASE": db,
                "DATABASE_URL": db.url,
                "INSTANCE_PATH": str(tmp_path / name),
                "SECRET_KEY": "test",
                "SNAPSHOT_INTERVAL": 0,
                "PRINT_IN_BACKGROUND": False,
            }
        )

    first = make("one")
    screen = first.extensions["socketio"].test_client(
        first, namespace="/display", auth={"location": centre.slug}
    )
    second = make("two")
    assert second.extensions["socketio"] is not first.extensions["socketio"]
    screen.get_received("/display")
    with first.test_client() as client:
        drawn = client.post(f"/api/v1/locations/{centre.slug}/tickets", json={"topic": "general"})
    assert drawn.status_code == 201
    received = [m["name"] for m in screen.get_received("/display")]
    assert "queue" in received, received
    screen.disconnect(namespace="/display")
