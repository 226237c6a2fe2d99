"""Calls spoken aloud: the ``called`` event's ``announcement`` (German first, then the
visitor's language; again for a recall), the audio route, and what happens without an
engine (the lobby only chimes, the staff page says so)."""

from __future__ import annotations

import wave
from io import BytesIO

import pytest

from tests.conftest import AuthActions, make_test_app


def draw(client, language="de", topic="general"):
    return client.post(
        "/api/v1/locations/test-centre/tickets", json={"topic": topic, "language": language}
    ).json


def calls(sc):
    return [e["args"][0] for e in sc.get_received("/display") if e["name"] == "called"]


def get(client, url):
    """``url``'s response with its body read and the file behind it closed."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def spoken(client, url):
    """The WAV behind ``url``: its length in seconds."""
    response = get(client, url)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "audio/wav"
    with wave.open(BytesIO(response.data)) as audio:
        return audio.getnframes() / audio.getframerate()


@pytest.fixture
def counselor(factory):
    return factory.staff()


def test_a_call_is_announced_in_german_then_in_the_visitors_language(
    socket_client, client, app, centre, counselor, auth
):
    speaker = app.extensions["servicepoint.speaker"]
    arabic = draw(client, "ar")
    german = draw(client, "de")
    tigrinya = draw(client, "ti")
    lobby = socket_client("/display", {"location": "test-centre"})
    lobby.get_received("/display")
    auth.login()
    desk = centre.desks[1].id
    for _ in range(3):
        called = client.post(f"/api/v1/desks/{desk}/call-next")
        assert called.status_code == 200, called.json
        client.post(f"/api/v1/tickets/{called.json['id']}/start")
        client.post(f"/api/v1/tickets/{called.json['id']}/finish")
    first, second, third = calls(lobby)
    assert [c["code"] for c in (first, second, third)] == [
        arabic["code"],
        german["code"],
        tigrinya["code"],
    ]

    def said(call):
        return [
            speaker.recipe(url.split("/")[-1].removesuffix(".wav")) for url in call["announcement"]
        ]

    number = arabic["code"][0] + " " + str(int(arabic["code"][1:]))
    assert [(r.voice, r.text) for r in said(first)] == [
        ("de", f"Nummer {number}, bitte zu Raum 2."),
        ("ar", f"الرقم {number}، تفضل إلى Raum 2."),
    ]
    assert [r.voice for r in said(second)] == ["de"]  # a German ticket: German once
    assert [r.voice for r in said(third)] == ["de"]  # no voice for Tigrinya: German only
    # Every part is speech the lobby can load, the Arabic one in the same call after German.
    assert all(spoken(client, url) > 1.0 for url in first["announcement"])


def test_a_recall_is_announced_again(socket_client, client, app, centre, counselor, auth):
    ticket = draw(client, "en")
    lobby = socket_client("/display", {"location": "test-centre"})
    lobby.get_received("/display")
    auth.login()
    called = client.post(f"/api/v1/desks/{centre.desks[0].id}/call-next").json
    client.post(f"/api/v1/tickets/{called['id']}/recall")
    first, again = calls(lobby)
    assert (first["code"], first["recall"], again["code"], again["recall"]) == (
        ticket["code"],
        False,
        ticket["code"],
        True,
    )
    assert len(first["announcement"]) == 2
    assert again["announcement"] == first["announcement"]  # the same words, played again
    assert [spoken(client, url) > 1.0 for url in again["announcement"]] == [True, True]


def test_the_audio_route_speaks_only_what_the_server_signed(client, app, centre):
    speaker = app.extensions["servicepoint.speaker"]
    [url] = speaker.announcement("B012", "Raum 2", "de")
    response = get(client, url)
    assert response.status_code == 200
    assert "immutable" in response.headers["Cache-Control"]
    assert client.get(url.replace(".wav", "x.wav")).status_code == 404
    assert client.get("/display/announcements/WyJIYWxsbyJd.abc.wav").status_code == 404
    # A second screen gets the cached file.
    again = get(client, url)
    assert again.data == response.data


def test_a_failing_engine_answers_503_and_the_call_still_goes_out(
    db, tmp_path, factory, centre, counselor
):
    broken = tmp_path / "broken-engine"
    broken.write_text("#!/bin/sh\nexit 3\n")
    broken.chmod(0o755)
    app = make_test_app(db, tmp_path, SPEECH_COMMAND=str(broken))
    client = app.test_client()
    ticket = draw(client)
    lobby = app.extensions["socketio"].test_client(
        app, namespace="/display", auth={"location": "test-centre"}, flask_test_client=client
    )
    lobby.get_received("/display")
    AuthActions(client).login()
    assert client.post(f"/api/v1/desks/{centre.desks[0].id}/call-next").status_code == 200
    [call] = calls(lobby)
    assert call["code"] == ticket["code"]
    [url] = call["announcement"]
    assert client.get(url).status_code == 503
    lobby.disconnect(namespace="/display")


def test_without_an_engine_the_lobby_only_chimes_and_staff_are_told(
    db, tmp_path, factory, centre, counselor
):
    app = make_test_app(db, tmp_path, SPEECH_COMMAND="no-such-speech-engine")
    client = app.test_client()
    ticket = draw(client)
    lobby = app.extensions["socketio"].test_client(
        app, namespace="/display", auth={"location": "test-centre"}, flask_test_client=client
    )
    lobby.get_received("/display")
    AuthActions(client).login()
    assert client.post(f"/api/v1/desks/{centre.desks[0].id}/call-next").status_code == 200
    [call] = calls(lobby)
    assert (call["code"], call["announcement"]) == (ticket["code"], [])
    page = client.get("/staff/").get_data(as_text=True)
    assert 'data-testid="speech-missing"' in page
    assert "espeak-ng" in page
    lobby.disconnect(namespace="/display")


def test_with_an_engine_the_staff_page_says_nothing_of_it(client, centre, counselor, auth):
    auth.login()
    assert 'data-testid="speech-missing"' not in client.get("/staff/").get_data(as_text=True)


def test_a_speech_error_never_stops_the_call(
    socket_client, client, app, centre, counselor, auth, monkeypatch
):
    speaker = app.extensions["servicepoint.speaker"]

    def broken(*args):
        raise KeyError("lobby.speech")

    monkeypatch.setattr(speaker, "announcement", broken)
    ticket = draw(client, "en")
    lobby = socket_client("/display", {"location": "test-centre"})
    lobby.get_received("/display")
    auth.login()
    assert client.post(f"/api/v1/desks/{centre.desks[0].id}/call-next").status_code == 200
    [call] = calls(lobby)
    assert (call["code"], call["announcement"]) == (ticket["code"], [])
