"""What a visitor who reads none of the languages meets, in a real browser: the kiosk's
tiles with their pictograms; the phone that rings when called (sound, a system notification
where allowed, asked with one button and never on load, the screen kept awake while waiting,
vibration); the room named in the visitor's language on the phone and the lobby. axe checks
each page. The browser's Notification, wake lock, vibration and audio are watched through an
init script (headless Chromium has no speaker and no notification centre)."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Page, expect

from servicepoint import i18n
from tests.conftest import run_live_server
from tests.e2e.axe import assert_accessible, axe_context

pytestmark = pytest.mark.e2e

LOCATION = "leverkusen"
SHOTS = os.environ.get("SERVICEPOINT_SCREENSHOTS")  # a folder to keep screenshots in

# Records what the page asks of the browser: window.__seen = {plays, notifications, asked,
# vibrations, locks, released}. PERMISSION: the Notification permission the fake starts
# with ("granted", "default", "denied"), ANSWER: what it answers when asked; "absent": no
# Notification at all.
WATCH = """
(() => {
  const seen = { plays: [], notifications: [], asked: 0, vibrations: 0, locks: 0, released: 0 };
  window.__seen = seen;
  const realPlay = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function () {
    seen.plays.push({ muted: this.muted, src: this.currentSrc || this.src });
    return realPlay.call(this).catch(() => undefined);
  };
  navigator.vibrate = () => { seen.vibrations += 1; return true; };
  const lock = () => {
    seen.locks += 1;
    const listeners = [];
    return {
      released: false,
      addEventListener: (kind, fn) => listeners.push(fn),
      release() {
        seen.released += 1;
        this.released = true;
        listeners.forEach((fn) => fn());
        return Promise.resolve();
      },
    };
  };
  Object.defineProperty(navigator, "wakeLock", {
    value: { request: async () => lock() },
    configurable: true,
  });
  const permission = "PERMISSION", answer = "ANSWER";
  if (permission === "absent") { delete window.Notification; return; }
  class FakeNotification {
    constructor(title, options) {
      seen.notifications.push({ title, body: options && options.body });
    }
    static async requestPermission() {
      seen.asked += 1;
      FakeNotification.permission = answer;
      return answer;
    }
  }
  FakeNotification.permission = permission;
  window.Notification = FakeNotification;
})();
"""


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """The demo, offered in German and Arabic (the lobby's second line is Arabic)."""
    with run_live_server(
        tmp_path_factory.mktemp("live"), settings={"LANGUAGES": "de,ar"}
    ) as server:
        yield server


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"visitor-{name}.png"), full_page=True)


def draw(live_server, language: str = "ar", topic: str = "orientation") -> dict:
    drawn = live_server.signed_in("leitung").post(
        f"{live_server.url}/api/v1/locations/{LOCATION}/tickets",
        json={"topic": topic, "language": language},
        timeout=10,
    )
    assert drawn.status_code == 201, drawn.text
    return drawn.json()


def room(live_server, name: str = "Raum 2") -> int:
    desks = live_server.signed_in("beratung1").get(
        f"{live_server.url}/api/v1/locations/{LOCATION}/desks", timeout=10
    )
    return next(d["id"] for d in desks.json()["desks"] if d["name"] == name)


def ticket_id(live_server, code: str) -> int:
    """The id of today's ticket ``code``, from the staff's queue."""
    queue = live_server.signed_in("leitung").get(
        f"{live_server.url}/api/v1/locations/{LOCATION}/queue", timeout=10
    )
    assert queue.status_code == 200, queue.text
    tickets = [*queue.json()["waiting"], *queue.json()["active"]]
    return next(t["id"] for t in tickets if t["code"] == code)


def move(live_server, ticket: dict, action: str) -> None:
    staff = live_server.signed_in("beratung1")
    ticket.setdefault("id", ticket_id(live_server, ticket["code"]))
    if action == "call":
        answer = staff.post(
            f"{live_server.url}/api/v1/desks/{room(live_server)}/call",
            json={"ticket_id": ticket["id"]},
            timeout=10,
        )
    else:
        answer = staff.post(f"{live_server.url}/api/v1/tickets/{ticket['id']}/{action}", timeout=10)
    assert answer.status_code == 200, answer.text


def phone(browser, live_server, ticket: dict, permission: str, answer: str = "granted") -> Page:
    context = axe_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True)
    context.add_init_script(WATCH.replace("PERMISSION", permission).replace("ANSWER", answer))
    page = context.new_page()
    page.goto(f"{live_server.url}/t/{ticket['token']}")
    expect(page.get_by_test_id("status-state")).to_have_attribute("data-state", "waiting")
    return page


