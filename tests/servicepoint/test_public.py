"""The public half (servicepoint/public.py): everything a phone needs below /t/, and with
SERVICEPOINT_PUBLIC_HOST set, nothing else for requests to that host."""

from __future__ import annotations

import subprocess
import sys

import pytest
from socketio.exceptions import ConnectionRefusedError
from sqlalchemy import select

from servicepoint import i18n, public
from servicepoint.models import Base, Role, Ticket
from servicepoint.server import redact
from tests.conftest import PASSWORD, make_test_app
from tests.page_html import Page

PUBLIC_HOST = "termin.example.test"
ON_PUBLIC_HOST = {"X-Forwarded-Host": PUBLIC_HOST}


@pytest.fixture
def app(db, tmp_path):
    """The test app with a public host of its own (PUBLIC_URL unset: derived from it)."""
    return make_test_app(db, tmp_path, PUBLIC_HOST=PUBLIC_HOST)


def draw(client, topic="general", language="de") -> dict:
    response = client.post(
        "/api/v1/locations/test-centre/tickets", json={"topic": topic, "language": language}
    )
    assert response.status_code == 201, response.json
    ticket: dict = response.json
    return ticket


def database_state(session) -> dict[str, list[tuple]]:
    """Every row of every table, to show that a refused request changed nothing."""
    session.expire_all()
    return {
        table.name: sorted(map(tuple, session.execute(select(table)).all()), key=repr)
        for table in Base.metadata.sorted_tables
    }


# --- the public host reaches the public half only ---------------------------------------

# Everything outside /t/: pages, files, the catalog, the internal API (reads and writes,
# the visitor's own too), Socket.IO's internal path, the health check; and paths that only
# look like the public half.
INTERNAL = [
    ("GET", "/"),
    ("GET", "/healthz"),
    ("GET", "/kiosk/test-centre"),
    ("GET", "/display/test-centre"),
    ("GET", "/display/announcements/WyJOdW1tZXIgQiAxMiJd.x.wav"),
    ("GET", "/staff/"),
    ("GET", "/staff/manage"),
    ("GET", "/static/base.css"),
    ("GET", "/static/vendor/socket.io/socket.io.min.js"),
    ("GET", "/kiosk/static/kiosk/kiosk.js"),
    ("GET", "/i18n/de.json"),
    ("GET", "/api/v1/locations/test-centre/topics"),
    ("GET", "/api/v1/locations/test-centre/display"),
    ("GET", "/api/v1/locations/test-centre/queue"),
    ("POST", "/api/v1/locations/test-centre/tickets"),
    ("GET", "/api/v1/tickets/{token}"),
    ("POST", "/api/v1/tickets/{token}/cancel"),
    ("POST", "/api/v1/desks/{desk}/call-next"),
    ("POST", "/api/v1/session"),
    ("DELETE", "/api/v1/session"),
    ("POST", "/api/v1/locations"),
    ("GET", "/socket.io/?EIO=4&transport=polling"),
    ("OPTIONS", "/api/v1/locations/test-centre/tickets"),
    ("HEAD", "/staff/"),
    ("GET", "/t"),
    ("GET", "/t/../staff/"),
    ("GET", "/t/./../api/v1/locations/test-centre/topics"),
    ("GET", "/T/static/base.css"),
]


