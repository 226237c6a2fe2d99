"""The phone page through the public prefix alone: a production server behind a proxy that
publishes only /t/ (as the nginx site of the public host in docs/deployment.md), a headless
Chromium that reaches the public host only through that proxy, and the server's own refusal
of everything else for the public host."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import requests
import socketio
from playwright.sync_api import Browser, Page, expect

from servicepoint import i18n
from tests.conftest import LiveServer, free_port, run_live_server
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.prefix_proxy import PrefixProxy

pytestmark = pytest.mark.e2e

PUBLIC_HOST = "termin.example.test"
LOCATION = "leverkusen"


@dataclass
class Site:
    server: LiveServer  # the LAN's address: http://127.0.0.1:<port>
    proxy: PrefixProxy
    public_url: str  # the internet's: http://termin.example.test:<proxy port>


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    port = free_port()
    with PrefixProxy(port) as proxy:
        public_url = f"http://{PUBLIC_HOST}:{proxy.port}"
        settings = {
            "PUBLIC_HOST": PUBLIC_HOST,
            "PUBLIC_URL": public_url,
            "TRUSTED_PROXIES": "127.0.0.1",
        }
        folder = tmp_path_factory.mktemp("public-half")
        with run_live_server(folder, port=port, settings=settings) as server:
            yield Site(server, proxy, public_url)


@pytest.fixture(scope="module")
def internet(browser: Browser) -> Iterator[Browser]:
    """Chromium for which the public host is the proxy on 127.0.0.1, and nothing else."""
    launched = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_ARGS,
            f"--host-resolver-rules=MAP {PUBLIC_HOST} 127.0.0.1",
            "--no-proxy-server",
        ],
    )
    yield launched
    launched.close()


def draw(site: Site, topic: str, language: str) -> dict:
    """A ticket from the kiosk's API, on the LAN."""
    response = requests.post(
        f"{site.server.url}/api/v1/locations/{LOCATION}/tickets",
        json={"topic": topic, "language": language},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    ticket: dict = response.json()
    return ticket


def wait_until(page: Page, condition: Callable[[], bool], what: str, timeout: float = 10) -> None:
    """Wait for ``condition`` while the page runs. Playwright's sync API hands events (a
    WebSocket frame) to their handlers only inside its own calls, so the wait is one."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        page.wait_for_timeout(50)


class Phone:
    """A phone's page with every request and WebSocket frame it makes and receives."""

    def __init__(self, internet: Browser, language: str | None = None) -> None:
        self.context = internet.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale=language
        )
        self.page: Page = self.context.new_page()
        self.requests: list[str] = []
        self.sockets: list[str] = []
        self.frames: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("websocket", self._websocket)

    def _websocket(self, websocket) -> None:
        self.sockets.append(websocket.url)
        websocket.on("framereceived", lambda payload: self.frames.append(str(payload)))
        websocket.on("framesent", lambda payload: self.frames.append("sent " + str(payload)))
        websocket.on("close", lambda _ws: self.frames.append("closed"))

    def status_frames(self) -> list[str]:
        return [frame for frame in self.frames if frame.startswith('42/ticket,["status"')]

    def close(self) -> None:
        self.context.close()

    def __repr__(self) -> str:
        return f"sockets {self.sockets}, frames {self.frames[-5:]}"


def assert_only_the_public_half(site: Site, phone: Phone, start: int) -> None:
    """Every request of the page went to the public host, below /t/, through the proxy,
    and the proxy refused none."""
    base = site.public_url
    assert phone.requests, "the page made no request"
    outside = [url for url in phone.requests if not url.startswith(f"{base}/t/")]
    assert not outside, outside
    ws_base = base.replace("http://", "ws://")
    assert phone.sockets and all(s.startswith(f"{ws_base}/t/socket.io/") for s in phone.sockets)
    seen = site.proxy.seen[start:]
    assert not site.proxy.refused, site.proxy.refused
    assert all(request.host == f"{PUBLIC_HOST}:{site.proxy.port}" for request in seen)
    assert all(request.target.startswith("/t/") for request in seen)


