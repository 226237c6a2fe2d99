"""The managers' page in a real browser: topics, desks, staff and kiosks are added through
the page and are there in the API; a refused input is marked at that very input with the
server's message in the page's language (German)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

LOCATION = "leverkusen"
TOPIC_KEY = "debt"
TOPIC_DE = "Schuldnerberatung"
TOPIC_AR = "استشارة الديون"


@pytest.fixture(scope="module")
def manager(live_server):
    """The manager's HTTP session, to check what the page did through the API."""
    return live_server.signed_in("leitung")


@pytest.fixture(scope="module")
def page(browser, live_server):
    """The managers' page, signed in through the sign-in form."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, live_server, "leitung")
    page.goto(f"{live_server.url}/staff/manage")
    yield page
    context.close()


def open_tab(page: Page, name: str, picker: str | None = None) -> None:
    page.get_by_test_id(f"tab-{name}").click()
    if picker:
        page.get_by_test_id(picker).select_option(LOCATION)


def refusal(live_server, manager, method: str, path: str, body: dict, language: str) -> dict:
    """What the server answers to ``body`` when asked in ``language``."""
    response = manager.request(
        method,
        f"{live_server.url}/api/v1{path}",
        json=body,
        headers={"Accept-Language": language},
        timeout=10,
    )
    assert 400 <= response.status_code < 500, response.text
    return response.json()


def expect_marked(page: Page, test_id: str, message: str) -> None:
    """The input is marked invalid, has focus, and is described by the message next to it."""
    field = page.get_by_test_id(test_id)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_be_focused()
    described = field.get_attribute("aria-describedby").split()
    note = page.locator(f"#{described[0]}")
    expect(note).to_have_text(message)
    expect(note).to_be_visible()


def topic_body(**changes) -> dict:
    body = {"key": TOPIC_KEY, "prefix": "K", "names": {"de": TOPIC_DE, "ar": TOPIC_AR}}
    return {**body, **changes}


def test_add_a_topic_with_german_and_arabic_names(page, live_server, manager):
    open_tab(page, "topics", "topics-location")
    form = page.get_by_test_id("topic-form")
    form.get_by_test_id("topic-key").fill(TOPIC_KEY)
    form.get_by_test_id("topic-prefix").fill("K")
    form.get_by_test_id("topic-name-de").fill(TOPIC_DE)
    form.get_by_test_id("topic-name-ar").fill(TOPIC_AR)
    form.get_by_test_id("topic-submit").click()

    row = page.get_by_test_id(f"topic-{TOPIC_KEY}")
    expect(row).to_contain_text(TOPIC_DE)
    expect(row).to_contain_text("K")
    expect(page.get_by_test_id("topic-name-de")).to_have_value("")  # the form is ready again

    topics = manager.get(
        f"{live_server.url}/api/v1/locations/{LOCATION}/topics/all", timeout=10
    ).json()["topics"]
    saved = next(t for t in topics if t["key"] == TOPIC_KEY)
    assert saved["prefix"] == "K"
    assert saved["names"]["de"] == TOPIC_DE and saved["names"]["ar"] == TOPIC_AR


def test_a_taken_topic_key_is_marked_at_the_key_in_german(page, live_server, manager):
    path = f"/locations/{LOCATION}/topics"
    german = refusal(live_server, manager, "POST", path, topic_body(prefix="L"), "de")
    english = refusal(live_server, manager, "POST", path, topic_body(prefix="L"), "en")
    assert german["error"] == "duplicate" and german["field"] == "key"
    assert german["message"] != english["message"]  # the page must ask for German

    open_tab(page, "topics", "topics-location")
    form = page.get_by_test_id("topic-form")
    form.get_by_test_id("topic-key").fill(TOPIC_KEY)
    form.get_by_test_id("topic-prefix").fill("L")
    form.get_by_test_id("topic-name-de").fill("Noch einmal")
    form.get_by_test_id("topic-submit").click()

    expect_marked(page, "topic-key", german["message"])
    expect(page.get_by_test_id("topic-name-de")).not_to_have_attribute("aria-invalid", "true")
    # Typing a new key takes the mark off.
    form.get_by_test_id("topic-key").fill("debt-2")
    expect(form.get_by_test_id("topic-key")).not_to_have_attribute("aria-invalid", "true")
    expect(form.get_by_test_id("field-error")).to_have_count(0)


def test_an_empty_german_name_is_marked_at_the_german_name(page, live_server, manager):
    body = topic_body(key="empty-name", prefix="M", names={"de": "", "ar": TOPIC_AR})
    german = refusal(live_server, manager, "POST", f"/locations/{LOCATION}/topics", body, "de")
    assert german["field"] in ("names", "names.de")

    open_tab(page, "topics", "topics-location")
    form = page.get_by_test_id("topic-form")
    form.get_by_test_id("topic-key").fill("empty-name")
    form.get_by_test_id("topic-prefix").fill("M")
    form.get_by_test_id("topic-name-de").fill("")
    form.get_by_test_id("topic-name-ar").fill(TOPIC_AR)
    form.get_by_test_id("topic-submit").click()

    expect_marked(page, "topic-name-de", german["message"])
    expect(page.get_by_test_id("topic-key")).not_to_have_attribute("aria-invalid", "true")


def test_add_a_desk(page, live_server, manager):
    open_tab(page, "desks", "desks-location")
    page.get_by_test_id("desk-name").fill("Raum 9")
    page.get_by_test_id("desk-submit").click()
    expect(page.get_by_test_id("desks-list").locator("input[value='Raum 9']")).to_have_count(1)
    desks = manager.get(f"{live_server.url}/api/v1/locations/{LOCATION}/desks", timeout=10).json()
    assert "Raum 9" in [d["name"] for d in desks["desks"]]


def test_set_and_remove_a_desks_printer(page, live_server, manager, tmp_path):
    open_tab(page, "desks", "desks-location")
    page.get_by_test_id("desk-name").fill("Raum D")
    page.get_by_test_id("desk-submit").click()
    expect(page.get_by_test_id("desks-list").locator("input[value='Raum D']")).to_have_count(1)
    desks = manager.get(f"{live_server.url}/api/v1/locations/{LOCATION}/desks", timeout=10).json()
    desk = next(d["id"] for d in desks["desks"] if d["name"] == "Raum D")
    row = page.get_by_test_id(f"desk-{desk}")
    expect(row).to_contain_text("Druckt auf einem Kiosk-Drucker")

    page.get_by_test_id(f"desk-printer-{desk}").fill("usb://04b8:0202")
    row.get_by_role("button", name="Drucker speichern").click()
    message = refusal(
        live_server, manager, "PATCH", f"/desks/{desk}", {"printer_uri": "usb://04b8:0202"}, "de"
    )["message"]
    expect_marked(page, f"desk-printer-{desk}", message)

    page.get_by_test_id(f"desk-printer-{desk}").fill("tcp://127.0.0.1:9")
    page.get_by_test_id(f"desk-{desk}").get_by_role("button", name="Drucker speichern").click()
    expect(page.get_by_test_id(f"desk-{desk}")).to_contain_text("Drucker noch nicht benutzt")
    page.screenshot(path=str(tmp_path / "desks.png"), full_page=True)
    desks = manager.get(f"{live_server.url}/api/v1/locations/{LOCATION}/desks", timeout=10).json()
    printer = next(d["printer"] for d in desks["desks"] if d["id"] == desk)
    assert printer["uri"] == "tcp://127.0.0.1:9" and printer["profile"] == "TM-T20II"

    page.get_by_test_id(f"desk-printer-{desk}").fill("")
    page.get_by_test_id(f"desk-{desk}").get_by_role("button", name="Drucker speichern").click()
    expect(page.get_by_test_id(f"desk-{desk}")).to_contain_text("Druckt auf einem Kiosk-Drucker")


def test_add_a_counselor_for_the_new_topic(page, live_server, manager):
    open_tab(page, "staff")
    page.get_by_test_id("staff-username").fill("beratung9")
    page.get_by_test_id("staff-display-name").fill("Beratung Neun")
    page.get_by_test_id("staff-password").fill("ein langes Passwort")
    page.get_by_test_id(f"staff-topic-{LOCATION}-{TOPIC_KEY}").check()
    page.get_by_test_id("staff-submit").click()

    row = page.get_by_test_id("staff-beratung9")
    expect(row).to_contain_text("Beratung Neun")
    expect(row).to_contain_text(TOPIC_DE)
    members = manager.get(f"{live_server.url}/api/v1/staff", timeout=10).json()["staff"]
    member = next(m for m in members if m["username"] == "beratung9")
    # Choosing a topic at a location makes the account a counselor there.
    assert member["memberships"] == [
        {"location": LOCATION, "role": "counselor", "topics": [TOPIC_KEY]}
    ]


def test_edit_a_staff_members_organisation_and_memberships(page, live_server, manager):
    open_tab(page, "organisations")
    page.get_by_test_id("organisation-name").fill("Caritasverband Leverkusen e. V.")
    page.get_by_test_id("organisation-short-name").fill("Caritas")
    page.get_by_test_id("organisation-submit").click()
    expect(page.get_by_test_id("organisations-table")).to_contain_text("Caritasverband Leverkusen")

    open_tab(page, "staff")
    page.get_by_test_id("edit-staff-beratung9").click()
    page.get_by_test_id("staff-organisation").select_option(
        label="Caritasverband Leverkusen e. V. (Caritas)"
    )
    page.get_by_test_id(f"staff-topic-{LOCATION}-{TOPIC_KEY}").uncheck()  # all topics there
    page.get_by_test_id("staff-role-duisburg-hamborn").select_option("manager")
    page.get_by_test_id("staff-topic-duisburg-hamborn-counselling").check()
    expect(page.get_by_test_id("staff-admin")).not_to_be_checked()
    page.screenshot(path=str(live_server.instance / "manage-staff-memberships.png"), full_page=True)
    page.get_by_test_id("staff-submit").click()

    row = page.get_by_test_id("staff-beratung9")
    expect(row).to_contain_text("Caritas")
    expect(row).to_contain_text(
        "Regionales Unterstützungszentrum Hamborn: Leitung (Allgemeine Beratung)"
    )
    members = manager.get(f"{live_server.url}/api/v1/staff", timeout=10).json()["staff"]
    member = next(m for m in members if m["username"] == "beratung9")
    assert member["organisation"]["short_name"] == "Caritas"
    assert member["role"] == "staff"
    assert member["memberships"] == [
        {"location": LOCATION, "role": "counselor", "topics": []},
        {"location": "duisburg-hamborn", "role": "manager", "topics": ["counselling"]},
    ]

    # Taking a location away: "no access" there.
    page.get_by_test_id("edit-staff-beratung9").click()
    page.get_by_test_id(f"staff-role-{LOCATION}").select_option("")
    page.get_by_test_id("staff-submit").click()
    expect(page.get_by_test_id("staff-beratung9")).not_to_contain_text("Service-Point Integration")
    members = manager.get(f"{live_server.url}/api/v1/staff", timeout=10).json()["staff"]
    member = next(m for m in members if m["username"] == "beratung9")
    assert [m["location"] for m in member["memberships"]] == ["duisburg-hamborn"]


def test_a_location_manager_sees_only_their_location_and_no_admin_tabs(
    browser, live_server, manager
):
    made = manager.post(
        f"{live_server.url}/api/v1/staff",
        json={
            "username": "hamborn.leitung",
            "password": "ein langes Passwort",
            "memberships": [{"location": "duisburg-hamborn", "role": "manager"}],
        },
        timeout=10,
    )
    assert made.status_code == 201, made.text
    admin = manager.post(
        f"{live_server.url}/api/v1/staff",
        json={
            "username": "admin.hamborn",
            "password": "ein langes Passwort",
            "role": "admin",
            "memberships": [
                {"location": "duisburg-hamborn", "role": "counselor"},
                {"location": LOCATION, "role": "counselor"},
            ],
        },
        timeout=10,
    )
    assert admin.status_code == 201, admin.text
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/staff/")
        page.get_by_test_id("login-username").fill("hamborn.leitung")
        page.get_by_test_id("login-password").fill("ein langes Passwort")
        page.get_by_test_id("login-submit").click()
        expect(page.get_by_test_id("sign-out")).to_be_visible()
        page.goto(f"{live_server.url}/staff/manage#mitarbeitende")
        expect(page.get_by_test_id("staff-beratung9")).to_be_visible()
        expect(page.get_by_test_id("tab-organisations")).to_have_count(0)
        expect(page.get_by_test_id("staff-admin")).to_have_count(0)
        expect(page.get_by_test_id("location-form")).to_be_hidden()
        # Only Hamborn: its staff, their memberships there, its form group; an admin who
        # works there too is listed but not theirs to change.
        admin_row = page.get_by_test_id("staff-admin.hamborn")
        expect(admin_row).to_contain_text("nur für Admins")
        expect(admin_row.get_by_role("button")).to_have_count(0)
        expect(admin_row).not_to_contain_text("Integration Leverkusen")
        expect(page.get_by_test_id("staff-membership-duisburg-hamborn")).to_be_visible()
        expect(page.get_by_test_id(f"staff-membership-{LOCATION}")).to_have_count(0)
        expect(page.get_by_test_id("staff-beratung9")).not_to_contain_text("Integration Leverkusen")
        page.get_by_test_id("tab-topics").click()
        expect(page.get_by_test_id("topics-location").locator("option")).to_have_count(1)
        page.screenshot(
            path=str(live_server.instance / "manage-location-manager.png"), full_page=True
        )
    finally:
        context.close()


def test_add_a_kiosk_shows_its_key_once(page, live_server, manager):
    open_tab(page, "kiosks", "kiosks-location")
    page.get_by_test_id("kiosk-name").fill("Foyer links")
    page.get_by_test_id("kiosk-mode").select_option("none")
    page.get_by_test_id("kiosk-submit").click()

    secret = page.get_by_test_id("kiosk-secret")
    expect(secret).to_be_visible()
    token = page.get_by_test_id("kiosk-token").inner_text()
    assert len(token) >= 16
    kiosks = manager.get(
        f"{live_server.url}/api/v1/locations/{LOCATION}/kiosks", timeout=10
    ).json()["kiosks"]
    kiosk = next(k for k in kiosks if k["name"] == "Foyer links")
    expect(page.get_by_test_id(f"kiosk-{kiosk['id']}")).to_contain_text("Foyer links")
    page.get_by_test_id("kiosk-secret-close").click()
    expect(secret).to_be_hidden()
    expect(page.get_by_test_id("kiosk-token")).to_have_text("")