def seen(page: Page) -> dict:
    return page.evaluate("() => window.__seen")


def test_the_kiosks_tiles_show_their_pictograms(browser, live_server):
    context = axe_context(browser, viewport={"width": 1080, "height": 1920})
    page = context.new_page()
    page.goto(f"{live_server.url}/kiosk/{LOCATION}")
    for key, pictogram in [("language", "language"), ("work", "work"), ("violence", "protection")]:
        drawn = page.get_by_test_id(f"topic-{key}").locator("svg.topic-pictogram")
        expect(drawn).to_be_visible()
        expect(drawn).to_have_attribute("data-pictogram", pictogram)
        # Large enough to be seen (measured in the page: kiosk.js may draw the tiles again
        # when the server's topics arrive, so a box read from outside could miss them).
        page.wait_for_function(
            """(key) => {
                const svg = document.querySelector(
                    `[data-testid="topic-${key}"] svg.topic-pictogram`);
                const box = svg && svg.getBoundingClientRect();
                return box && box.width > 40 && box.height > 40;
            }""",
            arg=key,
            timeout=10_000,
        )
    assert_accessible(page, "kiosk start with pictograms (de)")
    shot(page, "kiosk-de")
    page.get_by_test_id("lang-ar").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    # Drawn again by kiosk.js in Arabic: the picture at the tile's start (the right).
    tile = page.get_by_test_id("topic-language")
    drawn = tile.locator("svg.topic-pictogram")
    expect(drawn).to_be_visible()
    page.wait_for_function(
        """() => {
            const tile = document.querySelector('[data-testid="topic-language"]');
            const svg = tile && tile.querySelector("svg.topic-pictogram");
            if (!svg) return false;
            const t = tile.getBoundingClientRect(), b = svg.getBoundingClientRect();
            return b.width > 0 && b.x > t.x + t.width / 2;
        }""",
        timeout=10_000,
    )
    assert_accessible(page, "kiosk start with pictograms (ar)")
    shot(page, "kiosk-ar")
    context.close()


def test_the_phone_rings_notifies_and_keeps_awake_until_the_visit_is_over(browser, live_server):
    ticket = draw(live_server, "ar")
    page = phone(browser, live_server, ticket, permission="granted")
    # Allowed already: no button, a line says what the phone will do; nothing was asked.
    expect(page.get_by_test_id("status-notify-button")).to_be_hidden()
    expect(page.get_by_test_id("status-notify-note")).to_have_text(
        i18n.text("ar", "status.notify_on")
    )
    assert seen(page)["asked"] == 0
    # The screen stays on while waiting.
    page.wait_for_function("() => window.__seen.locks === 1")
    assert_accessible(page, "phone waiting, notifications on (ar)")
    shot(page, "phone-waiting-ar")
    # The visitor's first tap unlocks the sound (played muted once).
    page.get_by_test_id("status-code").click()
    page.wait_for_function("() => window.__seen.plays.length === 1")
    assert seen(page)["plays"][0]["muted"] is True

    move(live_server, ticket, "call")

    expect(page.get_by_test_id("status-state")).to_have_attribute("data-state", "called")
    page.wait_for_function("() => window.__seen.notifications.length === 1")
    watched = seen(page)
    assert watched["notifications"] == [
        {"title": f"{ticket['code']} — الغرفة 2", "body": i18n.text("ar", "status.state_called")}
    ]
    rung = watched["plays"][-1]
    assert rung["muted"] is False and rung["src"].endswith("/t/static/display/ring.wav")
    assert watched["vibrations"] == 1
    # The room in Arabic, its German name below; the code in Latin letters and digits.
    expect(page.get_by_test_id("status-desk")).to_have_text("الغرفة 2")
    expect(page.get_by_test_id("status-desk-de")).to_have_text("Raum 2")
    expect(page.get_by_test_id("status-code")).to_have_text(re.compile(r"^A\d{3}$"))
    assert_accessible(page, "phone called (ar)")
    shot(page, "phone-called-ar")

    move(live_server, ticket, "start")
    move(live_server, ticket, "finish")
    expect(page.get_by_test_id("status-state")).to_have_attribute("data-state", "done")
    page.wait_for_function("() => window.__seen.released === 1")
    expect(page.get_by_test_id("status-notify")).to_be_hidden()
    page.context.close()


