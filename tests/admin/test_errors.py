"""One error shape: ``{"error", "message", "field"?}``, the message in the client's language."""

from __future__ import annotations

import pytest


def test_a_refusal_names_the_field_and_speaks_the_pages_language(client, centre, manager, auth):
    auth.login("leitung")
    body = {"key": "housing", "prefix": "A", "names": {"de": "Wohnen"}}
    english = client.post("/api/v1/locations/test-centre/topics", json=body)
    assert english.status_code == 409
    assert english.json["error"] == "duplicate" and english.json["field"] == "prefix"
    assert "prefix 'A'" in english.json["message"]
    german = client.post(
        "/api/v1/locations/test-centre/topics", json=body, headers={"Accept-Language": "de"}
    )
    assert german.json["field"] == "prefix"
    assert "Kürzel „A“" in german.json["message"]
    topics = client.get("/api/v1/locations/test-centre/topics/all").json["topics"]
    assert [t["key"] for t in topics] == ["general", "language"]  # nothing was added


@pytest.mark.parametrize(
    ("body", "field", "error"),
    [
        ({"prefix": "C", "names": {"de": "Wohnen"}}, "key", "invalid"),
        ({"key": "housing", "prefix": "CC", "names": {"de": "Wohnen"}}, "prefix", "invalid"),
        ({"key": "housing", "prefix": "C", "names": {"en": "Housing"}}, "names.de", "invalid"),
        ({"key": "general", "prefix": "C", "names": {"de": "x"}}, "key", "duplicate"),
        ({"key": "housing", "prefix": "C", "names": "Wohnen"}, "names", "invalid"),
        (
            {"key": "housing", "prefix": "C", "names": {"de": "W"}, "position": "1"},
            "position",
            "invalid",
        ),
    ],
)
def test_each_refused_topic_input_names_its_field(
    client, centre, manager, auth, body, field, error
):
    auth.login("leitung")
    answer = client.post("/api/v1/locations/test-centre/topics", json=body)
    assert answer.status_code in (400, 409)
    assert answer.json["error"] == error and answer.json["field"] == field


def test_a_moved_topic_may_not_take_a_used_prefix(client, centre, manager, auth):
    auth.login("leitung")
    answer = client.patch("/api/v1/locations/test-centre/topics/language", json={"prefix": "a"})
    assert answer.status_code == 409 and answer.json["field"] == "prefix"
    same = client.patch("/api/v1/locations/test-centre/topics/language", json={"prefix": "b"})
    assert same.status_code == 200 and same.json["prefix"] == "B"


def test_queue_refusals_in_german_carry_no_english(client, centre, factory, auth):
    factory.staff()
    auth.login()
    client.post("/api/v1/locations/test-centre/tickets", json={"topic": "general"})
    client.post("/api/v1/locations/test-centre/tickets", json={"topic": "general"})
    desk = centre.desks[0].id
    assert client.post(f"/api/v1/desks/{desk}/call-next").status_code == 200
    busy = client.post(f"/api/v1/desks/{desk}/call-next", headers={"Accept-Language": "de"})
    assert busy.status_code == 409 and busy.json["error"] == "desk_busy"
    assert busy.json["message"].startswith("A001 ist noch zu Raum 1 aufgerufen")
    assert "called" not in busy.json["message"]


def test_unknown_urls_and_methods_answer_in_the_same_shape(client):
    missing = client.get("/api/v1/nothing-here", headers={"Accept-Language": "de"})
    assert missing.status_code == 404
    assert missing.json == {"error": "not_found", "message": "Nicht gefunden."}