@pytest.mark.parametrize(("method", "path"), INTERNAL, ids=[f"{m} {p}" for m, p in INTERNAL])
def test_every_internal_path_is_refused_on_the_public_host_and_changes_nothing(
    client, session, centre, factory, auth, method, path
):
    factory.staff()
    ticket = draw(client)
    assert auth.login().status_code == 200  # a counselor's cookie goes along, too
    before = database_state(session)
    url = path.format(token=ticket["token"], desk=centre.desks[0].id)
    body = {
        "topic": "general",
        "username": "berater",
        "password": PASSWORD,
        "slug": "neu",
        "name": "Neu",
    }

    response = client.open(
        url,
        method=method,
        json=body if method == "POST" else None,
        headers={**ON_PUBLIC_HOST, "Accept-Language": "de"},
    )

    assert response.status_code == 404, response.data
    assert database_state(session) == before
    assert "Set-Cookie" not in response.headers
    if method == "HEAD":
        assert response.data == b""
    elif path.startswith(("/api/", "/socket.io/")):
        assert response.json == {
            "error": "not_found",
            "message": i18n.text("de", "error.not_public"),
        }
    else:
        page = Page(response.data)
        assert page.find(data_testid="not-public").text == i18n.text("de", "error.not_public")
    # The same request on the LAN is not refused this way.
    with client.open(url, method=method, json=body if method == "POST" else None) as lan:
        assert i18n.text("en", "error.not_public") not in lan.text


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": PUBLIC_HOST},
        {"Host": f"{PUBLIC_HOST}:8443"},
        {"Host": "Termin.Example.TEST."},
        {"X-Forwarded-Host": PUBLIC_HOST},
        {"X-Forwarded-Host": f"servicepoint.lan, {PUBLIC_HOST}"},
        {"Forwarded": f'for=192.0.2.7;proto=https;host="{PUBLIC_HOST}"'},
        # Naming the LAN as well does not make a request for the public host internal.
        {"Host": PUBLIC_HOST, "X-Forwarded-Host": "servicepoint.lan"},
    ],
    ids=["host", "host-port", "host-case-dot", "xfh", "xfh-list", "forwarded", "host-wins"],
)
def test_any_header_naming_the_public_host_makes_a_request_public(client, centre, headers):
    response = client.get("/api/v1/locations/test-centre/topics", headers=headers)

    assert response.status_code == 404
    assert response.json["message"] == i18n.text("en", "error.not_public")


def test_other_hosts_are_the_lan(client, centre):
    for headers in ({"Host": "servicepoint.lan:8000"}, {"X-Forwarded-Host": "termin.example"}):
        assert (
            client.get("/api/v1/locations/test-centre/topics", headers=headers).status_code == 200
        )


def test_the_refusal_is_in_the_clients_language_and_carries_the_security_headers(client):
    german = client.get("/staff/", headers={**ON_PUBLIC_HOST, "Accept-Language": "de"})
    arabic = client.get("/staff/", headers={**ON_PUBLIC_HOST, "Accept-Language": "ar"})
    spanish = client.get("/staff/", headers={**ON_PUBLIC_HOST, "Accept-Language": "es"})
    script = client.get("/api/v1/session", headers=ON_PUBLIC_HOST)

    page = Page(german.data)
    assert (page.html.get("lang"), page.html.get("dir")) == ("de", "ltr")
    assert page.find("h1").text == i18n.text("de", "error.not_public")
    assert "Internet" in page.find("h1").text
    # Every visitor language has this message of its own: Arabic, right to left.
    page = Page(arabic.data)
    assert (page.html.get("lang"), page.html.get("dir")) == ("ar", "rtl")
    assert page.find("h1").text == i18n.catalog().own("ar")["error.not_public"]
    # A language without strings reads English, in an English page.
    english = Page(spanish.data)
    assert (english.html.get("lang"), english.html.get("dir")) == ("en", "ltr")
    assert english.find("h1").text == i18n.text("en", "error.not_public")
    # The page's own files come from the public half, the only part the host serves.
    assert [link.get("href") for link in page.find_all("link")] == [
        "/t/static/favicon.svg",
        "/t/static/base.css",
    ]
    assert script.json["message"] == i18n.text("en", "error.not_public")
    for response in (german, arabic, spanish, script):
        assert response.status_code == 404
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "no-store"


def test_without_a_public_host_no_host_is_refused(db, tmp_path, centre):
    client = make_test_app(db, tmp_path).test_client()

    for headers in ({"Host": PUBLIC_HOST}, ON_PUBLIC_HOST):
        assert (
            client.get("/api/v1/locations/test-centre/topics", headers=headers).status_code == 200
        )
        assert client.get("/", headers=headers).status_code == 200


