"""Security headers on every response, and every page working under its strict policy: the
pages load in headless Chromium without one Content-Security-Policy violation, and their
live connections still open (WebSockets included)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from tests.conftest import free_port
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

LOCATION = "leverkusen"

FIXED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        assert name not in parsed, f"{name} given twice"
        parsed[name] = sources
    return parsed


def assert_secured(response: requests.Response, host: str) -> None:
    for name, value in FIXED_HEADERS.items():
        assert response.headers.get(name) == value, (response.url, name)
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "media-src": ["'self'"],
        "connect-src": ["'self'", f"ws://{host}", f"wss://{host}"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }, response.url
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def draw(live_server, topic: str = "language", language: str = "de") -> dict:
    response = requests.post(
        f"{live_server.url}/api/v1/locations/{LOCATION}/tickets",
        json={"topic": topic, "language": language},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    ticket: dict = response.json()
    return ticket


@pytest.fixture(scope="module")
def ticket(live_server) -> dict:
    return draw(live_server)


@pytest.fixture(scope="module")
def manager(live_server) -> requests.Session:
    return live_server.signed_in("leitung")


# --- the headers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/healthz",
        f"/kiosk/{LOCATION}",
        f"/kiosk/{LOCATION}?kiosk=not-a-known-kiosk-token",
        f"/display/{LOCATION}",
        "/staff/",
        "/static/base.css",
        "/static/vendor/socket.io/socket.io.min.js",
        "/kiosk/static/kiosk/kiosk.js",
        "/i18n/de.json",
        f"/api/v1/locations/{LOCATION}/topics",
        f"/api/v1/locations/{LOCATION}/display",
        "/kiosk/nowhere",  # an error page
        "/api/v1/tickets/unknown-token",  # a JSON refusal
        "/t/static/base.css",  # the public half's files, catalog and API
        "/t/static/display/status.js",
        "/t/i18n/ar.json",
        "/t/api/v1/tickets/unknown-token",
    ],
)
def test_every_response_carries_the_headers(live_server, path):
    response = requests.get(live_server.url + path, timeout=10)
    assert response.status_code in (200, 404), response.text
    assert_secured(response, live_server.url.removeprefix("http://"))


def test_ticket_pages_and_json_carry_the_headers(live_server, ticket):
    host = live_server.url.removeprefix("http://")
    token = ticket["token"]
    for path in (
        f"/t/{token}",
        f"/t/{token}/qr.svg",
        f"/api/v1/tickets/{token}",
        f"/t/api/v1/tickets/{token}",
    ):
        response = requests.get(live_server.url + path, timeout=10)
        assert response.status_code == 200, path
        assert_secured(response, host)
    assert requests.get(f"{live_server.url}/api/v1/tickets/{token}", timeout=10).json()


def test_staff_pages_and_writes_carry_the_headers(live_server, manager):
    host = live_server.url.removeprefix("http://")
    for path in ("/staff/", "/staff/manage", "/api/v1/session", "/api/v1/staff"):
        response = manager.get(live_server.url + path, timeout=10)
        assert response.status_code == 200, path
        assert_secured(response, host)
    refused = manager.post(f"{live_server.url}/api/v1/locations", json={}, timeout=10)
    assert refused.status_code == 400
    assert_secured(refused, host)


def test_the_policy_names_the_host_asked_for(live_server):
    response = requests.get(live_server.url, headers={"Host": "servicepoint.lan:8000"}, timeout=10)
    assert (
        "ws://servicepoint.lan:8000 wss://servicepoint.lan:8000"
        in (response.headers["Content-Security-Policy"])
    )


# --- the pages in a browser -------------------------------------------------------------

# Both ways a browser reports a violation: its own console line, and the DOM event.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  (window.__cspViolations = window.__cspViolations || []).push(
    [event.violatedDirective, event.blockedURI, event.sourceFile, event.lineNumber].join(" "));
});
"""


class Watched:
    """A browser context whose pages record every CSP violation and page error."""

    def __init__(self, context: BrowserContext):
        self.context = context
        self.console: list[str] = []
        self.pages: list[Page] = []
        self.sockets: list[str] = []
        context.add_init_script(REPORT_VIOLATIONS)

    def page(self, **options) -> Page:
        page = self.context.new_page(**options)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console.append(f"page error: {error}"))
        page.on("websocket", lambda socket: self.sockets.append(socket.url))
        self.pages.append(page)
        return page

    def _console(self, message: ConsoleMessage) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.console.append(text)

    def violations(self) -> list[str]:
        found = list(self.console)
        for page in self.pages:
            if not page.is_closed():
                found += page.evaluate("() => window.__cspViolations || []")
        return found

    def assert_clean(self) -> None:
        found = self.violations()
        assert found == [], "\n".join(found)