def test_the_phone_page_goes_live_through_the_prefix_alone(site, internet, tmp_path):
    ticket = draw(site, "language", "de")
    token = ticket["token"]
    # The QR code's address is the public host's (SERVICEPOINT_PUBLIC_URL).
    assert ticket["status_url"] == f"{site.public_url}/t/{token}"
    start = len(site.proxy.seen)
    phone = Phone(internet, "de-DE")
    try:
        page = phone.page
        page.goto(ticket["status_url"])
        expect(page.get_by_test_id("status-code")).to_have_text(ticket["code"])
        expect(page.get_by_test_id("status-state")).to_have_attribute("data-state", "waiting")
        # Live: the status came over the WebSocket on the public Socket.IO path.
        wait_until(page, phone.status_frames, f"a status over the WebSocket ({phone})")
        assert any("transport=websocket" in url for url in phone.sockets)

        # A counselor on the LAN calls the ticket; the phone hears of it at once.
        counselor = site.server.signed_in("beratung1")
        queue_ = counselor.get(f"{site.server.url}/api/v1/locations/{LOCATION}/queue", timeout=10)
        ticket_id = next(t["id"] for t in queue_.json()["waiting"] if t["code"] == ticket["code"])
        desks = counselor.get(f"{site.server.url}/api/v1/locations/{LOCATION}/desks", timeout=10)
        desk = desks.json()["desks"][1]
        called = counselor.post(
            f"{site.server.url}/api/v1/desks/{desk['id']}/call",
            json={"ticket_id": ticket_id},
            timeout=10,
        )
        assert called.status_code == 200, called.text
        state = page.get_by_test_id("status-state")
        expect(state).to_have_attribute("data-state", "called", timeout=5000)
        expect(page.get_by_test_id("status-desk")).to_have_text(desk["name"])

        def called_live() -> bool:
            return any('"state":"called"' in frame for frame in phone.status_frames())

        wait_until(page, called_live, f"the call over the WebSocket ({phone})", timeout=2)
        page.screenshot(path=str(tmp_path / "status-called-de.png"), full_page=True)

        assert_only_the_public_half(site, phone, start)
        targets = [request.target for request in site.proxy.seen[start:]]
        assert f"/t/{token}" in targets
        for file in (
            "/t/static/display/status.js",
            "/t/static/display/status.css",
            "/t/static/js/socket.js",
            "/t/static/vendor/socket.io/socket.io.min.js",
        ):
            assert file in targets, file
        upgrades = [r.target for r in site.proxy.seen[start:] if r.upgrade]
        assert upgrades and all(t.startswith("/t/socket.io/?EIO=4") for t in upgrades)
    finally:
        phone.close()


