"""Topics' pictograms: a manager picks one per topic; the kiosk's tiles draw it (a discreet
topic's tile only a neutral one)."""

from __future__ import annotations

from servicepoint import pictograms
from tests.page_html import Element, Page


def inside_tile(page: Page, key: str) -> list[Element]:
    """The elements of the kiosk's tile for ``key``: those after its button, up to the next
    list item."""
    start = page.elements.index(page.find("button", data_testid=f"topic-{key}"))
    following = page.elements[start + 1 :]
    end = next((i for i, e in enumerate(following) if e.tag in ("li", "button")), None)
    return following[:end]


def pictogram_of_tile(page: Page, key: str) -> str | None:
    """The pictogram the tile draws (its ``<use href>``), or None."""
    elements = inside_tile(page, key)
    drawn = [e for e in elements if e.tag == "svg" and e.get("class") == "topic-pictogram"]
    if not drawn:
        return None
    assert drawn[0].get("aria-hidden") == "true" and drawn[0].get("focusable") == "false"
    href = next(e.get("href") for e in elements if e.tag == "use")
    assert href is not None and href.startswith("#pictogram-")
    return href.removeprefix("#pictogram-")


def test_a_manager_picks_changes_and_removes_a_topics_pictogram(client, centre, manager, auth):
    auth.login("leitung")
    created = client.post(
        "/api/v1/locations/test-centre/topics",
        json={"key": "jobs", "prefix": "J", "names": {"de": "Arbeit"}, "pictogram": "work"},
    )
    assert created.status_code == 201 and created.json["pictogram"] == "work"
    plain = client.post(
        "/api/v1/locations/test-centre/topics",
        json={"key": "housing", "prefix": "H", "names": {"de": "Wohnen"}},
    )
    assert plain.json["pictogram"] is None

    changed = client.patch("/api/v1/locations/test-centre/topics/jobs", json={"pictogram": "money"})
    assert changed.status_code == 200 and changed.json["pictogram"] == "money"
    untouched = client.patch("/api/v1/locations/test-centre/topics/jobs", json={"position": 7})
    assert untouched.json["pictogram"] == "money"
    listed = client.get("/api/v1/locations/test-centre/topics/all").json["topics"]
    assert {t["key"]: t["pictogram"] for t in listed}["jobs"] == "money"

    removed = client.patch("/api/v1/locations/test-centre/topics/jobs", json={"pictogram": None})
    assert removed.json["pictogram"] is None
    again = client.patch("/api/v1/locations/test-centre/topics/jobs", json={"pictogram": "work"})
    assert again.json["pictogram"] == "work"
    emptied = client.patch("/api/v1/locations/test-centre/topics/jobs", json={"pictogram": ""})
    assert emptied.json["pictogram"] is None


def test_an_unknown_pictogram_is_refused_and_changes_nothing(client, centre, manager, auth):
    auth.login("leitung")
    client.patch("/api/v1/locations/test-centre/topics/general", json={"pictogram": "health"})
    for body in ({"pictogram": "rocket"}, {"pictogram": 3}, {"pictogram": "health", "prefix": "?"}):
        refused = client.patch("/api/v1/locations/test-centre/topics/general", json=body)
        assert refused.status_code == 400, body
    refused = client.patch(
        "/api/v1/locations/test-centre/topics/general", json={"pictogram": "rocket"}
    )
    assert refused.json["field"] == "pictogram"
    assert refused.json["message"] == "There is no such pictogram."
    listed = client.get("/api/v1/locations/test-centre/topics/all").json["topics"]
    assert {t["key"]: t["pictogram"] for t in listed}["general"] == "health"


def test_counselors_cannot_pick_pictograms(client, centre, factory, auth):
    factory.staff("berater")
    auth.login("berater")
    refused = client.patch(
        "/api/v1/locations/test-centre/topics/general", json={"pictogram": "work"}
    )
    assert refused.status_code == 403


def test_the_kiosk_tile_draws_the_topics_pictogram(client, centre, manager, auth):
    auth.login("leitung")
    client.patch("/api/v1/locations/test-centre/topics/language", json={"pictogram": "language"})
    client.delete("/api/v1/session")

    page = Page(client.get("/kiosk/test-centre").data)
    assert pictogram_of_tile(page, "language") == "language"
    # Its drawing is in the page (the sprite), with every pictogram, none with a title.
    assert page.find("svg", **{"class": "pictogram-sprite"}).get("aria-hidden") == "true"
    assert [s.get("id") for s in page.find_all("symbol")] == [
        f"pictogram-{key}" for key in pictograms.PICTOGRAMS
    ]
    assert not page.find_all("title")[1:]  # the page's own <title> only
    # A tile without one draws none.
    assert pictogram_of_tile(page, "general") is None
    # The kiosk's live topics carry it too.
    topics = client.get("/api/v1/locations/test-centre/topics").json["topics"]
    assert {t["key"]: t["pictogram"] for t in topics} == {"general": None, "language": "language"}


def test_a_discreet_topics_tile_shows_only_a_neutral_pictogram(client, centre, manager, auth):
    auth.login("leitung")
    client.patch(
        "/api/v1/locations/test-centre/topics/general",
        json={"pictogram": "family", "discreet": True},
    )
    client.patch(
        "/api/v1/locations/test-centre/topics/language",
        json={"pictogram": "protection", "discreet": True},
    )
    topics = client.get("/api/v1/locations/test-centre/topics").json["topics"]
    assert {t["key"]: t["pictogram"] for t in topics} == {
        "general": "counselling",
        "language": "protection",
    }
    page = Page(client.get("/kiosk/test-centre").data)
    assert pictogram_of_tile(page, "general") == "counselling"
    assert pictogram_of_tile(page, "language") == "protection"
    # The managers still see what they picked.
    listed = client.get("/api/v1/locations/test-centre/topics/all").json["topics"]
    assert {t["key"]: t["pictogram"] for t in listed}["general"] == "family"


def test_the_manage_page_offers_every_pictogram_as_a_radio_button(client, centre, manager, auth):
    auth.login("leitung")
    page = Page(client.get("/staff/manage").data)
    assert page.find("fieldset", data_testid="topic-pictogram")
    radios = page.find_all("input", type="radio", name="pictogram")
    assert [r.get("value") for r in radios] == ["", *pictograms.PICTOGRAMS]
    labels = [e.text for e in page.find_all("label", **{"class": "pictogram-choice"})]
    assert labels[0] == "– Kein Piktogramm" and "Arbeit" in labels
    # Each is drawn from the page's own sprite.
    assert len(page.find_all("symbol")) == len(pictograms.PICTOGRAMS)
