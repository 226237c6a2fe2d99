"""Display snapshot, ticket status page and QR code."""

from __future__ import annotations

from servicepoint import tickets


def draw(client, topic="general", language="de"):
    return client.post(
        "/api/v1/locations/test-centre/tickets", json={"topic": topic, "language": language}
    ).json


def test_display_snapshot_shows_calls_and_waiting_counts(client, session, factory, centre, auth):
    factory.staff()
    first, _second, _third = draw(client), draw(client), draw(client, "language")
    auth.login()
    desk = centre.desks[1]
    called = client.post(f"/api/v1/desks/{desk.id}/call-next").json
    assert called["code"] == first["code"]
    snapshot = client.get("/api/v1/locations/test-centre/display").json
    assert snapshot["current"] == [
        {
            "code": "A001",
            "desk": "Raum 2",
            "desk_names": {},
            "topic": "general",
            "called_at": called["called_at"],
            "call_count": 1,
        }
    ]
    assert {w["key"]: w["count"] for w in snapshot["waiting"]} == {"general": 1, "language": 1}
    assert snapshot["waiting_total"] == 2
    client.post(f"/api/v1/tickets/{called['id']}/start")
    snapshot = client.get("/api/v1/locations/test-centre/display").json
    assert snapshot["current"] == [] and [c["code"] for c in snapshot["recent"]] == ["A001"]


def test_display_of_one_location_never_shows_another(client, factory, centre, auth):
    factory.location("other")
    factory.staff()
    draw(client)
    auth.login()
    client.post(f"/api/v1/desks/{centre.desks[0].id}/call-next")
    other = client.get("/api/v1/locations/other/display").json
    assert other["current"] == [] and other["waiting_total"] == 0


def test_status_page_and_qr_code_point_to_the_ticket(client, centre):
    ticket = draw(client)
    page = client.get(f"/t/{ticket['token']}")
    assert page.status_code == 200 and b"A001" in page.data
    svg = client.get(f"/t/{ticket['token']}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert b"<svg" in svg.data
    assert client.get("/t/unknown-token").status_code == 404


def test_visitor_can_cancel_own_ticket_once(client, session, centre):
    ticket = draw(client)
    response = client.post(f"/api/v1/tickets/{ticket['token']}/cancel")
    assert response.status_code == 200 and response.json["state"] == "cancelled"
    again = client.post(f"/api/v1/tickets/{ticket['token']}/cancel")
    assert again.status_code == 409 and "cancelled" in again.json["message"]
    assert session.scalars(tickets.waiting_tickets(centre)).all() == []
