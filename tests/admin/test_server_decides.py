"""The server decides, pages show: ``moves``, ``served``, ``next_id`` and ``can_cancel`` are
the same rules the server applies when the move is made."""

from __future__ import annotations

import pytest

from servicepoint import tickets
from servicepoint.models import Role, TicketState

ALL_MOVES = ["recall", "start", "finish", "no-show", "requeue", "transfer", "cancel"]


def draw(client, topic="general"):
    return client.post("/api/v1/locations/test-centre/tickets", json={"topic": topic}).json


def queue(client):
    return client.get("/api/v1/locations/test-centre/queue").json


def find(payload, code):
    return next(t for t in payload["waiting"] + payload["active"] if t["code"] == code)


def test_closed_topic_is_served_and_next_and_called(client, factory, centre, auth, session):
    """A visitor waits for a topic a manager then closes: the desk view and call-next agree."""
    language = factory.topic(centre, "language")
    factory.staff("sprache", topics=[language])
    auth.login("sprache")
    waiting = draw(client, "language")
    language.active = False
    session.commit()
    payload = queue(client)
    ticket = find(payload, waiting["code"])
    assert ticket["served"] is True
    assert payload["next_id"] == ticket["id"]
    called = client.post(f"/api/v1/desks/{centre.desks[0].id}/call-next")
    assert called.status_code == 200 and called.json["id"] == payload["next_id"]


def test_served_and_next_differ_per_counselor(client, factory, centre, auth):
    language = factory.topic(centre, "language")
    factory.staff("sprache", topics=[language])
    factory.staff("alle")
    general = draw(client, "general")
    lang = draw(client, "language")
    auth.login("sprache")
    mine = queue(client)
    # The desk's list: what this counselor may call now, in their calling order, then the rest.
    assert [t["code"] for t in mine["waiting"]] == [lang["code"], general["code"]]
    assert find(mine, general["code"])["served"] is False
    assert find(mine, lang["code"])["served"] is True
    assert mine["next_id"] == find(mine, lang["code"])["id"]
    auth.logout()
    auth.login("alle")
    theirs = queue(client)
    assert all(t["served"] for t in theirs["waiting"])
    assert theirs["next_id"] == find(theirs, general["code"])["id"]


def test_nothing_served_means_no_next(client, factory, centre, auth):
    factory.staff("sprache", topics=[factory.topic(centre, "language")])
    draw(client, "general")
    auth.login("sprache")
    assert queue(client)["next_id"] is None
    refused = client.post(f"/api/v1/desks/{centre.desks[0].id}/call-next")
    assert refused.status_code == 409 and refused.json["error"] == "nothing_to_call"


def _ticket_in(client, centre, state: str) -> dict:
    """A ticket brought into ``state`` through the API."""
    drawn = draw(client)
    ticket = find(queue(client), drawn["code"])
    if state == TicketState.WAITING:
        return ticket
    desk = centre.desks[0].id
    client.post(f"/api/v1/desks/{desk}/call", json={"ticket_id": ticket["id"]})
    step = {
        TicketState.SERVING: "start",
        TicketState.DONE: "finish",
        TicketState.NO_SHOW: "no-show",
        TicketState.CANCELLED: "cancel",
    }.get(TicketState(state))
    if step:
        assert client.post(f"/api/v1/tickets/{ticket['id']}/{step}").status_code == 200
    return ticket


@pytest.mark.parametrize("state", [s.value for s in TicketState])
def test_moves_listed_are_the_moves_the_server_accepts(client, centre, counselor, auth, state):
    """For a ticket in each state, a move is listed exactly when the server accepts it."""
    auth.login()
    for move in ["call", *ALL_MOVES]:
        ticket = _ticket_in(client, centre, state)
        seen = client.get(f"/api/v1/tickets/{ticket['id']}/events").json["ticket"]
        assert seen["state"] == state
        if move == "call":
            desk = centre.desks[1].id
            answer = client.post(f"/api/v1/desks/{desk}/call", json={"ticket_id": ticket["id"]})
        else:
            body = {"topic": "language"} if move == "transfer" else None
            answer = client.post(f"/api/v1/tickets/{ticket['id']}/{move}", json=body)
        assert (answer.status_code == 200) == (move in seen["moves"]), (move, answer.json)
        if answer.status_code != 200:
            assert answer.json["error"] in {"illegal_transition", "ticket_not_waiting"}
        # Free the desks for the next round.
        for active in queue(client)["active"]:
            client.post(f"/api/v1/tickets/{active['id']}/finish")


