"""Calls spoken aloud in a real browser: a burst of five calls is heard as five, one after
another — chime, German, the visitor's language — and nothing plays over anything.

The lobby page's audio is instrumented (every ``play()``, and when each sound really
starts and ends), the sounds themselves are the server's espeak-ng audio, played for real
by headless Chromium."""

from __future__ import annotations

import queue
import threading
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from tests.conftest import run_live_server
from tests.e2e.test_live_socket import display_client, wait_for
from tests.waiting import wait_until

pytestmark = pytest.mark.e2e

# Records what the page plays: each play() with its source, each sound's real start and
# end, and how many sounds were audible at once at most.
RECORD_PLAYS = """
(() => {
  const log = { played: [], ended: [], failed: [], audible: 0, most: 0 };
  window.__audio = log;
  const play = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function () {
    if (!this.__recorded) {
      this.__recorded = true;
      this.addEventListener("playing", () => {
        log.audible += 1;
        log.most = Math.max(log.most, log.audible);
      });
      const stop = () => { if (log.audible > 0) log.audible -= 1; };
      this.addEventListener("pause", stop);
      this.addEventListener("ended", () => {
        log.ended.push({ src: this.src, duration: this.duration });
      });
      this.addEventListener("error", () => log.failed.push(this.src));
    }
    if (!this.muted) log.played.push(this.src);
    return play.apply(this, arguments);
  };
})();
"""

LANGUAGES = ["de", "ar", "en", "ti", "uk"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # A brisk speaking rate keeps the five calls short; everything else as in production.
    with run_live_server(tmp_path_factory.mktemp("spoken"), settings={"SPEECH_RATE": "260"}) as s:
        yield s


def test_a_burst_of_five_calls_is_heard_as_five_in_order(browser, server):
    url = server.url
    lobby = browser.new_page(viewport={"width": 1280, "height": 720})
    lobby.add_init_script(RECORD_PLAYS)
    lobby.goto(f"{url}/display/leverkusen")
    expect(lobby.get_by_test_id("connection-status")).to_have_attribute("data-state", "connected")
    expect(lobby.get_by_test_id("enable-sound")).to_be_hidden()  # the kiosk browser's autoplay

    events: queue.Queue = queue.Queue()
    listener = display_client(url, events)
    try:
        staff = server.signed_in("beratung1")
        for language in LANGUAGES:
            drawn = staff.post(
                f"{url}/api/v1/locations/leverkusen/tickets",
                json={"topic": "language", "language": language},
                timeout=10,
            )
            assert drawn.status_code == 201, drawn.text
        desks = staff.get(f"{url}/api/v1/locations/leverkusen/queue", timeout=10).json()["desks"]
        desk = next(d["id"] for d in desks if d["name"] == "Raum 2")
        # Five calls in a burst: each is called, started and finished at once.
        for _ in LANGUAGES:
            called = staff.post(f"{url}/api/v1/desks/{desk}/call-next", timeout=10)
            assert called.status_code == 200, called.text
            ticket = called.json()["id"]
            for move in ("start", "finish"):
                assert staff.post(f"{url}/api/v1/tickets/{ticket}/{move}", timeout=10).ok

        calls: list[dict] = []

        def five_calls():
            while True:
                try:
                    name, data = events.get_nowait()
                except queue.Empty:
                    return len(calls) == 5
                if name == "called":
                    calls.append(data)

        wait_until(five_calls, 20, "five called events")
    finally:
        listener.disconnect()

    # German first, then the visitor's language where espeak-ng has one (not Tigrinya).
    assert [len(call["announcement"]) for call in calls] == [1, 2, 2, 1, 2]
    chime = lobby.evaluate("document.body.dataset.chime")
    expected = []
    for call in calls:
        expected += [url + chime] + [url + part for part in call["announcement"]]

    def all_played():
        log = lobby.evaluate("window.__audio")
        return log if len(log["ended"]) >= len(expected) else None

    # Played in real time: five chimes and eight spoken parts, one after another.
    log = wait_until(all_played, 120, "every chime and spoken part played to its end")
    assert log["played"] == expected
    assert [e["src"] for e in log["ended"]] == expected
    assert log["failed"] == []
    assert log["most"] == 1  # never two sounds at once
    spoken = [e for e in log["ended"] if "/announcements/" in e["src"]]
    assert all(0.5 < e["duration"] < 6 for e in spoken), spoken
    # Every call was also shown (the two senses): the last one stands under "Now calling"
    # until it is finished; the others went to "Last called".
    expect(lobby.get_by_test_id("recent-calls")).to_contain_text(calls[0]["code"])
    lobby.close()


def test_a_hanging_engine_holds_up_neither_the_server_nor_the_call(tmp_path):
    """The production server (gevent): while espeak-ng hangs on one announcement, the server
    answers everything else; the part is given up after SPEECH_TIMEOUT (503) and the engine
    is killed; the call itself went out at once."""
    started = tmp_path / "engine-started"
    engine = tmp_path / "hanging-engine"
    engine.write_text(f"#!/bin/sh\necho $$ > {started}\nexec sleep 60\n")
    engine.chmod(0o755)
    settings = {"SPEECH_COMMAND": str(engine), "SPEECH_TIMEOUT": "10"}
    with run_live_server(tmp_path, settings=settings) as server:
        url = server.url
        events: queue.Queue = queue.Queue()
        listener = display_client(url, events)
        try:
            staff = server.signed_in("beratung1")
            drawn = staff.post(
                f"{url}/api/v1/locations/leverkusen/tickets",
                json={"topic": "language", "language": "en"},
                timeout=10,
            )
            assert drawn.status_code == 201
            desks = staff.get(f"{url}/api/v1/locations/leverkusen/queue", timeout=10).json()
            desk = next(d["id"] for d in desks["desks"] if d["name"] == "Raum 1")
            assert staff.post(f"{url}/api/v1/desks/{desk}/call-next", timeout=10).ok
            call = wait_for(events, "called")
        finally:
            listener.disconnect()
        assert call["code"] == drawn.json()["code"]
        assert len(call["announcement"]) == 2

        answers: list[int] = []
        fetch = threading.Thread(
            target=lambda: answers.append(
                requests.get(url + call["announcement"][0], timeout=40).status_code
            )
        )
        fetch.start()
        wait_until(started.exists, 20, "the engine started")
        # The engine hangs: the server still answers, and the lobby page loads.
        assert requests.get(f"{url}/healthz", timeout=10).ok
        assert requests.get(f"{url}/display/leverkusen", timeout=10).ok
        assert fetch.is_alive() and answers == []
        fetch.join(40)
        assert answers == [503]
        pid = int(started.read_text())
        wait_until(lambda: not process_alive(pid), 10, "the hanging engine was killed")


def process_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
