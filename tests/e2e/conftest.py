"""Headless Chromium (Debian's package) driven by Playwright, against a live server."""

from __future__ import annotations

import shutil

import pytest

from tests import live_clock

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


class GermanOffice:
    """The browser as a German office has it: its pages ask for German (``locale`` de-DE,
    so ``Accept-Language: de-DE``) unless a test names a locale. The staff pages follow the
    browser's language until someone chooses one; headless Chromium would ask for en-US.
    Its pages' clock is the live servers' (``tests/live_clock.py``)."""

    def __init__(self, browser) -> None:
        self._browser = browser

    def new_context(self, **options):
        options.setdefault("locale", "de-DE")
        return live_clock.install_in(self._browser.new_context(**options))

    def new_page(self, **options):
        options.setdefault("locale", "de-DE")
        page = self._browser.new_page(**options)
        live_clock.install_in(page.context)
        return page

    def __getattr__(self, name: str):
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield GermanOffice(browser)
        browser.close()


def sign_in(page, live_server, username: str) -> None:
    """Sign ``page`` in as a demo staff member through the sign-in form."""
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/staff/")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(live_server.logins()[username])
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("sign-out")).to_be_visible()
