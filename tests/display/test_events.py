"""Socket.IO: snapshot on connect, events after commit only, rooms per location and ticket."""

from __future__ import annotations

import pytest


def draw(client, topic="general", slug="test-centre"):
    return client.post(f"/api/v1/locations/{slug}/tickets", json={"topic": topic}).json


def events(sc, namespace, name=None):
    received = sc.get_received(namespace)
    return [e for e in received if name is None or e["name"] == name]


@pytest.fixture
def counselor(factory):
    return factory.staff()


def test_display_gets_snapshot_first(socket_client, client, centre):
    draw(client)
    sc = socket_client("/display", {"location": "test-centre"})
    assert sc.is_connected("/display")
    received = events(sc, "/display")
    assert received[0]["name"] == "snapshot"
    assert received[0]["args"][0]["waiting_total"] == 1


def test_display_for_unknown_location_is_refused(socket_client, centre):
    assert not socket_client("/display", {"location": "nowhere"}).is_connected("/display")
    assert not socket_client("/display", None).is_connected("/display")


def test_call_reaches_display_with_code_and_desk(socket_client, client, centre, counselor, auth):
    ticket = draw(client)
    sc = socket_client("/display", {"location": "test-centre"})
    sc.get_received("/display")
    auth.login()
    client.post(f"/api/v1/desks/{centre.desks[1].id}/call-next")
    received = events(sc, "/display")
    called = [e for e in received if e["name"] == "called"]
    assert len(called) == 1
    payload = called[0]["args"][0]
    assert (payload["code"], payload["desk"], payload["recall"]) == (
        ticket["code"],
        "Raum 2",
        False,
    )
    queue = received[-1]
    assert queue["name"] == "queue" and queue["args"][0]["current"][0]["code"] == ticket["code"]


def test_refused_move_announces_nothing(socket_client, client, centre, counselor, auth):
    sc = socket_client("/display", {"location": "test-centre"})
    sc.get_received("/display")
    auth.login()
    response = client.post(f"/api/v1/desks/{centre.desks[0].id}/call-next")
    assert response.status_code == 409
    assert events(sc, "/display") == []


def test_one_location_never_sees_anothers_tickets(
    socket_client, client, factory, centre, counselor, auth
):
    factory.location("other")
    other = socket_client("/display", {"location": "other"})
    other.get_received("/display")
    draw(client)
    auth.login()
    client.post(f"/api/v1/desks/{centre.desks[0].id}/call-next")
    assert events(other, "/display") == []


def test_display_can_ask_for_snapshot_again(socket_client, client, centre):
    sc = socket_client("/display", {"location": "test-centre"})
    sc.get_received("/display")
    draw(client)
    sc.get_received("/display")
    sc.emit("snapshot", namespace="/display")
    again = events(sc, "/display", "snapshot")
    assert len(again) == 1 and again[0]["args"][0]["waiting_total"] == 1


def test_phone_follows_its_ticket_until_called(socket_client, client, centre, counselor, auth):
    first = draw(client)
    second = draw(client)
    phone = socket_client("/ticket", {"token": second["token"]})
    status = events(phone, "/ticket", "status")
    assert status[0]["args"][0]["people_ahead"] == 1
    auth.login()
    desk = centre.desks[0]
    called = client.post(f"/api/v1/desks/{desk.id}/call-next").json
    assert called["code"] == first["code"]
    latest = events(phone, "/ticket", "status")[-1]["args"][0]
    assert (latest["state"], latest["people_ahead"]) == ("waiting", 0)
    client.post(f"/api/v1/tickets/{called['id']}/start")
    client.post(f"/api/v1/desks/{desk.id}/call-next")
    latest = events(phone, "/ticket", "status")[-1]["args"][0]
    assert (latest["state"], latest["desk"], latest["code"]) == ("called", "Raum 1", second["code"])


def test_phone_with_unknown_token_is_refused(socket_client, centre):
    assert not socket_client("/ticket", {"token": "nope"}).is_connected("/ticket")


def test_staff_namespace_needs_sign_in(socket_client, client, centre, counselor, auth):
    assert not socket_client("/staff", {"location": "test-centre"}).is_connected("/staff")
    auth.login()
    sc = socket_client("/staff", {"location": "test-centre"})
    assert events(sc, "/staff")[0]["name"] == "queue"
    draw(client)
    # A new ticket arrives with the queue; a move is told at once, then the queue follows.
    assert [e["name"] for e in events(sc, "/staff")] == ["queue"]
    client.post(f"/api/v1/desks/{centre.desks[0].id}/call-next")
    assert [e["name"] for e in events(sc, "/staff")] == ["ticket", "queue"]


def test_kiosk_learns_topic_changes(socket_client, client, factory, centre):
    from servicepoint.models import Role

    factory.staff("leitung", role=Role.MANAGER)
    kiosk = socket_client("/kiosk", {"location": "test-centre"})
    assert [t["key"] for t in events(kiosk, "/kiosk", "topics")[0]["args"][0]["topics"]] == [
        "general",
        "language",
    ]
    client.post(
        "/api/v1/session", json={"username": "leitung", "password": "correct horse battery"}
    )
    client.patch("/api/v1/locations/test-centre/topics/language", json={"active": False})
    latest = events(kiosk, "/kiosk", "topics")[-1]["args"][0]["topics"]
    assert [t["key"] for t in latest] == ["general"]


def test_bursts_of_changes_send_one_snapshot_with_all_of_them(app, socket_client, client, centre):
    import time

    # An interval the five draws fit in even on a busy machine (tests run side by side).
    app.extensions["servicepoint.db"].hub.snapshot_interval = 1.0
    sc = socket_client("/display", {"location": "test-centre"})
    sc.get_received("/display")
    started = time.monotonic()
    codes = [draw(client)["code"] for _ in range(5)]
    assert time.monotonic() - started < 1.0, "the draws took longer than one interval"
    deadline = time.monotonic() + 5
    queues = []
    while time.monotonic() < deadline and not queues:
        time.sleep(0.05)
        queues = events(sc, "/display", "queue")
    time.sleep(1.2)
    queues += events(sc, "/display", "queue")
    assert len(codes) == 5
    assert len(queues) == 1, "five changes inside one interval make one snapshot"
    assert queues[0]["args"][0]["waiting_total"] == 5


def test_a_failed_refresh_is_retried_until_the_screen_has_the_truth(
    app, socket_client, client, centre, monkeypatch
):
    import time

    from servicepoint import snapshots

    hub = app.extensions["servicepoint.db"].hub
    hub.snapshot_interval = 0.05
    sc = socket_client("/display", {"location": "test-centre"})
    sc.get_received("/display")
    real = snapshots.display_snapshot
    failures = []

    def flaky(*args, **kwargs):
        if not failures:
            failures.append(1)
            raise RuntimeError("database hiccup")
        return real(*args, **kwargs)

    monkeypatch.setattr(snapshots, "display_snapshot", flaky)
    draw(client)
    queues = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not queues:
        time.sleep(0.05)
        queues = events(sc, "/display", "queue")
    assert failures == [1]
    assert queues and queues[-1]["args"][0]["waiting_total"] == 1
