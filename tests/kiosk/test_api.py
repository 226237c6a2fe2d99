"""Kiosk JSON API: topics and drawing tickets, with bad input refused cleanly."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from servicepoint.models import Ticket, TicketCounter


def count_tickets(session) -> int:
    return session.scalar(select(func.count(Ticket.id)))


def test_topics_lists_active_topics_in_order(client, session, centre):
    centre.topics[1].active = False
    session.commit()
    response = client.get("/api/v1/locations/test-centre/topics")
    assert response.status_code == 200
    assert [t["key"] for t in response.json["topics"]] == ["general"]
    assert response.json["topics"][0]["names"]["de"] == "General"


def test_issue_ticket_returns_code_position_and_status_url(client, centre):
    first = client.post("/api/v1/locations/test-centre/tickets", json={"topic": "general"})
    second = client.post(
        "/api/v1/locations/test-centre/tickets", json={"topic": "general", "language": "uk"}
    )
    assert first.status_code == 201
    body = second.json
    assert (body["code"], body["number"], body["topic"], body["position"]) == (
        "A002",
        2,
        "general",
        1,
    )
    assert body["language"] == "uk"
    assert body["status_url"] == f"https://sp.example.org/t/{body['token']}"
    assert body["qr_url"] == f"/t/{body['token']}/qr.svg"
    with client.get(body["qr_url"]) as qr:
        assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    status = client.get(f"/api/v1/tickets/{body['token']}")
    assert status.json["people_ahead"] == 1 and status.json["state"] == "waiting"


@pytest.mark.parametrize(
    ("url", "kwargs", "status", "words"),
    [
        ("/api/v1/locations/nowhere/tickets", {"json": {"topic": "general"}}, 404, "no location"),
        ("/api/v1/locations/test-centre/tickets", {"json": {"topic": "nope"}}, 404, "no topic"),
        ("/api/v1/locations/test-centre/tickets", {"json": {}}, 400, "is required"),
        ("/api/v1/locations/test-centre/tickets", {"json": {"topic": 7}}, 400, "must be a string"),
        ("/api/v1/locations/test-centre/tickets", {"json": ["general"]}, 400, "JSON object"),
        (
            "/api/v1/locations/test-centre/tickets",
            {"data": "{not json", "content_type": "application/json"},
            400,
            "not valid JSON",
        ),
        ("/api/v1/locations/test-centre/tickets", {"data": "topic=general"}, 400, "Content-Type"),
        (
            "/api/v1/locations/test-centre/tickets",
            {"json": {"topic": "general", "language": "<script>"}},
            400,
            "language code",
        ),
        (
            "/api/v1/locations/test-centre/tickets",
            {"json": {"topic": "general", "language": "x" * 50}},
            400,
            "At most 8 characters",
        ),
        (
            "/api/v1/locations/test-centre/tickets",
            {"data": "[" + "1," * 40000 + "1]", "content_type": "application/json"},
            413,
            "larger than",
        ),
    ],
)
def test_bad_requests_get_clear_errors_and_change_nothing(
    client, session, centre, url, kwargs, status, words
):
    response = client.post(url, **kwargs)
    assert response.status_code == status
    assert words in response.json["message"]
    assert response.json["error"]
    assert count_tickets(session) == 0
    assert session.scalar(select(func.count()).select_from(TicketCounter)) == 0


def test_unknown_token_is_404_json(client, centre):
    response = client.get("/api/v1/tickets/does-not-exist")
    assert response.status_code == 404
    assert response.json["error"] == "not_found"


def test_inactive_topic_is_refused_with_409(client, session, centre):
    centre.topics[0].active = False
    session.commit()
    response = client.post("/api/v1/locations/test-centre/tickets", json={"topic": "general"})
    assert response.status_code == 409
    assert "no new tickets" in response.json["message"]


def test_kiosk_page_renders_for_location_and_404_for_unknown(client, centre):
    page = client.get("/kiosk/test-centre")
    assert page.status_code == 200
    assert b"test-centre" in page.data
    assert client.get("/kiosk/nowhere").status_code == 404


def test_retried_request_returns_the_same_ticket(client, session, centre):
    body = {"topic": "general", "request_id": "tap-7f3a9c"}
    first = client.post("/api/v1/locations/test-centre/tickets", json=body)
    retry = client.post("/api/v1/locations/test-centre/tickets", json=body)
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json["token"] == first.json["token"] and retry.json["code"] == "A001"
    assert count_tickets(session) == 1
    other_topic = client.post(
        "/api/v1/locations/test-centre/tickets",
        json={"topic": "language", "request_id": "tap-7f3a9c"},
    )
    assert other_topic.status_code == 400 and count_tickets(session) == 1
    fresh = client.post(
        "/api/v1/locations/test-centre/tickets",
        json={"topic": "general", "request_id": "tap-000001"},
    )
    assert fresh.status_code == 201 and fresh.json["code"] == "A002"


def test_ticket_stands_when_announcing_it_fails(app, client, session, centre, monkeypatch):
    hub = app.extensions["servicepoint.db"].hub

    def broken(_prepared):
        raise RuntimeError("socket layer down")

    monkeypatch.setattr(hub, "publish", broken)
    response = client.post("/api/v1/locations/test-centre/tickets", json={"topic": "general"})
    assert response.status_code == 201, "the commit happened; the visitor has the ticket"
    assert count_tickets(session) == 1
