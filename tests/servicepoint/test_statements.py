"""How many SQL statements the busiest requests send: drawing a ticket, finish-and-call-next,
recall, and a snapshot refresh (whose count does not grow with the queue). A count is
deterministic, so it is pinned here; the CPU time they take is measured by
``bench/ticket_cpu.py``, never asserted.

Only the work is counted: the transaction control around it (``BEGIN``, and in these tests
the savepoints every commit becomes) is left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from servicepoint import manage
from servicepoint.events import Context
from servicepoint.manage import PrinterSettings

CONTROL = re.compile(r"^\s*(BEGIN|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.I)


@contextmanager
def statements(db) -> Iterator[list[str]]:
    """The statements sent to ``db`` meanwhile (from any session), transaction control left
    out."""
    sent: list[str] = []

    def note(_connection, _cursor, statement, *_args) -> None:
        if not CONTROL.match(statement):
            sent.append(" ".join(statement.split())[:120])

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


@pytest.fixture
def hub(app):
    return app.extensions["servicepoint.db"].hub


@pytest.fixture
def deferred(hub, monkeypatch) -> list[dict[int, bool]]:
    """The snapshot refreshes asked for, not run (the tests' app runs them in the request)."""
    asked: list[dict[int, bool]] = []
    monkeypatch.setattr(hub, "refresh", asked.append)
    return asked


@pytest.fixture
def kiosk_token(session, centre) -> str:
    _kiosk, token = manage.create_kiosk(session, centre, "Eingang")
    session.commit()
    return token


def draw(client, kiosk_token, n, **extra):
    body = {"topic": "general", "kiosk": kiosk_token, "request_id": f"tap-{n}", **extra}
    answer = client.post("/api/v1/locations/test-centre/tickets", json=body)
    assert answer.status_code in (200, 201), answer.json
    return answer.json


def test_drawing_a_ticket_sends_ten_statements(db, client, centre, kiosk_token, deferred):
    """The location with its desks, the kiosk, the topic, an earlier draw of this tap,
    whether any consultation session names a topic of the location (none here: the topic is
    open; servicepoint.offer), the number, the ticket, its history row, the people ahead,
    and both throttle counters."""
    draw(client, kiosk_token, 0)  # opens the throttle windows (and clears ended ones)
    with statements(db) as sent:
        drawn = draw(client, kiosk_token, 1)
    assert drawn["people_ahead"] == 1
    assert len(sent) <= 10, sent
    assert deferred == [{centre.id: False}, {centre.id: False}]


def test_a_topic_with_sessions_costs_five_statements_more(
    db, session, client, centre, kiosk_token, deferred
):
    """Where sessions drive the kiosk (servicepoint/offer.py) a draw also reads the rules
    with their topics, the weeks' changes and closures, and the people waiting for the topic
    (can they still be served before the end?): 15 statements, five more than a location
    without sessions. Pinned so that growth is a decision, not an accident; caching the
    day's occurrences per process would take most of them away."""
    from datetime import UTC, datetime, time

    from servicepoint import clock
    from servicepoint.models import Consultation

    general = next(t for t in centre.topics if t.key == "general")
    session.add(
        Consultation(
            location=centre,
            weekdays="mon,tue,wed,thu,fri,sat,sun",
            start=time(0, 0),
            end=time(23, 59),
            topics=[general],
        )
    )
    session.commit()
    with clock.frozen(datetime(2026, 12, 7, 11, 0, tzinfo=UTC)):
        draw(client, kiosk_token, 0)
        with statements(db) as sent:
            draw(client, kiosk_token, 1)
    assert len(sent) <= 15, sent


def test_a_print_job_adds_one_statement(db, session, client, centre, deferred):
    _kiosk, token = manage.create_kiosk(
        session, centre, "Drucker", PrinterSettings("agent", "usb://04b8:0202")
    )
    session.commit()
    draw(client, token, 0)
    with statements(db) as sent:
        drawn = draw(client, token, 1)
    assert drawn["print"] is not None
    assert len(sent) <= 11, sent


def test_a_retried_tap_writes_nothing(db, client, centre, kiosk_token, deferred):
    first = draw(client, kiosk_token, 0)
    with statements(db) as sent:
        again = draw(client, kiosk_token, 0)
    assert again["code"] == first["code"]
    assert not [s for s in sent if not s.startswith("SELECT")], sent


@pytest.fixture
def at_desk(client, factory, centre, auth, kiosk_token, deferred):
    """A counselor signed in and serving a visitor at the first desk; three more wait."""
    factory.staff()
    for n in range(4):
        draw(client, kiosk_token, n)
    auth.login()
    desk = centre.desks[0].id
    called = client.post(f"/api/v1/desks/{desk}/call-next").json
    assert client.post(f"/api/v1/tickets/{called['id']}/start").status_code == 200
    return desk


def test_finish_and_call_next_sends_eleven_statements(db, client, at_desk, socket_client):
    """The signed-in session with its counselor, the desk with its location, the ticket at
    the desk, its finish, its visit fact (one upsert) and history row, the waiting tickets as
    the calling order reads them and the one it chose, its call and history row, and the
    staff who see the location (for their desk views). Who is on duty is read only when a
    ticket is meant for a colleague."""
    desk_view = socket_client("/staff", {"location": "test-centre"})
    desk_view.get_received("/staff")
    with statements(db) as sent:
        called = client.post(f"/api/v1/desks/{at_desk}/call-next")
    assert called.status_code == 200
    assert len(sent) <= 11, sent
    names = [e["name"] for e in desk_view.get_received("/staff")]
    assert names == ["ticket", "ticket"]  # the finished one and the called one


def test_recall_sends_five_statements(db, client, at_desk, socket_client):
    called = client.post(f"/api/v1/desks/{at_desk}/call-next").json
    lobby = socket_client("/display", {"location": "test-centre"})
    lobby.get_received("/display")
    with statements(db) as sent:
        again = client.post(f"/api/v1/tickets/{called['id']}/recall")
    assert again.status_code == 200
    assert len(sent) <= 5, sent
    calls = [e["args"][0] for e in lobby.get_received("/display") if e["name"] == "called"]
    assert [(c["code"], c["recall"]) for c in calls] == [(called["code"], True)]


def test_a_refresh_costs_as_many_statements_at_any_queue_length(
    db, client, centre, kiosk_token, hub, deferred, factory, auth, socket_client
):
    """The lobby, a counselor's desk view and a phone listen; 3 and then 30 tickets wait."""
    factory.staff()
    auth.login()
    first = draw(client, kiosk_token, 0)
    socket_client("/display", {"location": "test-centre"})
    socket_client("/staff", {"location": "test-centre"})
    phone = socket_client("/ticket", {"token": first["token"]})
    refresh = type(hub).refresh.__get__(hub)  # the real one (the fixture defers the requests')
    counts = []
    for waiting in (3, 30):
        for n in range(len(counts) * 3 + 1, waiting):
            draw(client, kiosk_token, n)
        phone.get_received("/ticket")
        with statements(db) as sent:
            refresh({centre.id: True})
        counts.append(len(sent))
        statuses = [e for e in phone.get_received("/ticket") if e["name"] == "status"]
        assert [s["args"][0]["people_ahead"] for s in statuses] == [0]
    # 11, not 9: one asks for the location's consultation sessions (the lobby's next
    # sessions), and the staff views show who sits at which desk (the location's desks with
    # their occupants); both one statement at any queue length.
    assert counts[0] == counts[1] <= 11, counts


def test_nobody_listening_costs_a_refresh_almost_nothing(db, client, centre, kiosk_token, hub):
    for n in range(20):
        draw(client, kiosk_token, n)
    with statements(db) as sent:
        hub.refresh({centre.id: True})
    # The location, the staff who could see it, and the waiting tickets' places.
    assert len(sent) <= 3, sent


def test_a_hub_behind_a_message_queue_cannot_know_who_listens(hub, monkeypatch):
    from socketio import PubSubManager

    assert not hub.listening("/staff", ["staff:test-centre:1"])  # this process: nobody
    monkeypatch.setattr(hub.socketio.server, "manager", PubSubManager())
    assert hub.listening("/staff", ["staff:test-centre:1"])  # another process may have them
    assert hub.listening("/ticket", "ticket:anything")
    # A resync is for this process's own clients: those it knows.
    assert not hub.builders_context(here_only=True).listening("/ticket", "ticket:anything")


def test_builders_without_a_hub_build_everything():
    assert Context().listening("/ticket", "ticket:anything")


def test_a_commits_own_messages_are_built_for_every_room(app, hub, session, centre, factory):
    """Only the refresher, after the commit, leaves out what nobody listens to. A phone or
    screen that joins between the building of a commit's messages and the commit reads the
    state before it, so those messages are built for every room."""
    from servicepoint import tickets
    from servicepoint.events import outbox

    staff = factory.staff()
    tickets.issue_ticket(session, centre, factory.topic(centre, "general"), "de")
    called = tickets.call_next(session, centre.desks[0], staff)
    assert not hub.listening("/ticket", f"ticket:{called.public_token}")  # nobody, yet
    delivery = hub.prepare(session, list(outbox(session)))
    sent = {(m.namespace, m.event, str(m.room)) for m in delivery.messages}
    assert ("/ticket", "status", f"ticket:{called.public_token}") in sent
    assert ("/display", "called", "location:test-centre") in sent
    assert ("/staff", "ticket", str([f"staff:test-centre:{staff.id}"])) in sent
    session.rollback()
