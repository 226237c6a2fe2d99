"""The lobby read from across the room, in a real browser: on a 55-inch screen every topic
name and every call (the smaller ones too) has capitals at least 30 mm high, measured on the
glyphs the page draws; long topic names wrap and are never cut (topics that do not fit take
turns in pages); the "new" badge of a call never covers any text: a code, a room or the
newest call's captions ("Bitte zu"), with one call or several, left to right and right to
left, in landscape and portrait."""

from __future__ import annotations

import os
import re
import time

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

# Second-language lines (.alt) whose "·" is not between the two languages: the room the alt
# keeps beside its text (its box less its text's, which holds no generated content) should be
# on the side facing the first language, none on the other (an alt on a line of its own has
# no "·", and a "·" there would leave room on its far side too).
SEPARATED = """
(direction) => {
  const wrong = [];
  const alts = document.querySelectorAll(
    ":is(.panel-heading, .call-caption, .lobby-hint, .call-badge, .sessions-heading) .alt");
  for (const alt of alts) {
    const box = alt.getBoundingClientRect();
    if (!box.width || !alt.textContent.trim()) continue;
    const marks = ["::before", "::after"].map((at) => getComputedStyle(alt, at).content);
    if (marks.every((mark) => mark === "none")) continue;  // a line of its own, no "·"
    const range = document.createRange();
    range.selectNodeContents(alt);
    const text = range.getBoundingClientRect();
    const left = text.left - box.left, right = box.right - text.right;
    const [facing, away] = direction === "rtl" ? [right, left] : [left, right];
    if (!(facing > 4 && away < 1)) {
      wrong.push({ text: alt.textContent.trim(), dir: alt.dir, left, right });
    }
  }
  return { checked: alts.length, wrong };
}
"""

# New calls whose flash ring (outline and its offset) the calls' panel cuts off at its edge.
RING_CUT = """
() => {
  const panel = document.querySelector(".current").getBoundingClientRect();
  const cut = [];
  for (const call of document.querySelectorAll(".current .call.is-new:not([hidden])")) {
    const style = getComputedStyle(call);
    const ring = parseFloat(style.outlineWidth) + parseFloat(style.outlineOffset);
    const box = call.getBoundingClientRect();
    if (!(ring > 0) || box.left - ring < panel.left - 0.5 || box.right + ring > panel.right + 0.5 ||
        box.top - ring < panel.top - 0.5 || box.bottom + ring > panel.bottom + 0.5) {
      cut.push(call.dataset.testid);
    }
  }
  return cut;
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


@pytest.mark.parametrize("languages", ["de,ar,en", "ar,de,en"], ids=["ltr", "rtl"])
def test_new_calls_badges_cover_no_text(browser, tmp_path, languages):
    """One call (the newest call alone), then two more at once (the others under it, with
    badges of their own): no badge covers a code, a room or a caption, in landscape and
    portrait, with German first and with Arabic first (right to left). Where a line holds
    two languages, the "·" stands between them, whichever way each runs; no flash ring is
    cut off at the panel's edge."""
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
                assert page.evaluate(RING_CUT) == [], (calls, name)
                separated = page.evaluate(SEPARATED, direction)
                assert separated["checked"] >= 3 and separated["wrong"] == [], separated

        call(staff[0], rooms[0])
        no_text_covered(1, new=1)
        call(staff[1], rooms[1])
        call(staff[2], rooms[2])
        no_text_covered(3, new=2)  # the newest and the one under it; the first one's may be over
        for page in screens.values():
            page.close()


# Calls drawn cut off by the calls' panel: a row (not hidden) that reaches beyond its bottom.
CALLS_CUT = """
() => {
  const panel = document.querySelector(".current");
  const style = getComputedStyle(panel);
  const bottom = panel.getBoundingClientRect().bottom - parseFloat(style.paddingBottom);
  return [...panel.querySelectorAll(".call:not([hidden])")]
    .filter((call) => call.getBoundingClientRect().bottom > bottom + 1)
    .map((call) => call.dataset.testid);
}
"""


# The calls drawn now, the pages' label and the calls cut off, read in one go.
SHOWN_CALLS = (
    "() => ({ label: document.querySelector('.calls-page').textContent,"
    " codes: [...document.querySelectorAll('.current .call:not([hidden]) .call-code')]"
    ".map((code) => code.textContent.trim()),"
    " cut: (" + CALLS_CUT.strip() + ")() })"
)


def test_more_calls_than_fit_take_turns_and_none_is_cut(browser, tmp_path):
    """Twelve rooms call at once: the last calls' panel makes room, and the calls that still
    do not fit at a readable size take turns in pages after the newest ("1/2"); every call is
    shown whole on one of them, and no new call's ring is cut off."""
    rooms_wanted = 12
    with run_live_server(tmp_path, settings={"LANGUAGES": "de,ar,en"}) as server:
        manager = server.signed_in("leitung")
        keys = topics(server)
        for n in range(rooms_wanted):  # one each: afterwards nobody waits (a steady panel)
            drawn = manager.post(
                f"{server.url}/api/v1/locations/{LOCATION}/tickets",
                json={"topic": keys[n % len(keys)]},
                timeout=10,
            )
            assert drawn.status_code == 201, drawn.text
        for n in range(rooms_wanted - len(desks(server))):
            made = manager.post(
                f"{server.url}/api/v1/locations/{LOCATION}/desks",
                json={"name": f"Raum {10 + n}"},
                timeout=10,
            )
            assert made.status_code == 201, made.text
        rooms = desks(server)
        page = browser.new_page(viewport={"width": 1920, "height": 1080}, reduced_motion="reduce")
        page.goto(f"{server.url}/display/{LOCATION}")
        expect(page.get_by_test_id("connection-status")).to_have_attribute(
            "data-state", "connected"
        )
        called = []
        for room in rooms:  # one person calls at each room in turn
            assert manager.post(f"{server.url}/api/v1/desks/{room}/occupy", timeout=10).ok
            answer = manager.post(f"{server.url}/api/v1/desks/{room}/call-next", timeout=10)
            assert answer.status_code == 200, answer.text
            called.append(answer.json()["code"])
        # (a burst of calls is fitted call by call: a slow screen catches up)
        expect(page.locator(".current .call")).to_have_count(rooms_wanted, timeout=20_000)
        label = page.get_by_test_id("calls-page")
        expect(page.locator(".current .call.is-new").first).to_be_visible()
        assert page.evaluate(CALLS_CUT) == []
        assert page.evaluate(RING_CUT) == []  # the new calls' rings, the lowest one's too
        expect(label).to_have_text(re.compile(r"^\d/\d$"))
        shot(page, "crowded-new")

        expect(page.locator(".current .call.is-new")).to_have_count(0, timeout=20_000)
        expect(label).to_have_text(re.compile(r"^\d/\d$"))
        seen: set[str] = set()
        labels: set[str] = set()
        deadline = time.monotonic() + 60  # every call comes round within a few turns of 8 s
        while seen != set(called) and time.monotonic() < deadline:
            shown = page.evaluate(SHOWN_CALLS)  # what is drawn now, read at once
            assert shown["cut"] == [], shown
            assert shown["codes"][0] == called[-1], shown  # the newest stays on every page
            assert len(shown["codes"]) >= 2, shown
            if shown["label"] not in labels:
                shot(page, f"crowded-{shown['label'].replace('/', '-')}")
            labels.add(shown["label"])
            seen |= set(shown["codes"])
            page.wait_for_timeout(500)
        assert len(labels) >= 2, labels
        assert seen == set(called)
        page.close()
