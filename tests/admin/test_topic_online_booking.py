"""A topic's online booking: off by default, switched on and off by its location's manager."""

from __future__ import annotations


def test_online_booking_is_off_until_a_manager_switches_it_on(client, centre, manager, auth):
    auth.login("leitung")
    created = client.post(
        "/api/v1/locations/test-centre/topics",
        json={"key": "housing", "prefix": "H", "names": {"de": "Wohnen"}},
    )
    assert created.status_code == 201 and created.json["online_booking"] is False
    switched = client.patch(
        "/api/v1/locations/test-centre/topics/housing", json={"online_booking": True}
    )
    assert switched.status_code == 200 and switched.json["online_booking"] is True
    listed = client.get("/api/v1/locations/test-centre/topics/all").json["topics"]
    assert {t["key"]: t["online_booking"] for t in listed}["housing"] is True
    bad = client.patch("/api/v1/locations/test-centre/topics/housing", json={"online_booking": 1})
    assert bad.status_code == 400 and bad.json["field"] == "online_booking"
    created = client.post(
        "/api/v1/locations/test-centre/topics",
        json={"key": "jobs", "prefix": "J", "names": {"de": "Arbeit"}, "online_booking": True},
    )
    assert created.json["online_booking"] is True
