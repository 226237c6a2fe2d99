"""Sign-in throttling that cannot be turned against users (servicepoint.throttle).

The rule: an address that keeps failing for an account is refused for that account (the
right password too); an address failing for many accounts is refused altogether; failures
from *other* addresses never refuse the right password from an address that has not been
failing. Counts live in the database, are counted before the hash is checked and are seen by
every process; at most ``PASSWORD_CHECKS`` hashes are checked at once per process.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server

from servicepoint import auth, clock, create_app
from servicepoint.db import Database
from servicepoint.models import Role, Staff, ThrottleCounter
from servicepoint.web import forwarded_client, trusted_proxies
from tests.conftest import BACKENDS, PASSWORD, PASSWORD_HASH, fresh_database, run_live_server

ATTACKER = "198.51.100.7"
VICTIM = "192.0.2.10"
WRONG = "wrong password!"


def sign_in(client, address, username="berater", password=PASSWORD, **headers):
    return client.post(
        "/api/v1/session",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
        headers=headers,
    )


def counters(session) -> int:
    return session.scalar(select(func.count()).select_from(ThrottleCounter))


# --- the client's address ---------------------------------------------------------------


def test_forwarded_for_is_believed_from_trusted_proxies_only():
    proxies = trusted_proxies("127.0.0.1,::1,10.0.0.0/8")
    # No trusted proxy in front: the peer is the client, whatever the header says.
    assert forwarded_client("203.0.113.5", "192.0.2.1", proxies) == "203.0.113.5"
    # nginx on the same box appends the peer it saw: that is the client.
    assert forwarded_client("127.0.0.1", "203.0.113.5", proxies) == "203.0.113.5"
    # What the client wrote itself stands left of it and is never reached.
    assert forwarded_client("127.0.0.1", "192.0.2.1, 203.0.113.5", proxies) == "203.0.113.5"
    # Two trusted hops (a load balancer in the LAN, then nginx): the rightmost untrusted one.
    assert forwarded_client("::1", "192.0.2.1, 203.0.113.5, 10.1.2.3", proxies) == "203.0.113.5"
    # Only proxies all along: the leftmost.
    assert forwarded_client("127.0.0.1", "10.0.0.9", proxies) == "10.0.0.9"
    # No header, or a malformed hop: the proxy that reported it.
    assert forwarded_client("127.0.0.1", "", proxies) == "127.0.0.1"
    assert forwarded_client("127.0.0.1", "203.0.113.5, unknown", proxies) == "127.0.0.1"
    # Ports and IPv4-mapped IPv6 as some proxies write them.
    assert forwarded_client("127.0.0.1", "203.0.113.5:4711", proxies) == "203.0.113.5"
    assert forwarded_client("::ffff:127.0.0.1", "[2001:db8::7]:443", proxies) == "2001:db8::7"
    assert trusted_proxies("") == ()
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        trusted_proxies("127.0.0.1,nginx")


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(app, client, counselor):
    app.config["TRUSTED_PROXIES"] = "127.0.0.1"
    for _ in range(10):
        response = sign_in(client, "127.0.0.1", password=WRONG, **{"X-Forwarded-For": ATTACKER})
        assert response.status_code == 401
    refused = sign_in(client, "127.0.0.1", **{"X-Forwarded-For": f"{VICTIM}, {ATTACKER}"})
    assert refused.status_code == 429  # a forged hop on the left changes nothing
    assert sign_in(client, "127.0.0.1", **{"X-Forwarded-For": VICTIM}).status_code == 200


def test_without_trusted_proxies_the_header_is_ignored(client, counselor):
    for _ in range(10):
        response = sign_in(client, ATTACKER, password=WRONG, **{"X-Forwarded-For": VICTIM})
        assert response.status_code == 401
    # The attacker cannot spend the victim's tries by naming the victim's address...
    assert sign_in(client, VICTIM).status_code == 200
    # ...nor escape their own limit by naming another.
    assert sign_in(client, ATTACKER, **{"X-Forwarded-For": "192.0.2.77"}).status_code == 429


# --- the rule -----------------------------------------------------------------------------


def test_the_victim_signs_in_while_an_attacker_fails_50_times(client, counselor):
    answers = Counter(
        sign_in(client, ATTACKER, password=f"guess {n:02d} wrong").status_code for n in range(50)
    )
    assert answers == {401: 10, 429: 40}
    assert sign_in(client, VICTIM).status_code == 200
    # The attacking address is refused for the account even with the right password.
    refused = sign_in(client, ATTACKER)
    assert refused.status_code == 429 and refused.json["error"] == "too_many_attempts"


def test_the_refusal_says_when_to_retry(client, counselor):
    for _ in range(10):
        sign_in(client, ATTACKER, password=WRONG)
    refused = sign_in(client, ATTACKER, **{"Accept-Language": "de"})
    assert refused.status_code == 429
    assert set(refused.json) == {"error", "message"}
    assert refused.json["error"] == "too_many_attempts"
    assert "warten" in refused.json["message"]
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60


def test_an_address_trying_many_accounts_is_refused_for_all(app, client, counselor):
    app.config["SIGN_IN_ADDRESS_LIMIT"] = 5
    for n in range(5):
        assert sign_in(client, ATTACKER, username=f"user{n}", password=WRONG).status_code == 401
    assert sign_in(client, ATTACKER).status_code == 429  # a sixth account, right password
    assert sign_in(client, VICTIM).status_code == 200


def test_an_account_under_attack_limits_failing_addresses_not_clean_ones(app, client, counselor):
    app.config["SIGN_IN_ACCOUNT_LIMIT"] = 20
    for attacker in range(2):  # 20 failures from two addresses: under attack
        for _ in range(10):
            assert sign_in(client, f"198.51.100.{attacker}", password=WRONG).status_code == 401
    # A third attacking address now gets 3 tries, not 10.
    answers = [sign_in(client, "198.51.100.9", password=WRONG).status_code for _ in range(5)]
    assert answers == [401, 401, 401, 429, 429]
    # The counselor at a clean address signs in, even after two typos of their own.
    assert sign_in(client, VICTIM, password=WRONG).status_code == 401
    assert sign_in(client, VICTIM, password=WRONG).status_code == 401
    assert sign_in(client, VICTIM).status_code == 200
    assert sign_in(client, "192.0.2.11").status_code == 200


def test_the_right_password_clears_the_addresss_failures(client, counselor):
    for _ in range(9):
        assert sign_in(client, VICTIM, password=WRONG).status_code == 401
    assert sign_in(client, VICTIM).status_code == 200
    for _ in range(10):
        assert sign_in(client, VICTIM, password=WRONG).status_code == 401
    assert sign_in(client, VICTIM).status_code == 429


def test_the_window_ends_and_old_counters_are_deleted(client, session, counselor):
    start = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    with clock.frozen(start) as move_to:
        for _ in range(10):
            sign_in(client, ATTACKER, password=WRONG)
        assert sign_in(client, ATTACKER).status_code == 429
        assert counters(session) == 3  # this address for the account, the address, the account
        move_to(start + timedelta(minutes=15, seconds=1))
        # The next attempt (from anywhere) deletes the ended windows on the way.
        assert sign_in(client, VICTIM, username="nobody", password=WRONG).status_code == 401
        assert counters(session) == 3  # only the new attempt's
        assert sign_in(client, ATTACKER).status_code == 200


def test_unknown_and_inactive_accounts_count_like_wrong_passwords(client, session, counselor):
    counselor.active = False
    session.commit()
    for _ in range(10):
        assert sign_in(client, ATTACKER).status_code == 401
    assert sign_in(client, ATTACKER).status_code == 429
    for _ in range(10):
        assert sign_in(client, ATTACKER, username="nobody").status_code == 401
    assert sign_in(client, ATTACKER, username="nobody").status_code == 429


# --- shared by every process ------------------------------------------------------------


def make_app(url: str, tmp_path, **settings):
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "SECRET_KEY": secrets.token_hex(16),
            "INSTANCE_PATH": str(tmp_path / f"instance-{secrets.token_hex(4)}"),
            "SNAPSHOT_INTERVAL": 0,
            "PRINT_IN_BACKGROUND": False,
            **settings,
        }
    )


def add_staff(url: str, username: str = "berater") -> None:
    database = Database(url)
    with database.unit_of_work() as session:
        session.add(
            Staff(
                username=username,
                display_name=username.title(),
                role=Role.COUNSELOR,
                password_hash=PASSWORD_HASH,
            )
        )
    database.dispose()


@pytest.mark.concurrency
@pytest.mark.parametrize("backend_name", BACKENDS)
def test_two_apps_on_one_database_share_the_limits(backend_name, tmp_path):
    with fresh_database(backend_name, tmp_path) as url:
        add_staff(url)
        first, second = make_app(url, tmp_path), make_app(url, tmp_path)
        try:
            a, b = first.test_client(), second.test_client()
            for _ in range(5):
                assert sign_in(a, ATTACKER, password=WRONG).status_code == 401
                assert sign_in(b, ATTACKER, password=WRONG).status_code == 401
            assert sign_in(a, ATTACKER).status_code == 429
            assert sign_in(b, ATTACKER).status_code == 429
            assert sign_in(b, VICTIM).status_code == 200
        finally:
            for app in (first, second):
                app.extensions["servicepoint.db"].dispose()


class CountingChecks:
    """check_password_hash, counted: how many ran and how many at once at most."""

    def __init__(self, real):
        self.real = real
        self.lock = threading.Lock()
        self.calls = 0
        self.running = 0
        self.most = 0

    def __call__(self, password_hash, password):
        with self.lock:
            self.calls += 1
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(0.05)  # long enough for the others to pile up
            return self.real(password_hash, password)
        finally:
            with self.lock:
                self.running -= 1


@contextmanager
def serving(app):
    """``app`` on a real threaded HTTP server on a free local port; yields its URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