def test_a_url_in_the_setting_is_refused_at_start(db, tmp_path):
    with pytest.raises(ValueError, match="SERVICEPOINT_PUBLIC_HOST"):
        make_test_app(db, tmp_path, PUBLIC_HOST="https://termin.example.test/")


# --- the public half works on the public host, from its own addresses --------------------


def test_the_status_page_uses_only_addresses_of_the_public_half(client, centre):
    ticket = draw(client)

    response = client.get(f"/t/{ticket['token']}", headers=ON_PUBLIC_HOST)

    assert response.status_code == 200
    page = Page(response.data)
    assert page.find(data_testid="status-code").text == ticket["code"]
    addresses = [
        element.get(name)
        for element in page.elements
        for name in ("href", "src")
        if element.get(name) and not element.get(name).startswith("?")  # ?lang= links
    ]
    # its files, and the location's privacy notice (in the public half too)
    assert addresses and all(
        address.startswith(("/t/static/", "/t/privacy/test-centre?")) for address in addresses
    )
    config = page.json("status-config")
    token = ticket["token"]
    assert config["statusUrl"] == f"/t/api/v1/tickets/{token}"
    assert config["cancelUrl"] == f"/t/api/v1/tickets/{token}/cancel"
    assert config["socketPath"] == public.SOCKETIO_PATH == "/t/socket.io"
    assert page.json("catalog")["url"] == "/t/i18n/"
    # Every one of them answers on the public host, with what the page expects.
    for address in addresses:
        with client.get(address, headers=ON_PUBLIC_HOST) as file:
            assert file.status_code == 200, address
            assert file.mimetype in {"text/css", "text/javascript", "image/svg+xml", "text/html"}
    for module in ("api", "catalog", "dom", "socket"):  # what status.js imports, beside it
        with client.get(f"/t/static/js/{module}.js", headers=ON_PUBLIC_HOST) as file:
            assert file.status_code == 200
    strings = client.get("/t/i18n/ar.json?prefix=status.", headers=ON_PUBLIC_HOST)
    assert strings.json["strings"] == i18n.strings("ar", ["status."])


def test_status_page_imports_its_modules_relative_to_itself(client):
    with client.get("/t/static/display/status.js", headers=ON_PUBLIC_HOST) as response:
        script = response.text

    imports = [line for line in script.splitlines() if line.startswith("import ")]
    assert len(imports) == 4
    assert all('from "../js/' in line for line in imports), imports


def test_only_published_files_are_served_below_t_static(client):
    with client.get("/t/static/js/api.js") as published:
        assert published.status_code == 200
    for path in (
        "/t/static/start.css",
        "/t/static/display/lobby.js",
        "/t/static/display/chime.wav",
        "/t/static/kiosk/kiosk.js",
        "/t/static/vendor/socket.io/LICENSE",
        "/t/static/../__init__.py",
        "/t/static/js/../../__init__.py",
    ):
        assert client.get(path).status_code == 404, path
        assert client.get(path, headers=ON_PUBLIC_HOST).status_code == 404, path