def test_waiting_and_called_moves(client, centre, counselor, auth):
    auth.login()
    drawn = draw(client)
    waiting = find(queue(client), drawn["code"])
    assert waiting["moves"] == ["call", "transfer", "cancel"]
    called = client.post(f"/api/v1/desks/{centre.desks[0].id}/call-next").json
    assert called["moves"] == [
        "recall",
        "start",
        "finish",
        "no-show",
        "requeue",
        "transfer",
        "cancel",
    ]
    done = client.post(f"/api/v1/tickets/{called['id']}/finish").json
    assert done["moves"] == ["requeue"]  # the undo of a slip, the same day


def test_a_manager_and_a_counselor_see_moves(client, factory, centre, auth):
    factory.staff("leitung", role=Role.MANAGER)
    draw(client)
    auth.login("leitung")
    assert queue(client)["waiting"][0]["moves"] == ["call", "transfer", "cancel"]


def test_phone_can_cancel_only_while_cancelling_is_possible(client, centre, counselor, auth):
    drawn = draw(client)
    status = client.get(f"/api/v1/tickets/{drawn['token']}").json
    assert status["can_cancel"] is True
    assert client.post(f"/api/v1/tickets/{drawn['token']}/cancel").status_code == 200
    status = client.get(f"/api/v1/tickets/{drawn['token']}").json
    assert status["state"] == "cancelled" and status["can_cancel"] is False
    again = client.post(f"/api/v1/tickets/{drawn['token']}/cancel")
    assert again.status_code == 409


def test_staff_socket_queue_is_the_staff_members_own(
    client, factory, centre, auth, socket_client, app
):
    language = factory.topic(centre, "language")
    factory.staff("sprache", topics=[language])
    draw(client, "general")
    auth.login("sprache")
    staff = socket_client("/staff", {"location": "test-centre"})
    first = next(m for m in staff.get_received("/staff") if m["name"] == "queue")["args"][0]
    assert first["next_id"] is None and first["waiting"][0]["served"] is False
    # Not "call": a counselor calls only the topics they serve there (topic_not_served).
    assert first["waiting"][0]["moves"] == ["transfer", "cancel"]
    lang = draw(client, "language")
    app.extensions["servicepoint.db"].hub.refresh({centre.id: True})
    import time

    deadline = time.monotonic() + 5
    queues = []
    while time.monotonic() < deadline and not queues:
        queues = [m for m in staff.get_received("/staff") if m["name"] == "queue"]
        time.sleep(0.05)
    latest = queues[-1]["args"][0]
    assert find(latest, lang["code"])["served"] is True
    assert latest["next_id"] == find(latest, lang["code"])["id"]


def test_next_for_is_what_call_next_takes(session, factory, centre):
    """The core's one calling order: next_for names the ticket call_next then calls."""
    counselor = factory.staff()
    general = factory.topic(centre, "general")
    issued = [tickets.issue_ticket(session, centre, general, "de").ticket for _ in range(3)]
    session.commit()
    upcoming = tickets.next_for(session, centre, counselor)
    called = tickets.call_next(session, centre.desks[0], counselor)
    assert upcoming is issued[0] and called is issued[0]


def test_every_change_raises_the_tickets_version(client, centre, counselor, auth):
    """Screens keep the newest status: a status read before a call (an older version) that
    arrives after it is dropped by the phone."""
    drawn = draw(client)
    first = client.get(f"/api/v1/tickets/{drawn['token']}").json
    auth.login()
    client.post(f"/api/v1/desks/{centre.desks[0].id}/call-next")
    called = client.get(f"/api/v1/tickets/{drawn['token']}").json
    client.post(f"/api/v1/tickets/{find(queue(client), drawn['code'])['id']}/requeue")
    again = client.get(f"/api/v1/tickets/{drawn['token']}").json
    assert first["version"] < called["version"] < again["version"]
    assert again["state"] == "waiting" and again["open"] is True and again["expired"] is False