def test_notifications_are_asked_for_only_with_the_button(browser, live_server):
    ticket = draw(live_server, "de")
    page = phone(browser, live_server, ticket, permission="default", answer="denied")
    button = page.get_by_test_id("status-notify-button")
    expect(button).to_be_visible()
    expect(button).to_have_text(i18n.text("de", "status.notify_button"))
    assert seen(page)["asked"] == 0  # never on load
    assert_accessible(page, "phone waiting, asking to notify (de)")
    shot(page, "phone-ask-de")

    button.click()

    expect(button).to_be_hidden()
    note = page.get_by_test_id("status-notify-note")
    expect(note).to_have_text(i18n.text("de", "status.notify_denied"))
    expect(note).to_be_focused()
    assert seen(page)["asked"] == 1
    # Refused: the call still rings and vibrates, with no notification.
    move(live_server, ticket, "call")
    expect(page.get_by_test_id("status-state")).to_have_attribute("data-state", "called")
    page.wait_for_function("() => window.__seen.vibrations === 1")
    assert seen(page)["notifications"] == []
    assert [p["muted"] for p in seen(page)["plays"]] == [True, False]  # the tap, the call
    page.context.close()
    move(live_server, ticket, "start")
    move(live_server, ticket, "finish")


def test_a_browser_that_cannot_notify_says_so(browser, live_server):
    ticket = draw(live_server, "de")
    page = phone(browser, live_server, ticket, permission="absent")
    expect(page.get_by_test_id("status-notify-button")).to_be_hidden()
    expect(page.get_by_test_id("status-notify-note")).to_have_text(
        i18n.text("de", "status.notify_unsupported")
    )
    page.context.close()


def test_the_lobby_names_the_room_in_its_second_language(browser, live_server):
    context = axe_context(browser, viewport={"width": 1920, "height": 1080})
    lobby = context.new_page()
    lobby.goto(f"{live_server.url}/display/{LOCATION}")
    expect(lobby.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected")
    ticket = draw(live_server, "ar")
    move(live_server, ticket, "call")
    call = lobby.get_by_test_id(f"call-{ticket['code']}")
    expect(call.locator(".call-desk")).to_contain_text("Raum 2")
    alt = call.locator(".desk-alt")
    expect(alt).to_have_text("الغرفة 2")
    expect(alt).to_have_attribute("lang", "ar")
    expect(call.locator(".call-code")).to_have_text(ticket["code"])
    assert_accessible(lobby, "lobby with a room named in Arabic")
    shot(lobby, "lobby")
    context.close()


def test_a_manager_picks_a_pictogram_and_names_a_room_in_arabic(browser, live_server):
    from tests.e2e.conftest import sign_in

    context = axe_context(browser, viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    sign_in(page, live_server, "leitung")
    page.goto(f"{live_server.url}/staff/manage")
    page.get_by_test_id("tab-topics").click()
    page.get_by_test_id("topics-location").select_option(LOCATION)
    row = page.get_by_test_id("topic-volunteering")
    row.get_by_role("button", name="Bearbeiten").click()
    form = page.get_by_test_id("topic-form")
    expect(form.get_by_test_id("topic-pictogram-volunteering")).to_be_checked()
    # Chosen by keyboard: the picker is one group of radio buttons.
    form.get_by_test_id("topic-pictogram-volunteering").focus()
    page.keyboard.press("ArrowRight")
    expect(form.get_by_test_id("topic-pictogram-counselling")).to_be_checked()
    assert_accessible(page, "the topic editor with its pictogram picker")
    shot(page, "manage-topic")
    form.get_by_test_id("topic-submit").click()
    expect(row.locator("use")).to_have_attribute("href", "#pictogram-counselling")
    manager = live_server.signed_in("leitung")
    topics = manager.get(
        f"{live_server.url}/api/v1/locations/{LOCATION}/topics/all", timeout=10
    ).json()["topics"]
    assert {t["key"]: t["pictogram"] for t in topics}["volunteering"] == "counselling"

    page.get_by_test_id("tab-desks").click()
    page.get_by_test_id("desks-location").select_option(LOCATION)
    desk = room(live_server, "Raum 3")
    names = page.get_by_test_id(f"desk-names-{desk}")
    names.locator("summary").click()
    arabic = page.get_by_test_id(f"desk-{desk}-name-ar")
    expect(arabic).to_have_value("الغرفة 3")  # the demo's
    arabic.fill("قاعة 3")
    names.get_by_role("button", name="Namen von Raum 3 speichern").click()
    expect(page.locator("#desks-note")).to_contain_text("Namen von Raum 3 gespeichert.")
    desks = manager.get(f"{live_server.url}/api/v1/locations/{LOCATION}/desks", timeout=10)
    saved = {d["name"]: d["names"] for d in desks.json()["desks"]}["Raum 3"]
    # Its names in languages not offered here (the demo's English one) are kept.
    assert saved["ar"] == "قاعة 3" and saved["en"] == "Room 3"
    assert_accessible(page, "the desks tab with a room's names")
    shot(page, "manage-desks")
    context.close()
