"""Whom a counselor may book a follow-up with: the location's counselors serving the topic
(``GET /api/v1/locations/<slug>/counselors``); on SQLite and PostgreSQL."""

from __future__ import annotations


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
