"""Whom a counselor may book a follow-up with: the location's counselors serving the topic
(``GET /api/v1/locations/<slug>/counselors``); on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from servicepoint import clock
from servicepoint.models import Consultation

BERLIN = ZoneInfo("Europe/Berlin")


def test_the_counselors_serving_a_topic_are_listed(client, session, centre, factory, auth):
    general, language = centre.topics
    factory.staff("carla", topics=[general])
    factory.staff("dana", topics=[])  # no topics chosen: every topic
    factory.staff("emil", topics=[language])
    other = factory.location("elsewhere")
    factory.staff("fritz", topics=[], locations=[other])
    gone = factory.staff("gerd", topics=[general])
    gone.active = False
    session.commit()
    auth.login("carla")
    listed = client.get("/api/v1/locations/test-centre/counselors?topic=general")
    assert listed.status_code == 200, listed.json
    assert listed.json["topic"] == "general"
    assert [(c["display_name"], c["topics"]) for c in listed.json["counselors"]] == [
        ("Carla", ["general"]),
        ("Dana", ["general", "language"]),
    ]
    everyone = client.get("/api/v1/locations/test-centre/counselors").json["counselors"]
    assert [c["display_name"] for c in everyone] == ["Carla", "Dana", "Emil"]
    unknown = client.get("/api/v1/locations/test-centre/counselors?topic=nothing")
    assert unknown.status_code == 404 and unknown.json["field"] == "topic"


def test_only_who_works_there_sees_its_counselors(client, session, centre, factory, auth):
    other = factory.location("elsewhere")
    factory.staff("fritz", topics=[], locations=[other])
    session.commit()
    auth.login("fritz")
    refused = client.get("/api/v1/locations/test-centre/counselors")
    assert refused.status_code == 403 and refused.json["error"] == "not_member"


def test_a_follow_up_takes_the_card_the_ticket_was_drawn_with(
    client, session, centre, factory, auth
):
    general = centre.topics[0]
    carla = factory.staff("carla", topics=[general])
    session.add(
        Consultation(
            location=centre,
            weekdays="mon,tue,wed,thu,fri",
            start=time(10),
            end=time(12),
            topics=[general],
            staff=[carla],
            slot_minutes=30,
            bookable_share=100,
        )
    )
    session.commit()
    with clock.frozen(datetime(2026, 12, 7, 10, 0, tzinfo=BERLIN)):
        auth.login("carla")
        code = client.post("/api/v1/cards", json={"location": "test-centre"}).json["code"]
        drawn = client.post(
            "/api/v1/locations/test-centre/tickets", json={"topic": "general", "card": code}
        ).json
        walk_in = client.post("/api/v1/locations/test-centre/tickets", json={"topic": "general"})
        queue = client.get("/api/v1/locations/test-centre/queue").json
        shown = {t["code"]: t for t in queue["waiting"]}
        assert (shown[drawn["code"]]["channel"], shown[drawn["code"]]["card"]) == ("card", True)
        assert shown[drawn["code"]]["for_staff_id"] == carla.id
        assert (shown[walk_in.json["code"]]["channel"], shown[walk_in.json["code"]]["card"]) == (
            "walk_in",
            False,
        )
        booked = {}
        for ticket, start in ((drawn, "10:30"), (walk_in.json, "11:00")):
            answer = client.post(
                "/api/v1/locations/test-centre/appointments",
                json={
                    "topic": "general",
                    "start": f"2026-12-07T{start}",
                    "staff_id": carla.id,
                    "ticket_id": shown[ticket["code"]]["id"],
                },
            )
            assert answer.status_code == 201, answer.json
            booked[ticket["code"]] = answer.json["card"]
        assert booked == {drawn["code"]: True, walk_in.json["code"]: False}
        unknown = client.post(
            "/api/v1/locations/test-centre/appointments",
            json={"topic": "general", "start": "2026-12-07T11:30", "ticket_id": 999999},
        )
        assert unknown.status_code == 404 and unknown.json["field"] == "ticket_id"