@contextmanager
def watched(browser: Browser, **options) -> Iterator[Watched]:
    context = browser.new_context(**options)
    try:
        yield Watched(context)
    finally:
        context.close()


def test_start_page_loads_without_violations(browser, live_server):
    with watched(browser) as watch:
        page = watch.page()
        page.goto(live_server.url)
        expect(page.get_by_role("link", name="Kiosk").first).to_be_visible()
        # The start page is styled (by start.css).
        width = page.locator("main").evaluate("m => getComputedStyle(m).maxInlineSize")
        assert width != "none"
        watch.assert_clean()


@pytest.mark.parametrize("language", ["de", "ar"])
def test_kiosk_draws_a_ticket_without_violations(browser, live_server, language):
    with watched(browser, viewport={"width": 1080, "height": 1920}) as watch:
        kiosk = watch.page()
        kiosk.goto(f"{live_server.url}/kiosk/{LOCATION}")
        kiosk.get_by_test_id(f"lang-{language}").click()
        expect(kiosk.locator("html")).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")
        # The tiles' columns come from the template's data, set by the script: still there.
        topics = kiosk.locator("#topics")
        assert topics.evaluate("t => t.style.getPropertyValue('--cols-portrait')") != ""
        with kiosk.expect_request(lambda r: r.method == "POST") as drawn:
            kiosk.get_by_test_id("topic-language").click()
        # The page's referrer policy sends nothing, its API calls name their origin (the
        # server refuses writes from an unknown one).
        assert drawn.value.all_headers().get("origin") == live_server.url
        expect(kiosk.get_by_test_id("ticket-code")).to_have_text(re.compile(r"^B\d{3}$"))
        expect(kiosk.get_by_test_id("ticket-qr")).to_be_visible()
        kiosk.wait_for_function(
            "() => { const i = document.querySelector('[data-testid=ticket-qr]');"
            " return i && i.complete && i.naturalWidth > 0; }"
        )
        assert any("/socket.io/" in url and url.startswith("ws://") for url in watch.sockets)
        watch.assert_clean()


def test_phone_page_goes_live_without_violations(browser, live_server):
    ticket = draw(live_server, "residence", "uk")
    with watched(browser, viewport={"width": 390, "height": 844}, is_mobile=True) as watch:
        phone = watch.page()
        phone.goto(ticket["status_url"].replace("https://sp.example.org", live_server.url))
        expect(phone.get_by_test_id("status-code")).to_have_text(ticket["code"])
        expect(phone.get_by_test_id("status-state")).to_have_attribute("data-state", "waiting")
        phone.wait_for_function("() => window.io !== undefined")
        phone.locator(".lang-switch summary").click()
        phone.get_by_test_id("status-lang-ar").click()
        expect(phone.locator("html")).to_have_attribute("dir", "rtl")
        expect(phone.get_by_test_id("status-code")).to_have_text(ticket["code"])
        watch.assert_clean()


def test_lobby_shows_a_call_without_violations(browser, live_server):
    counselor = live_server.signed_in("beratung1")
    with watched(browser, viewport={"width": 1920, "height": 1080}) as watch:
        lobby = watch.page()
        lobby.goto(f"{live_server.url}/display/{LOCATION}")
        expect(lobby.get_by_test_id("connection-status")).to_have_attribute(
            "data-state", "connected"
        )
        assert any("/socket.io/" in url and url.startswith("ws://") for url in watch.sockets)
        ticket = draw(live_server, "naturalisation")
        desks = counselor.get(f"{live_server.url}/api/v1/locations/{LOCATION}/desks", timeout=10)
        desk = desks.json()["desks"][3]["id"]
        called = counselor.post(
            f"{live_server.url}/api/v1/desks/{desk}/call",
            timeout=10,
            json={"ticket_id": queue_id(counselor, live_server, ticket)},
        )
        assert called.status_code == 200, called.text
        call = lobby.get_by_test_id(f"call-{ticket['code']}")
        expect(call).to_contain_text("Raum 4")
        watch.assert_clean()