def test_the_phone_reads_and_cancels_through_the_public_api(client, session, centre):
    ticket = draw(client)
    token = ticket["token"]

    status = client.get(f"/t/api/v1/tickets/{token}", headers=ON_PUBLIC_HOST)
    assert status.status_code == 200
    assert status.json == client.get(f"/api/v1/tickets/{token}").json
    assert (status.json["code"], status.json["can_cancel"]) == (ticket["code"], True)

    cancelled = client.post(
        f"/t/api/v1/tickets/{token}/cancel",
        headers={**ON_PUBLIC_HOST, "Origin": f"https://{PUBLIC_HOST}"},
    )
    assert cancelled.status_code == 200, cancelled.json
    assert cancelled.json["state"] == "cancelled"
    session.expire_all()
    assert session.scalar(select(Ticket.state).where(Ticket.public_token == token)) == "cancelled"

    # Refusals in the public API are JSON in the client's language, as in the internal one.
    again = client.post(
        f"/t/api/v1/tickets/{token}/cancel",
        headers={**ON_PUBLIC_HOST, "Accept-Language": "de"},
    )
    english = client.post(f"/t/api/v1/tickets/{token}/cancel", headers=ON_PUBLIC_HOST)
    assert again.status_code == english.status_code == 409
    assert again.json["error"] == english.json["error"] == "illegal_transition"
    assert again.json["message"] != english.json["message"]  # German, then English
    unknown = client.get("/t/api/v1/tickets/not-a-token", headers=ON_PUBLIC_HOST)
    assert unknown.status_code == 404 and unknown.json["error"] == "not_found"


def test_the_qr_code_leads_phones_to_the_public_host(client, centre):
    ticket = draw(client)

    assert ticket["status_url"] == f"https://{PUBLIC_HOST}/t/{ticket['token']}"
    svg = client.get(f"/t/{ticket['token']}/qr.svg", headers=ON_PUBLIC_HOST)
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"


def test_public_url_wins_for_the_qr_code(db, tmp_path, centre):
    app = make_test_app(
        db, tmp_path, PUBLIC_HOST=PUBLIC_HOST, PUBLIC_URL="https://warten.example.test"
    )

    ticket = draw(app.test_client())

    assert ticket["status_url"] == f"https://warten.example.test/t/{ticket['token']}"


def test_kiosk_addresses_stay_on_the_lan(client, factory, centre):
    """The kiosk screen and print agent are told the address the manager used (the LAN),
    not the public host, which would refuse them."""
    factory.staff("leitung", role=Role.MANAGER)
    lan = "http://servicepoint.lan:8000"
    signed_in = client.post(
        "/api/v1/session", json={"username": "leitung", "password": PASSWORD}, base_url=lan
    )
    assert signed_in.status_code == 200

    created = client.post(
        "/api/v1/locations/test-centre/kiosks",
        json={"name": "Eingang", "printer_mode": "agent", "printer_uri": "dummy://"},
        base_url=lan,
    )

    assert created.status_code == 201, created.json
    token = created.json["token"]
    assert created.json["screen_url"] == (
        f"http://servicepoint.lan:8000/kiosk/test-centre?kiosk={token}"
    )
    assert "--server http://servicepoint.lan:8000 " in created.json["agent_command"]


# --- Socket.IO: only /ticket for public connections ---------------------------------------


@pytest.mark.parametrize(
    ("namespace", "auth_data"),
    [
        ("/display", {"location": "test-centre"}),
        ("/staff", {"location": "test-centre"}),
        ("/kiosk", {"location": "test-centre"}),
        ("/", None),
    ],
)
def test_internal_namespaces_refuse_a_connection_for_the_public_host(
    app, client, socket_client, factory, centre, auth, namespace, auth_data
):
    factory.staff()
    auth.login()  # the counselor's cookie does not help through the public host
    lan = socket_client(namespace, auth_data)
    assert lan.is_connected(namespace)

    refused = app.extensions["socketio"].test_client(
        app, namespace=namespace, auth=auth_data, headers=ON_PUBLIC_HOST, flask_test_client=client
    )

    assert not refused.is_connected(namespace)
    assert refused.queue == []  # no snapshot, queue or topics reached it


def test_the_phone_connects_for_the_public_host(app, client, centre):
    ticket = draw(client)

    phone = app.extensions["socketio"].test_client(
        app, namespace="/ticket", auth={"token": ticket["token"]}, headers=ON_PUBLIC_HOST
    )

    assert phone.is_connected("/ticket")
    received = phone.get_received("/ticket")
    assert [(e["name"], e["args"][0]["code"]) for e in received] == [("status", ticket["code"])]
    phone.disconnect(namespace="/ticket")