def test_an_arabic_phone_reads_right_to_left_and_cancels_through_the_prefix(
    site, internet, tmp_path
):
    ticket = draw(site, "residence", "ar")
    start = len(site.proxy.seen)
    phone = Phone(internet, "ar")
    try:
        page = phone.page
        page.goto(ticket["status_url"])
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(page.locator("html")).to_have_attribute("lang", "ar")
        expect(page.get_by_test_id("status-state")).to_have_text(
            i18n.text("ar", "status.state_waiting")
        )
        wait_until(page, phone.status_frames, f"a status over the WebSocket ({phone})")
        page.screenshot(path=str(tmp_path / "status-waiting-ar.png"), full_page=True)

        # Switched to Ukrainian in place and back, still live.
        page.locator(".lang-switch summary").click()
        page.get_by_test_id("status-lang-uk").click()
        expect(page.locator("html")).to_have_attribute("dir", "ltr")
        expect(page.get_by_test_id("status-state")).to_have_text(
            i18n.text("uk", "status.state_waiting")
        )
        page.locator(".lang-switch summary").click()
        page.get_by_test_id("status-lang-ar").click()
        expect(page.locator("html")).to_have_attribute("dir", "rtl")

        # The visitor gives the place back: the cancel goes to the public API.
        page.get_by_test_id("status-cancel").click()
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.get_by_test_id("status-cancel-confirm").click()
        assert answer.value.status == 200
        assert answer.value.url == f"{site.public_url}/t/api/v1/tickets/{ticket['token']}/cancel"
        expect(page.get_by_test_id("status-state")).to_have_attribute("data-state", "cancelled")
        expect(page.get_by_test_id("status-state")).to_have_text(
            i18n.text("ar", "status.state_cancelled")
        )
        page.screenshot(path=str(tmp_path / "status-cancelled-ar.png"), full_page=True)
        assert_only_the_public_half(site, phone, start)
    finally:
        phone.close()
    lan = requests.get(f"{site.server.url}/api/v1/tickets/{ticket['token']}", timeout=10)
    assert lan.json()["state"] == "cancelled"

    # The access log names the public half's paths, never the token.
    output = site.server.output()
    deadline = time.monotonic() + 10
    while "POST /t/api/v1/tickets/[redacted]/cancel " not in output:
        assert time.monotonic() < deadline, output[-3000:]
        time.sleep(0.1)
        output = site.server.output()
    assert "GET /t/[redacted] " in output
    assert ticket["token"] not in output


# --- the public Socket.IO path ----------------------------------------------------------


def connect(url: str, path: str, namespace: str, auth: dict, headers: dict | None = None):
    """A real Socket.IO client over WebSocket; returns (client or None, first events, error)."""
    events: queue.Queue = queue.Queue()
    client = socketio.Client(reconnection=False)
    for name in ("snapshot", "status", "queue", "topics"):
        client.on(name, (lambda n: lambda data: events.put((n, data)))(name), namespace=namespace)
    client.on(
        "connect_error", lambda data: events.put(("connect_error", data)), namespace=namespace
    )
    try:
        client.connect(
            url,
            socketio_path=path,
            namespaces=[namespace],
            auth=auth,
            headers=headers or {},
            transports=["websocket"],
            wait_timeout=10,
        )
    except socketio.exceptions.ConnectionError:
        client.disconnect()
        name, data = events.get(timeout=10)
        assert name == "connect_error", (name, data)
        return None, data
    name, data = events.get(timeout=10)
    return client, (name, data)


@pytest.mark.parametrize("namespace", ["/display", "/kiosk", "/staff"])
def test_internal_namespaces_refuse_the_public_socketio_path(site, namespace):
    counselor = site.server.signed_in("beratung1")
    cookie = "; ".join(f"{c.name}={c.value}" for c in counselor.cookies)
    auth = {"location": LOCATION}

    # On the LAN's path the namespace answers (the counselor's cookie signs /staff in) ...
    client, (first, _data) = connect(
        site.server.url, "socket.io", namespace, auth, {"Cookie": cookie}
    )
    assert client is not None and first in {"snapshot", "topics", "queue"}
    client.disconnect()
    # ... through the public path it refuses, from the LAN or through the proxy.
    for url in (site.server.url, f"http://127.0.0.1:{site.proxy.port}"):
        refused, reason = connect(url, "t/socket.io", namespace, auth, {"Cookie": cookie})
        assert refused is None
        assert reason == {"message": "not_public"}


def test_the_phone_namespace_answers_on_the_public_socketio_path(site):
    ticket = draw(site, "work", "en")
    for url in (site.server.url, f"http://127.0.0.1:{site.proxy.port}"):
        client, (first, status) = connect(url, "t/socket.io", "/ticket", {"token": ticket["token"]})
        assert client is not None
        assert first == "status" and status["code"] == ticket["code"]
        client.disconnect()


