"""Rooms in every language: a desk's names per language (managers set them); the lobby, the
phone and the spoken call name the room in the visitor's language, the German name beside
it; codes and digits stay Latin everywhere."""

from __future__ import annotations

import pytest

from tests.page_html import Page

ROOM = {"ar": "الغرفة 2", "uk": "Кімната 2", "en": "Room 2"}


def draw(client, language="de", topic="general"):
    drawn = client.post(
        "/api/v1/locations/test-centre/tickets", json={"topic": topic, "language": language}
    )
    assert drawn.status_code == 201, drawn.json
    return drawn.json


@pytest.fixture
def counselor(factory):
    return factory.staff()


@pytest.fixture
def named_room(client, centre, factory, auth):
    """Raum 2 with names in Arabic, Ukrainian and English, set by the location's manager."""
    factory.staff("leitung", role="manager")
    auth.login("leitung")
    desk = centre.desks[1]
    named = client.patch(f"/api/v1/desks/{desk.id}", json={"names": ROOM})
    assert named.status_code == 200, named.json
    client.delete("/api/v1/session")
    return desk


def test_a_manager_names_a_desk_per_language(client, centre, factory, auth):
    factory.staff("leitung", role="manager")
    auth.login("leitung")
    created = client.post(
        "/api/v1/locations/test-centre/desks",
        json={"name": "Raum 3", "names": {"ar": " الغرفة 3 ", "uk": "", "tr": "Oda 3"}},
    )
    assert created.status_code == 201, created.json
    assert created.json["names"] == {"ar": "الغرفة 3", "tr": "Oda 3"}  # empty ones dropped
    desk = created.json["id"]
    renamed = client.patch(f"/api/v1/desks/{desk}", json={"names": {"uk": "Кімната 3"}})
    assert renamed.json["names"] == {"uk": "Кімната 3"}  # replaces them all
    kept = client.patch(f"/api/v1/desks/{desk}", json={"name": "Raum 33"})
    assert kept.json["names"] == {"uk": "Кімната 3"} and kept.json["name"] == "Raum 33"
    listed = client.get("/api/v1/locations/test-centre/desks").json["desks"]
    assert {d["name"]: d["names"] for d in listed}["Raum 33"] == {"uk": "Кімната 3"}
    cleared = client.patch(f"/api/v1/desks/{desk}", json={"names": {}})
    assert cleared.json["names"] == {}
    # Digits are Latin in every language, as on the ticket and the lobby.
    latin = client.patch(
        f"/api/v1/desks/{desk}", json={"names": {"ar": "الغرفة ١٢", "fa": "اتاق ۱۲"}}
    )
    assert latin.json["names"] == {"ar": "الغرفة 12", "fa": "اتاق 12"}


@pytest.mark.parametrize(
    ("names", "field"),
    [
        ({"de": "Raum 3"}, "names.de"),  # the German name is the desk's name
        ({"ar": "\u202egood"}, "names.ar"),  # a bidi control
        ({"ar": 3}, "names"),
        ({"not a language": "x"}, "names"),
        ("Room 3", "names"),
    ],
)
def test_bad_desk_names_are_refused_naming_the_field(client, centre, factory, auth, names, field):
    factory.staff("leitung", role="manager")
    auth.login("leitung")
    desk = centre.desks[0].id
    refused = client.patch(f"/api/v1/desks/{desk}", json={"names": names})
    assert refused.status_code == 400 and refused.json["field"] == field, refused.json
    assert client.get("/api/v1/locations/test-centre/desks").json["desks"][0]["names"] == {}


def test_counselors_cannot_name_desks(client, centre, counselor, auth):
    auth.login()
    refused = client.patch(f"/api/v1/desks/{centre.desks[0].id}", json={"names": {"en": "x"}})
    assert refused.status_code == 403


def test_the_lobby_gets_the_rooms_names_with_every_call(
    socket_client, client, centre, named_room, counselor, auth
):
    ticket = draw(client, "ar")
    lobby = socket_client("/display", {"location": "test-centre"})
    lobby.get_received("/display")
    auth.login()
    client.post(f"/api/v1/desks/{named_room.id}/call-next")

    received = lobby.get_received("/display")
    [called] = [e["args"][0] for e in received if e["name"] == "called"]
    assert (called["code"], called["desk"], called["desk_names"]) == (
        ticket["code"],
        "Raum 2",
        ROOM,
    )
    [queue] = [e["args"][0] for e in received if e["name"] == "queue"][-1:]
    assert queue["current"][0]["desk"] == "Raum 2" and queue["current"][0]["desk_names"] == ROOM
    snapshot = client.get("/api/v1/locations/test-centre/display").json
    assert snapshot["current"][0]["desk_names"] == ROOM


def test_the_call_is_spoken_with_the_rooms_name_in_each_language(
    socket_client, client, app, centre, named_room, counselor, auth
):
    speaker = app.extensions["servicepoint.speaker"]
    ticket = draw(client, "ar")
    number = ticket["code"][0] + " " + str(int(ticket["code"][1:]))

    recipes = speaker.recipes(ticket["code"], "Raum 2", "ar", ROOM)

    assert [(r.voice, r.text) for r in recipes] == [
        ("de", f"Nummer {number}, bitte zu Raum 2."),
        ("ar", f"الرقم {number}، تفضل إلى الغرفة 2."),
    ]
    # Without names in the language, the German name is spoken.
    [_german, french] = speaker.recipes(ticket["code"], "Raum 2", "fr", ROOM)
    assert "Raum 2" in french.text


def test_the_phone_names_the_room_in_its_language_and_in_german(
    client, centre, named_room, counselor, auth
):
    arabic = draw(client, "ar")
    german = draw(client, "de")
    auth.login()
    client.post(f"/api/v1/desks/{named_room.id}/call-next")

    status = client.get(f"/t/api/v1/tickets/{arabic['token']}").json
    assert (status["desk"], status["desk_names"]) == ("Raum 2", ROOM)
    page = Page(client.get(f"/t/{arabic['token']}").data)
    desk = page.find(data_testid="status-desk")
    assert (desk.text, desk.get("lang")) == ("الغرفة 2", "ar")
    below = page.find(data_testid="status-desk-de")
    assert (below.text, below.get("lang")) == ("Raum 2", "de") and "hidden" not in below.attrs
    # Codes and digits are Latin in every language: what the lobby shows is what the
    # paper says.
    assert page.find(data_testid="status-code").text == arabic["code"]
    assert arabic["code"].isascii() and "2" in desk.text
    # In a language the room has no name in: its German name, once.
    page = Page(client.get(f"/t/{arabic['token']}?lang=fa").data)
    assert page.find(data_testid="status-desk").text == "Raum 2"
    assert "hidden" in page.find(data_testid="status-desk-de").attrs

    # A waiting ticket names no room yet.
    waiting = client.get(f"/t/api/v1/tickets/{german['token']}").json
    assert (waiting["desk"], waiting["desk_names"]) == (None, {})


def test_a_desk_without_names_is_named_in_german_everywhere(
    socket_client, client, centre, counselor, auth
):
    ticket = draw(client, "uk")
    auth.login()
    client.post(f"/api/v1/desks/{centre.desks[0].id}/call-next")
    status = client.get(f"/t/api/v1/tickets/{ticket['token']}").json
    assert (status["desk"], status["desk_names"]) == ("Raum 1", {})
    page = Page(client.get(f"/t/{ticket['token']}").data)
    assert page.find(data_testid="status-desk").text == "Raum 1"
    assert "hidden" in page.find(data_testid="status-desk-de").attrs