def queue_id(counselor: requests.Session, live_server, ticket: dict) -> int:
    queue = counselor.get(f"{live_server.url}/api/v1/locations/{LOCATION}/queue", timeout=10)
    return next(t["id"] for t in queue.json()["waiting"] if t["code"] == ticket["code"])


def test_sign_in_and_desk_view_without_violations(browser, live_server):
    ticket = draw(live_server, "work")
    with watched(browser, viewport={"width": 1280, "height": 900}) as watch:
        page = watch.page()
        page.goto(f"{live_server.url}/staff/")
        expect(page.get_by_test_id("login-submit")).to_be_visible()
        watch.assert_clean()
        sign_in(page, live_server, "beratung1")
        page.get_by_test_id("select-location").select_option(LOCATION)
        page.get_by_test_id("select-desk").select_option(label="Raum 3")
        expect(page.get_by_test_id("connection")).to_have_class(re.compile(r"\blive\b"))
        expect(page.get_by_test_id(f"waiting-{ticket['code']}")).to_be_visible()
        page.get_by_test_id("call-next").click()
        expect(page.get_by_test_id("current-ticket")).to_contain_text(re.compile(r"[A-E]\d{3}"))
        assert any("/socket.io/" in url and url.startswith("ws://") for url in watch.sockets)
        watch.assert_clean()


def test_manage_page_tabs_without_violations(browser, live_server):
    with watched(browser, viewport={"width": 1280, "height": 900}) as watch:
        page = watch.page()
        sign_in(page, live_server, "leitung")
        page.goto(f"{live_server.url}/staff/manage")
        for tab in ("locations", "topics", "desks", "staff", "kiosks"):
            page.get_by_test_id(f"tab-{tab}").click()
            expect(page.locator(f"#panel-{tab}")).to_be_visible()
        page.get_by_test_id("kiosks-location").select_option(LOCATION)
        page.wait_for_function(
            "() => { const i = document.querySelector('#preview-image');"
            " return i && i.complete && i.naturalWidth > 0; }"
        )
        watch.assert_clean()


def test_no_other_page_may_frame_the_desk_view(browser, live_server):
    """A page of the same site (another port of this host) frames the signed-in desk view:
    the browser refuses to show it; without the headers it would."""
    desk_url = f"{live_server.url}/staff/"
    framer = f"http://127.0.0.1:{free_port()}/framer"

    def framing_page(route):
        body = f'<iframe id="desk" src="{desk_url}"></iframe>'
        route.fulfill(content_type="text/html", body=body)

    def without_headers(route):
        response = route.fetch()
        headers = {
            name: value
            for name, value in response.headers.items()
            if name.lower() not in ("content-security-policy", "x-frame-options")
        }
        route.fulfill(response=response, headers=headers)

    for stripped in (True, False):
        with watched(browser) as watch:
            page = watch.page()
            sign_in(page, live_server, "beratung1")
            page.route(framer, framing_page)
            if stripped:
                page.route(desk_url, without_headers)
            page.goto(framer)
            desk = page.frame_locator("#desk").get_by_test_id("call-next")
            if stripped:
                expect(desk).to_have_count(1)  # the control: a frameable page shows
            else:
                page.wait_for_timeout(500)
                expect(desk).to_have_count(0)
                framed = next(frame for frame in page.frames if frame is not page.main_frame)
                assert framed.url == "chrome-error://chromewebdata/"


def test_self_alone_admits_the_same_origin_websocket(browser, live_server):
    """Current Chromium lets connect-src 'self' match ws:// on the page's own host (CSP
    Level 3); the explicit ws:/wss: sources are for older browsers on visitors' phones."""
    lobby_url = f"{live_server.url}/display/{LOCATION}"

    def self_only(route):
        response = route.fetch()
        headers = dict(response.headers)
        policy = headers["content-security-policy"]
        headers["content-security-policy"] = re.sub(
            r"connect-src [^;]*", "connect-src 'self'", policy
        )
        route.fulfill(response=response, headers=headers)

    with watched(browser) as watch:
        lobby = watch.page()
        lobby.route(lobby_url, self_only)
        lobby.goto(lobby_url)
        expect(lobby.get_by_test_id("connection-status")).to_have_attribute(
            "data-state", "connected"
        )
        assert any(
            url.startswith(f"ws://{live_server.url[7:]}/socket.io/") for url in watch.sockets
        )
        watch.assert_clean()