# --- the server's own refusal, should a proxy forward more than /t/ ------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/healthz",
        "/staff/",
        f"/display/{LOCATION}",
        f"/kiosk/{LOCATION}",
        "/static/base.css",
        f"/api/v1/locations/{LOCATION}/topics",
        "/socket.io/?EIO=4&transport=polling",
    ],
)
def test_the_server_refuses_everything_else_for_the_public_host(site, path):
    response = requests.get(
        site.server.url + path,
        headers={"Host": PUBLIC_HOST, "Accept-Language": "de"},
        timeout=10,
    )

    assert response.status_code == 404
    if path.startswith(("/api/", "/socket.io/")):
        assert response.json() == {
            "error": "not_found",
            "message": i18n.text("de", "error.not_public"),
        }
    else:
        assert i18n.text("de", "error.not_public") in response.text
    assert response.headers["X-Frame-Options"] == "DENY"
    # The same request on the LAN is served.
    assert requests.get(site.server.url + path, timeout=10).status_code == 200


def test_a_ticket_cannot_be_drawn_through_the_public_host(site):
    before = requests.get(f"{site.server.url}/api/v1/locations/{LOCATION}/display", timeout=10)

    response = requests.post(
        f"{site.server.url}/api/v1/locations/{LOCATION}/tickets",
        json={"topic": "language", "language": "de"},
        headers={"X-Forwarded-Host": PUBLIC_HOST},
        timeout=10,
    )

    assert response.status_code == 404 and response.json()["error"] == "not_found"
    after = requests.get(f"{site.server.url}/api/v1/locations/{LOCATION}/display", timeout=10)
    assert after.json()["waiting_total"] == before.json()["waiting_total"]


def test_the_proxy_publishes_the_prefix_only(site):
    """The test's proxy itself: anything outside /t/ never reaches the server."""
    for path in ("/", "/staff/", "/socket.io/?EIO=4&transport=polling", "/tx"):
        response = requests.get(f"http://127.0.0.1:{site.proxy.port}{path}", timeout=10)
        assert response.status_code == 404
        assert response.text.startswith("refused by the proxy")
    assert [request.target for request in site.proxy.refused[-4:]] == [
        "/",
        "/staff/",
        "/socket.io/?EIO=4&transport=polling",
        "/tx",
    ]
    site.proxy.refused.clear()


@pytest.mark.parametrize(
    ("language", "shown"),
    # Every visitor language has the message (Arabic right to left); Spanish has no strings.
    [("de", "de"), ("ar", "ar"), ("es", "en")],
)
def test_a_browser_on_the_public_host_sees_why_in_its_language(
    site, internet, tmp_path, language, shown
):
    """Straight to the server under the public host's name, as through a proxy that forwards
    everything: the staff page is not there; the visitor reads why."""
    port = site.server.url.rsplit(":", 1)[1]
    context = internet.new_context(locale=language, viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        messages: list[str] = []
        loaded: list[tuple[str, int]] = []
        page.on("console", lambda message: messages.append(message.text))
        page.on("response", lambda r: loaded.append((r.url.split(port, 1)[1], r.status)))
        response = page.goto(f"http://{PUBLIC_HOST}:{port}/staff/")
        assert response is not None and response.status == 404
        expect(page.locator("html")).to_have_attribute("lang", shown)
        expect(page.locator("html")).to_have_attribute("dir", i18n.catalog().direction(shown))
        expected = i18n.text(shown, "error.not_public")
        expect(page.get_by_test_id("not-public")).to_have_text(expected)
        # Styled from the public half's own files, without a policy violation.
        font = page.get_by_test_id("not-public").evaluate("e => getComputedStyle(e).fontFamily")
        assert "Noto Sans" in font
        assert ("/t/static/base.css", 200) in loaded
        assert all(path.startswith("/t/static/") and status == 200 for path, status in loaded[1:])
        assert not [text for text in messages if "Content Security Policy" in text], messages
        page.screenshot(path=str(tmp_path / f"not-public-{language}.png"))
    finally:
        context.close()