def burst(url: str, bodies: list[dict], forwarded_for: list[str] | None = None) -> list[int]:
    """POST every body to /api/v1/session at once, each from its own thread; the statuses."""
    start = threading.Barrier(len(bodies))
    statuses: list[int] = [0] * len(bodies)

    def attempt(index: int) -> None:
        headers = {"X-Forwarded-For": forwarded_for[index]} if forwarded_for else {}
        start.wait(10)
        try:
            statuses[index] = requests.post(
                f"{url}/api/v1/session", json=bodies[index], headers=headers, timeout=60
            ).status_code
        except requests.RequestException:
            statuses[index] = -1

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert not any(thread.is_alive() for thread in threads)
    return statuses


@pytest.mark.concurrency
@pytest.mark.parametrize("backend_name", BACKENDS)
def test_concurrent_wrong_passwords_never_get_past_the_limit(backend_name, tmp_path, monkeypatch):
    checks = CountingChecks(auth.check_password_hash)
    monkeypatch.setattr(auth, "check_password_hash", checks)
    with fresh_database(backend_name, tmp_path) as url:
        add_staff(url)
        app = make_app(url, tmp_path, PASSWORD_CHECK_WAIT=30.0)
        try:
            with serving(app) as server:
                started = time.monotonic()
                wrong = [{"username": "berater", "password": f"wrong {n}"} for n in range(40)]
                statuses = burst(server, wrong)
                elapsed = time.monotonic() - started
        finally:
            app.extensions["servicepoint.db"].dispose()
    assert Counter(statuses) == {401: 10, 429: 30}
    assert checks.calls == 10
    assert checks.most <= 4  # PASSWORD_CHECKS
    assert elapsed < 30


