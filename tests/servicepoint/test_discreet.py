"""Discreet topics: their tickets share the location's neutral series, and nothing a visitor
or the waiting room sees (the lobby, the phone, the kiosk's ticket screen, the printed ticket)
names them; staff still see the real topic."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from printers import ticket_bytes
from printers.jobs import ticket_from_payload
from servicepoint import discreet, i18n, manage, tickets
from servicepoint.errors import Duplicate
from servicepoint.models import PrintJob, Role, Topic
from tests.printers.escpos_stream import parse

NAMES = {
    "de": "Beratung nach Gewalterfahrungen",
    "en": "Counselling after violence",
    "ar": "الاستشارة بعد التعرض للعنف",
}
OWN_LETTER = "G"


@pytest.fixture
def violence(session, centre) -> Topic:
    topic = manage.create_topic(session, centre, "violence", OWN_LETTER, NAMES, discreet=True)
    session.commit()
    return topic


def assert_not_named(text: str) -> None:
    """Neither the discreet topic's key, nor any of its names, nor a code of its own letter."""
    lowered = text.lower()
    assert "violence" not in lowered
    assert "gewalt" not in lowered
    assert NAMES["ar"] not in text
    assert not re.search(rf"\b{OWN_LETTER}\d{{3}}\b", text), text


def visitor_json(payload) -> str:
    return json.dumps(payload, ensure_ascii=False)


# --- the neutral series -----------------------------------------------------------------


def test_the_neutral_letter_is_the_last_free_one_unless_the_location_sets_one(session, centre):
    assert [t.prefix for t in centre.topics] == ["A", "B"]
    assert discreet.neutral_prefix(centre) == "Z"
    manage.create_topic(session, centre, "zoll", "Z", {"de": "Zoll"})  # no discreet topic yet
    assert discreet.neutral_prefix(centre) == "Y"
    manage.update_location(session, centre, discreet_prefix="n")
    assert discreet.neutral_prefix(centre) == "N"
    manage.update_location(session, centre, discreet_prefix="")
    assert centre.discreet_prefix is None and discreet.neutral_prefix(centre) == "Y"


def test_discreet_topics_share_one_gapless_series(session, centre, violence):
    other = manage.create_topic(session, centre, "trafficking", "H", {"de": "Menschenhandel"})
    manage.update_topic(session, other, discreet=True)
    general = next(t for t in centre.topics if t.key == "general")
    drawn = [
        tickets.issue_ticket(session, centre, topic, "de").ticket.code
        for topic in (violence, general, other, violence)
    ]
    assert drawn == ["Z001", "A001", "Z002", "Z003"]


def test_a_topic_may_not_take_the_neutral_letter(session, centre, violence):
    with pytest.raises(Duplicate) as refused:
        manage.create_topic(session, centre, "zoll", "Z", {"de": "Zoll"})
    assert refused.value.field == "prefix"
    assert "neutral series" in refused.value.message
    general = next(t for t in centre.topics if t.key == "general")
    with pytest.raises(Duplicate):
        manage.update_topic(session, general, prefix="Z")
    assert general.prefix == "A"
    # Nor may the location's letter be a discreet topic's own (it would name it).
    with pytest.raises(Duplicate) as taken:
        manage.update_location(session, centre, discreet_prefix=violence.prefix)
    assert taken.value.field == "discreet_prefix"
    assert centre.discreet_prefix is None


def test_a_public_topic_can_cover_the_discreet_ones(session, centre, violence):
    """With one discreet topic its own neutral series would still tell the room why; a
    manager may give the series a public topic's letter: discreet tickets are numbered among
    that topic's and look like them."""
    manage.update_location(session, centre, discreet_prefix="A")
    general = next(t for t in centre.topics if t.key == "general")
    drawn = [
        tickets.issue_ticket(session, centre, topic, "de").ticket.code
        for topic in (general, violence, general, violence)
    ]
    assert drawn == ["A001", "A002", "A003", "A004"]
    assert discreet.neutral_prefix(centre) == "A"
    with pytest.raises(Duplicate):  # a discreet topic may not take the cover's letter
        manage.update_topic(session, general, discreet=True)


def test_a_topic_made_discreet_draws_from_the_series_from_then_on(session, centre):
    general = next(t for t in centre.topics if t.key == "general")
    before = tickets.issue_ticket(session, centre, general, "de").ticket
    manage.update_topic(session, general, discreet=True)
    after = tickets.issue_ticket(session, centre, general, "de").ticket
    assert (before.code, after.code) == ("A001", "Z001")


# --- the API and the manage page's data ---------------------------------------------------


