"""Sessions that end: sign-out, a new password, deactivation and a new role take access away
at once, from every browser and every open socket; a kiosk's old token stops at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from servicepoint import clock, create_app
from tests.conftest import PASSWORD, AuthActions


def _cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_a_signed_out_cookie_no_longer_works(client, counselor, auth):
    auth.login()
    kept = _cookie(client)
    assert client.get("/api/v1/session").status_code == 200
    assert auth.logout().status_code == 204
    client.set_cookie("session", kept)  # someone kept a copy of the cookie
    assert client.get("/api/v1/session").status_code == 401


@pytest.mark.parametrize(
    "change",
    [
        {"password": "a brand new password"},
        {"active": False},
        {"role": "admin"},
        {"memberships": []},
    ],
    ids=["password", "deactivated", "role", "memberships"],
)
def test_access_changes_sign_the_staff_member_out_everywhere(
    app, client, centre, counselor, manager, change
):
    browsers = [app.test_client(), app.test_client()]
    for browser in browsers:
        assert AuthActions(browser).login().status_code == 200
    AuthActions(client).login("leitung")
    assert client.patch(f"/api/v1/staff/{counselor.id}", json=change).status_code == 200
    for browser in browsers:
        assert browser.get("/api/v1/session").status_code == 401
    assert client.get("/api/v1/session").status_code == 200  # the manager stays signed in


def test_a_changed_name_keeps_the_session(app, client, counselor, manager):
    browser = app.test_client()
    AuthActions(browser).login()
    AuthActions(client).login("leitung")
    client.patch(f"/api/v1/staff/{counselor.id}", json={"display_name": "Frau Berater"})
    assert browser.get("/api/v1/session").json["display_name"] == "Frau Berater"


def test_an_open_staff_socket_is_closed_when_access_ends(
    app, client, centre, counselor, manager, socket_client
):
    AuthActions(client).login()
    staff = socket_client("/staff", {"location": "test-centre"})
    assert staff.is_connected("/staff")
    staff.get_received("/staff")
    admin = app.test_client()
    AuthActions(admin).login("leitung")
    assert admin.patch(f"/api/v1/staff/{counselor.id}", json={"active": False}).status_code == 200
    assert not staff.is_connected("/staff")
    client.post("/api/v1/locations/test-centre/tickets", json={"topic": "general"})
    refused = socket_client("/staff", {"location": "test-centre"})
    assert not refused.is_connected("/staff")


def test_sign_out_closes_that_browsers_sockets(client, centre, counselor, socket_client):
    AuthActions(client).login()
    staff = socket_client("/staff", {"location": "test-centre"})
    assert staff.is_connected("/staff")
    AuthActions(client).logout()
    assert not staff.is_connected("/staff")


def test_a_session_lasts_twelve_hours(app, client, counselor, auth):
    assert app.permanent_session_lifetime == timedelta(hours=12)
    start = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    with clock.frozen(start) as move_to:
        auth.login()
        move_to(start + timedelta(hours=11, minutes=59))
        assert client.get("/api/v1/session").status_code == 200
        move_to(start + timedelta(hours=12, minutes=1))
        assert client.get("/api/v1/session").status_code == 401


def test_the_cookie_is_secure_over_https(db, tmp_path, counselor):
    def login_cookie(setting: str, https: bool) -> str:
        app = create_app(
            {
                "TESTING": True,
                "DATABASE": db,
                "SECRET_KEY": "test",
                "INSTANCE_PATH": str(tmp_path / setting),
                "COOKIE_SECURE": setting,
                "SNAPSHOT_INTERVAL": 0,
            }
        )
        answer = app.test_client().post(
            "/api/v1/session",
            json={"username": "berater", "password": PASSWORD},
            base_url="https://localhost" if https else "http://localhost",
        )
        assert answer.status_code == 200
        return answer.headers["Set-Cookie"]

    assert "Secure" in login_cookie("auto", https=True)
    assert "Secure" not in login_cookie("auto", https=False)
    assert "Secure" in login_cookie("true", https=False)
    assert "HttpOnly" in login_cookie("false", https=False)


def test_a_rotated_kiosk_token_disconnects_its_agent(client, centre, manager, socket_client):
    AuthActions(client).login("leitung")
    kiosk = client.post(
        "/api/v1/locations/test-centre/kiosks",
        json={"name": "Eingang", "printer_mode": "agent", "printer_uri": "usb://04b8:0202"},
    ).json
    agent = socket_client("/kiosk", {"kiosk": kiosk["token"], "agent": True})
    assert agent.is_connected("/kiosk")
    rotated = client.patch(f"/api/v1/kiosks/{kiosk['id']}", json={"new_token": True})
    assert rotated.status_code == 200 and rotated.json["token"] != kiosk["token"]
    assert not agent.is_connected("/kiosk")
    again = socket_client("/kiosk", {"kiosk": kiosk["token"], "agent": True})
    assert not again.is_connected("/kiosk")