def test_a_burst_beyond_the_waiting_time_is_refused_as_unavailable(
    app, client, session, counselor, monkeypatch
):
    gate = threading.Event()
    real = auth.check_password_hash
    monkeypatch.setattr(auth, "check_password_hash", lambda h, p: gate.wait(10) and real(h, p))
    app.config.update(PASSWORD_CHECKS=1, PASSWORD_CHECK_WAIT=0.2)
    checks = app.extensions.setdefault("servicepoint.password_checks", auth.PasswordChecks(1, 0.2))
    # One check holds the only turn (in another thread, as another request would).
    holder = threading.Thread(target=lambda: checks.verify(PASSWORD_HASH, PASSWORD))
    holder.start()
    try:
        time.sleep(0.05)
        busy = sign_in(client, VICTIM)
    finally:
        gate.set()
        holder.join(10)
    assert busy.status_code == 503
    assert busy.json["error"] == "unavailable" and busy.headers["Retry-After"] == "5"
    # The attempt was never tried: it counts for nothing.
    assert session.scalars(select(ThrottleCounter.count)).all() == [0, 0, 0]
    assert sign_in(client, VICTIM).status_code == 200


# --- a live server: memory stays bounded under a burst -----------------------------------


@pytest.fixture(scope="module")
def proxied_server(tmp_path_factory):
    """The production server behind a (pretend) nginx on 127.0.0.1, so each test request
    can come from its own client address."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SERVICEPOINT_TRUSTED_PROXIES", "127.0.0.1")
        patch.setenv("SERVICEPOINT_PASSWORD_CHECK_WAIT", "2")
        with run_live_server(tmp_path_factory.mktemp("throttled")) as server:
            yield server


def worker_pid(server) -> int:
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def memory_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} for {pid}")


@pytest.mark.concurrency
def test_30_concurrent_sign_ins_keep_the_server_bounded(proxied_server):
    worker = worker_pid(proxied_server)
    logins = proxied_server.logins()
    before = memory_kib(worker, "VmRSS")
    bodies, addresses = [], []
    for n in range(30):
        username = sorted(logins)[n % len(logins)]
        password = logins[username] if n % 2 else "not the password"
        if n % 5 == 4:
            username = f"nobody{n}"  # an unknown user costs a (dummy) check too
        bodies.append({"username": username, "password": password})
        addresses.append(f"203.0.113.{n + 1}")
    started = time.monotonic()
    statuses = burst(proxied_server.url, bodies, addresses)
    elapsed = time.monotonic() - started
    peak = memory_kib(worker, "VmHWM")
    assert set(statuses) <= {200, 401, 503}, statuses
    assert 200 in statuses and 401 in statuses
    # Four checks at once take some 4 x 32 MiB; unbounded, 30 would take about 1 GiB.
    assert peak - before < 256 * 1024, (before, peak)
    assert elapsed < 30


@pytest.mark.concurrency
def test_40_concurrent_wrong_passwords_from_one_address_on_the_live_server(proxied_server):
    bodies = [{"username": "beratung2", "password": f"wrong {n}"} for n in range(40)]
    statuses = Counter(burst(proxied_server.url, bodies, ["203.0.113.200"] * 40))
    # Each 401 is one hash checked, each 429 none; a 503 (no turn within 2 s) none either.
    assert statuses[401] <= 10 and statuses[429] >= 30, statuses
    assert set(statuses) <= {401, 429, 503}, statuses
    logins = proxied_server.logins()
    right = {"username": "beratung2", "password": logins["beratung2"]}
    assert burst(proxied_server.url, [right], ["203.0.113.200"]) == [429]
    assert burst(proxied_server.url, [right], ["203.0.113.201"]) == [200]
