"""The lobby read from across the room, in a real browser: on a 55-inch screen every topic
name and every call (the smaller ones too) has capitals at least 30 mm high, measured on the
glyphs the page draws; long topic names wrap and are never cut (topics that do not fit take
turns in pages); the "new" badge of a call never covers any text: a code, a room or the
newest call's captions ("Bitte zu"), with one call or several, left to right and right to
left, in landscape and portrait."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import run_live_server

pytestmark = pytest.mark.e2e

LOCATION = "leverkusen"
SHOTS = os.environ.get("SERVICEPOINT_SCREENSHOTS")  # a folder to keep screenshots in
# A 55-inch 16:9 screen is 1,218 x 685 mm: its short side is what the page's height (or, in
# portrait, its width) spans.
SHORT_SIDE_MM = 685
LEAST_CAPITALS_MM = 30

# Per element: the height of a capital "H" in its own font, in millimetres on that screen.
MEASURE = """
([selectors, shortSideMm]) => {
  const ctx = document.createElement("canvas").getContext("2d");
  const short = Math.min(innerWidth, innerHeight);
  const found = [];
  for (const selector of selectors) {
    for (const node of document.querySelectorAll(selector)) {
      const box = node.getBoundingClientRect();
      if (!box.width || !box.height || node.closest("[hidden]")) continue;
      const style = getComputedStyle(node);
      ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const capital = ctx.measureText("H").actualBoundingBoxAscent;
      found.push({ selector, text: node.textContent.trim().slice(0, 40),
                   mm: capital * shortSideMm / short });
    }
  }
  return found;
}
"""

# Visible topic names that are cut: an ellipsis, a line clamp, text clipped by their own box,
# or beyond the waiting list (which clips what does not fit).
CUT = """
() => {
  const list = document.querySelector(".waiting").getBoundingClientRect();
  const cut = [];
  for (const node of document.querySelectorAll(".topic-name, .topic-names .alt")) {
    if (node.closest("[hidden]") || !node.textContent.trim()) continue;
    const style = getComputedStyle(node);
    const box = node.getBoundingClientRect();
    const clips = style.overflowX !== "visible" || style.overflowY !== "visible";
    if (style.textOverflow === "ellipsis" || style.webkitLineClamp !== "none" ||
        (clips && (node.scrollWidth > node.clientWidth + 1 ||
                   node.scrollHeight > node.clientHeight + 1)) ||
        box.bottom > list.bottom + 1 || box.right > list.right + 1 || box.left < list.left - 1) {
      cut.push(node.textContent.trim());
    }
  }
  return cut;
}
"""

# Pairs (badge, text) whose boxes overlap: a badge over a code, a room or a caption.
COVERED = """
() => {
  const overlaps = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 &&
                             a.top < b.bottom - 1 && b.top < a.bottom - 1;
  const badges = [...document.querySelectorAll(".call-badge")]
    .filter((badge) => badge.getBoundingClientRect().width > 0);
  const texts = [...document.querySelectorAll(".call-code, .call-desk, .call-caption")];
  const covered = [];
  for (const badge of badges) {
    for (const text of texts) {
      if (overlaps(badge.getBoundingClientRect(), text.getBoundingClientRect())) {
        covered.push(text.textContent.trim());
      }
    }
  }
  return { badges: badges.length, covered };
}
"""

READ = [
    ".topic-name",
    ".call:not(.call-hero) .call-code",
    ".call:not(.call-hero) .call-desk",
    ".call-hero .call-code",
    ".recent-call .call-code",
    ".recent-call .call-desk",
]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    with run_live_server(tmp_path_factory.mktemp("live")) as server:
        yield server


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"lobby-{name}.png"))


def topics(live_server) -> list[str]:
    listed = live_server.signed_in("leitung").get(
        f"{live_server.url}/api/v1/locations/{LOCATION}/topics", timeout=10
    )
    return [t["key"] for t in listed.json()["topics"] if t.get("active", True)]


def desks(live_server) -> list[int]:
    listed = live_server.signed_in("leitung").get(
        f"{live_server.url}/api/v1/locations/{LOCATION}/desks", timeout=10
    )
    return [d["id"] for d in listed.json()["desks"]]


AT_DESK: dict[int, int] = {}  # desk -> the ticket last called to it in this module


def call_next(staff, live_server, desk: int) -> dict:
    """``staff`` calls the next visitor to ``desk``; the one called there before has come in
    (a call finishes a visitor being served, never one still on the way)."""
    url = live_server.url
    if desk in AT_DESK:
        started = staff.post(f"{url}/api/v1/tickets/{AT_DESK[desk]}/start", timeout=10)
        assert started.status_code == 200, started.text
    called = staff.post(f"{url}/api/v1/desks/{desk}/call-next", json={}, timeout=10)
    assert called.status_code == 200, called.text
    AT_DESK[desk] = called.json()["id"]
    return called.json()


def small_capitals(page: Page) -> list[dict]:
    measured = page.evaluate(MEASURE, [READ, SHORT_SIDE_MM])
    assert {m["selector"] for m in measured} >= set(READ), measured  # each kind is there
    return [m for m in measured if m["mm"] < LEAST_CAPITALS_MM]


def test_names_and_calls_read_from_five_metres_nothing_cut_no_text_covered(browser, live_server):
    keys = topics(live_server)
    manager = live_server.signed_in("leitung")
    for n, language in enumerate(["ar", "uk", "fa", "tr", "ru", "de", "ti", "ro"] * 3):
        drawn = manager.post(
            f"{live_server.url}/api/v1/locations/{LOCATION}/tickets",
            json={"topic": keys[n % len(keys)], "language": language},
            timeout=10,
        )
        assert drawn.status_code == 201, drawn.text
    rooms = desks(live_server)
    counselors = [live_server.signed_in(name) for name in ("beratung1", "beratung2")]
    for _round in range(3):  # earlier calls become the last calls
        for staff, desk in zip([*counselors, manager], rooms, strict=False):
            call_next(staff, live_server, desk)

    # Without motion the badge is measured at its size, not while it grows into its place.
    page = browser.new_page(viewport={"width": 1920, "height": 1080}, reduced_motion="reduce")
    page.goto(f"{live_server.url}/display/{LOCATION}")
    expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected")
    expect(page.locator(".recent-call").first).to_be_visible()
    call_next(counselors[0], live_server, rooms[0])  # a new call, with its badge
    expect(page.locator(".call.is-new .call-badge")).to_be_visible()
    # The waiting counts come after the call: the pages below are those of the new counts.
    shown = manager.get(f"{live_server.url}/api/v1/locations/{LOCATION}/display", timeout=10)
    expect(page.locator(".waiting-total-count")).to_have_text(str(shown.json()["waiting_total"]))
    shot(page, "landscape")

    assert small_capitals(page) == []
    assert page.evaluate(CUT) == []
    badges = page.evaluate(COVERED)
    assert badges["badges"] >= 1 and badges["covered"] == []

    # Every topic with people waiting is shown, page by page ("1/3", "2/3", …).
    waiting = {f"waiting-{key}" for key in keys}
    label = page.get_by_test_id("waiting-page")
    pages = int(label.inner_text().split("/")[1])
    assert pages >= 2  # eight topics at this size take turns
    seen: set[str] = set()
    for number in range(1, pages + 1):
        expect(label).to_have_text(f"{number}/{pages}", timeout=20_000)
        assert page.evaluate(CUT) == []
        seen |= set(
            page.locator(".topic:not([hidden])").evaluate_all(
                "tiles => tiles.map(t => t.dataset.testid)"
            )
        )
    assert seen == {w for w in waiting if page.get_by_test_id(w).count()}
    assert len(seen) >= 6

    portrait = browser.new_page(viewport={"width": 1080, "height": 1920})
    portrait.goto(f"{live_server.url}/display/{LOCATION}")
    expect(portrait.locator(".recent-call").first).to_be_visible()
    shot(portrait, "portrait")
    assert small_capitals(portrait) == []
    assert portrait.evaluate(CUT) == []
    page.close()
    portrait.close()


@pytest.mark.parametrize("languages", ["de,en,uk", "ar,de,en"], ids=["ltr", "rtl"])
def test_new_calls_badges_cover_no_text(browser, tmp_path, languages):
    """One call (the newest call alone), then two more at once (the others under it, with
    badges of their own): no badge covers a code, a room or a caption, in landscape and
    portrait, with German first and with Arabic first (right to left)."""
    direction = "rtl" if languages.startswith("ar") else "ltr"
    with run_live_server(tmp_path, settings={"LANGUAGES": languages}) as server:
        manager = server.signed_in("leitung")
        keys = topics(server)
        for n in range(12):  # waiting topics enough for pages: less room for the calls
            drawn = manager.post(
                f"{server.url}/api/v1/locations/{LOCATION}/tickets",
                json={"topic": keys[n % len(keys)], "language": "ar"},
                timeout=10,
            )
            assert drawn.status_code == 201, drawn.text
        staff = [server.signed_in("beratung1"), server.signed_in("beratung2"), manager]
        rooms = desks(server)
        screens = {}
        for name, (width, height) in {"landscape": (1920, 1080), "portrait": (1080, 1920)}.items():
            page = browser.new_page(
                viewport={"width": width, "height": height}, reduced_motion="reduce"
            )
            page.goto(f"{server.url}/display/{LOCATION}")
            expect(page.get_by_test_id("connection-status")).to_have_attribute(
                "data-state", "connected"
            )
            expect(page.locator("html")).to_have_attribute("dir", direction)
            screens[name] = page

        def call(person, room: int) -> None:
            called = person.post(f"{server.url}/api/v1/desks/{room}/call-next", json={}, timeout=10)
            assert called.status_code == 200, called.text

        def no_text_covered(calls: int, new: int) -> None:
            for name, page in screens.items():  # while the badges are shown (a few seconds)
                expect(page.locator(".call")).to_have_count(calls)
                expect(page.locator(".call.is-new .call-badge").nth(new - 1)).to_be_visible()
                badges = page.evaluate(COVERED)
                shot(page, f"badges-{calls}-{name}-{direction}")
                assert badges["badges"] >= new and badges["covered"] == [], (calls, name, badges)

        call(staff[0], rooms[0])
        no_text_covered(1, new=1)
        call(staff[1], rooms[1])
        call(staff[2], rooms[2])
        no_text_covered(3, new=2)  # the newest and the one under it; the first one's may be over
        for page in screens.values():
            page.close()