def test_a_connect_handler_without_arguments_is_guarded_too(app):
    calls = []

    def connect():
        calls.append("connect")

    guarded = public.guard_connect("/internal", connect)
    assert guarded is not None and guarded.__name__ == "connect"
    with (
        app.test_request_context("/socket.io/", headers=ON_PUBLIC_HOST),
        pytest.raises(ConnectionRefusedError, match="not_public"),
    ):
        guarded({"token": "x"})
    with app.test_request_context("/socket.io/"):
        guarded({"token": "x"})
    assert calls == ["connect"]
    assert public.guard_connect("/ticket", connect) is connect


# --- names and logs -----------------------------------------------------------------------


def test_the_prefix_is_read_without_flask():
    """The server's master process redacts its access log by the prefix and must stay
    without Flask, Socket.IO and the database (they load in the worker)."""
    code = (
        "import sys, servicepoint.public, servicepoint.server\n"
        "heavy = ('flask', 'flask_socketio', 'socketio', 'sqlalchemy')\n"
        "print(','.join(sorted(m for m in heavy if m in sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_the_prefix_helper_builds_the_public_addresses():
    assert public.path("abc") == "/t/abc"
    assert public.path("book", "leverkusen") == "/t/book/leverkusen"
    assert public.is_public_path("/t/static/base.css")
    assert not public.is_public_path("/t")
    assert not public.is_public_path("/t/../staff/")
    assert not public.is_public_path("/static/t/x")


def test_the_access_log_redacts_tokens_in_the_public_half():
    token = "Xy0_-abcdefghijklmnop"
    lines = {
        f'"GET /t/{token} HTTP/1.1"': '"GET /t/[redacted] HTTP/1.1"',
        f'"GET /t/{token}/qr.svg HTTP/1.1"': '"GET /t/[redacted]/qr.svg HTTP/1.1"',
        f'"GET /t/api/v1/tickets/{token} HTTP/1.1"': '"GET /t/api/v1/tickets/[redacted] HTTP/1.1"',
        f'"POST /t/api/v1/tickets/{token}/cancel HTTP/1.1" 200 "https://h/t/{token}?lang=ar"': (
            '"POST /t/api/v1/tickets/[redacted]/cancel HTTP/1.1" 200 "https://h/t/[redacted]?lang=ar"'
        ),
        f'"POST /api/v1/tickets/{token}/cancel HTTP/1.1"': (
            '"POST /api/v1/tickets/[redacted]/cancel HTTP/1.1"'
        ),
        # The public half's own names are no tokens: they stay readable.
        '"GET /t/static/display/status.js HTTP/1.1"': '"GET /t/static/display/status.js HTTP/1.1"',
        '"GET /t/i18n/ar.json?prefix=status. HTTP/1.1"': (
            '"GET /t/i18n/ar.json?prefix=status. HTTP/1.1"'
        ),
        '"GET /t/socket.io/?EIO=4&transport=websocket HTTP/1.1"': (
            '"GET /t/socket.io/?EIO=4&transport=websocket HTTP/1.1"'
        ),
        '"GET /api/v1/tickets/17/events HTTP/1.1"': '"GET /api/v1/tickets/17/events HTTP/1.1"',
    }
    for line, expected in lines.items():
        assert redact(line) == expected
    # A name that merely starts like one of them is treated as the token it might be.
    assert redact(f"GET /t/static{token} ") == "GET /t/[redacted] "


def test_the_start_message_names_the_lan_and_the_phones_address(app, centre, capsys):
    from servicepoint.cli import _print_welcome

    _print_welcome(app, "0.0.0.0", 8000)

    out = capsys.readouterr().out
    assert "kiosk            http://localhost:8000/kiosk/test-centre" in out
    assert "counselor view     http://localhost:8000/staff/" in out
    assert f"phones (internet)  https://{PUBLIC_HOST}/t/…" in out