def test_managers_set_discreet_over_the_api(client, factory, auth, centre):
    factory.staff("leitung", role=Role.MANAGER)
    auth.login("leitung")
    made = client.post(
        "/api/v1/locations/test-centre/topics",
        json={"key": "violence", "prefix": "G", "names": NAMES, "discreet": True},
    )
    assert made.status_code == 201 and made.json["discreet"] is True
    listed = client.get("/api/v1/locations/test-centre/topics/all").json
    assert listed["neutral_prefix"] == "Z" and listed["discreet_prefix"] is None
    assert {t["key"]: t["discreet"] for t in listed["topics"]}["violence"] is True

    refused = client.patch(
        "/api/v1/locations/test-centre/topics/general",
        json={"prefix": "Z"},
        headers={"Accept-Language": "de"},
    )
    assert refused.status_code == 409
    assert refused.json["field"] == "prefix"
    assert "neutralen Reihe" in refused.json["message"]

    undone = client.patch("/api/v1/locations/test-centre/topics/violence", json={"discreet": False})
    assert undone.status_code == 200 and undone.json["discreet"] is False
    letter = client.patch("/api/v1/locations/test-centre", json={"discreet_prefix": "N"})
    assert letter.json["discreet_prefix"] == letter.json["neutral_prefix"] == "N"


# --- what visitors see ------------------------------------------------------------------


@pytest.fixture
def kiosk_token(session, centre) -> str:
    _kiosk, token = manage.create_kiosk(
        session, centre, "Eingang", manage.PrinterSettings("agent", "usb://04b8:0202")
    )
    session.commit()
    return token


def test_nothing_a_visitor_or_the_room_sees_names_it(
    client, session, centre, violence, kiosk_token, factory, auth, socket_client
):
    lobby = socket_client("/display", {"location": "test-centre"})
    answer = client.post(
        "/api/v1/locations/test-centre/tickets",
        json={"topic": "violence", "language": "ar", "kiosk": kiosk_token},
    )
    assert answer.status_code == 201
    drawn = answer.json
    # The kiosk's ticket screen: the neutral name in every language, a code of the series.
    assert drawn["code"] == "Z001"
    assert drawn["topic"] is None
    assert drawn["topic_names"]["ar"] == i18n.text("ar", "ticket.discreet_topic")
    assert drawn["topic_names"]["de"] == "Beratung"
    assert_not_named(visitor_json({k: v for k, v in drawn.items() if k != "token"}))

    # The print job and the bytes the printer gets.
    job = session.scalar(select(PrintJob).where(PrintJob.id == drawn["print"]["job_id"]))
    assert_not_named(visitor_json(job.payload))
    printed = ticket_from_payload(job.payload)
    assert (printed.topic, printed.topic_de) == ("استشارة", "Beratung")
    stream = parse(ticket_bytes(printed))
    assert "Beratung" in stream.text
    assert_not_named(stream.text)

    # The phone: its status payload and its page.
    status = client.get(f"/api/v1/tickets/{drawn['token']}").json
    assert status["topic"] is None and status["topic_names"]["en"] == "Counselling"
    assert_not_named(visitor_json(status))
    page = client.get(f"/t/{drawn['token']}?lang=en").get_data(as_text=True)
    assert "Counselling" in page
    assert_not_named(page)

    # Called to a desk: the lobby's event and snapshot, with the waiting counts.
    counselor = factory.staff()
    auth.login()
    tickets.issue_ticket(session, centre, violence, "de")  # one more waits
    session.commit()
    lobby.get_received("/display")
    called = client.post(f"/api/v1/desks/{centre.desks[0].id}/call-next")
    assert called.status_code == 200
    events = lobby.get_received("/display")
    calls = [e["args"][0] for e in events if e["name"] == "called"]
    announcements = [call.pop("announcement") for call in calls]
    assert calls == [
        {
            "code": "Z001",
            "desk": "Raum 1",
            "desk_names": {},
            "topic": None,
            "call_count": 1,
            "recall": False,
        }
    ]
    # Spoken aloud: only the code and the desk.
    speaker = client.application.extensions["servicepoint.speaker"]
    [urls] = announcements
    said = [speaker.recipe(url.split("/")[-1].removesuffix(".wav")).text for url in urls]
    assert said == ["Nummer Z 1, bitte zu Raum 1.", "الرقم Z 1، تفضل إلى Raum 1."]
    snapshot = client.get("/api/v1/locations/test-centre/display").json
    assert [c["code"] for c in snapshot["current"]] == ["Z001"]
    assert [w["key"] for w in snapshot["waiting"]] == ["general", "language"]
    assert snapshot["waiting_total"] == 0  # the waiting Z002 is not counted where all see
    for payload in (snapshot, *[e["args"][0] for e in events]):
        assert_not_named(visitor_json(payload))

    # Staff see the real topic.
    queue = client.get("/api/v1/locations/test-centre/queue").json
    assert [(t["code"], t["topic"]) for t in queue["active"]] == [("Z001", "violence")]
    assert queue["waiting"][0]["topic_names"]["de"] == NAMES["de"]
    assert counselor.id


def test_the_kiosk_tile_still_names_it(client, violence):
    offered = client.get("/api/v1/locations/test-centre/topics").json["topics"]
    tile = next(t for t in offered if t["key"] == "violence")
    assert tile["names"]["de"] == NAMES["de"] and tile["discreet"] is True


def test_every_language_has_the_neutral_name():
    names = discreet.discreet_names()
    assert set(names) == {language.code for language in i18n.languages()}
    assert all(name.strip() for name in names.values())
    assert names["de"] == "Beratung" and names["en"] == "Counselling"
