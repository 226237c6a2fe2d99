"""Shared fixtures: the app on SQLite and PostgreSQL, clients, factories, a live server.

Each test runs inside an outer transaction that is rolled back at the end; the app's
commits become savepoints (``join_transaction_mode="create_savepoint"``). Concurrency
tests use ``fresh_database`` instead: a throw-away database and real separate connections.
"""

from __future__ import annotations

import atexit
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.orm import sessionmaker
from werkzeug.security import generate_password_hash

from servicepoint import create_app
from servicepoint.db import Database
from servicepoint.migrate import upgrade
from servicepoint.models import Desk, Location, Membership, Role, Staff, Topic
from tests import live_clock

POSTGRES_ADMIN_URL = os.environ.get(
    "SERVICEPOINT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", "postgresql"]
PASSWORD = "correct horse battery"
# A real scrypt hash, made cheap: the product's hashes take a tenth of a second to make and
# to check (on purpose), and a check uses the parameters stored in the hash itself, so the
# factories' staff sign in quickly while every sign-in still checks a real hash.
PASSWORD_HASH = generate_password_hash(PASSWORD, method="scrypt:1024:8:1")


# --- throw-away databases ---------------------------------------------------------------


def _postgres_admin():
    engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # never skip: a missing PostgreSQL is a failed run
        pytest.fail(f"PostgreSQL is required for the tests and is not reachable: {error}")
    return engine


@contextmanager
def fresh_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """A new, migrated, empty database of ``backend``; yields its URL; drops it afterwards."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / f'db-{uuid.uuid4().hex[:8]}.sqlite3'}"
        database = Database(url)
        upgrade(database.engine)
        database.dispose()
        yield url
        return
    admin = _postgres_admin()
    name = f"servicepoint_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        database = Database(url)
        upgrade(database.engine)
        database.dispose()
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request, tmp_path_factory) -> Iterator[Database]:
    """A migrated database per backend, shared by the tests of the session."""
    with fresh_database(request.param, tmp_path_factory.mktemp(request.param)) as url:
        database = Database(url)
        yield database
        database.dispose()


class SharedConnection:
    """The test's one connection, lent to one thread's sessions at a time.

    The test's sessions and those other threads open meanwhile (the hub refreshes snapshots
    in the background) take turns: interleaved, one thread's savepoint release would end the
    other's. Before the connection is rolled back and goes back to the pool every other
    thread's session has ended, and none may start after that: a statement sent then would
    open a transaction on the pooled connection, and the next test's checkout would fail in
    the pool's pre-ping (psycopg: "can't change 'autocommit' now: connection in transaction
    status INTRANS")."""

    HOLDS = "tests.shared_connection"

    def __init__(self, sessions: sessionmaker, connection, timeout: float = 10) -> None:
        self.sessions = sessions
        self.connection = connection
        self.timeout = timeout
        self.owner = threading.current_thread()
        self.holder: threading.Thread | None = None
        self.depth = 0
        self.others: set[threading.Thread] = set()
        self.ended = False
        self.turn = threading.Condition()
        event.listen(sessions, "after_transaction_create", self._begun)
        event.listen(sessions, "after_transaction_end", self._ended)

    def _acquire(self) -> None:
        thread = threading.current_thread()
        with self.turn:
            if self.ended:
                raise RuntimeError("the test has ended; its database connection is gone")
            if not self.turn.wait_for(
                lambda: self.holder in (None, thread) or self.ended, self.timeout
            ):
                raise TimeoutError(f"{self.holder} kept the test's database connection")
            if self.ended:
                raise RuntimeError("the test has ended; its database connection is gone")
            self.holder = thread
            self.depth += 1
            if thread is not self.owner:
                self.others.add(thread)

    def _release(self) -> None:
        with self.turn:
            self.depth -= 1
            if self.depth == 0:
                self.holder = None
                self.turn.notify_all()

    def _begun(self, session, transaction) -> None:
        if transaction.parent is None and session.bind is self.connection:
            self._acquire()
            session.info[self.HOLDS] = True

    def _ended(self, session, transaction) -> None:
        if transaction.parent is None and session.info.pop(self.HOLDS, False):
            self._release()

    def end(self) -> None:
        """Wait for the other threads' sessions, then lend the connection to nobody."""
        try:
            self._acquire()
        finally:
            with self.turn:
                self.ended = True
                self.turn.notify_all()
            event.remove(self.sessions, "after_transaction_create", self._begun)
            event.remove(self.sessions, "after_transaction_end", self._ended)

    def join_others(self) -> list[str]:
        """Wait for the other threads that used the connection, so that none of them reaches
        into the next test; return the names of those still running."""
        deadline = time.monotonic() + self.timeout
        for thread in self.others:
            thread.join(max(0.0, deadline - time.monotonic()))
        return sorted(thread.name for thread in self.others if thread.is_alive())


@pytest.fixture
def db(backend: Database) -> Iterator[Database]:
    """The backend with every session of this test bound to one outer, rolled-back transaction
    (also the sessions other threads open meanwhile: see :class:`SharedConnection`)."""
    connection = backend.engine.connect()
    outer = connection.begin()
    defaults = dict(backend.sessionmaker.kw)
    shared = SharedConnection(backend.sessionmaker, connection)
    backend.sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield backend
    finally:
        # Sessions made from here on get a pooled connection of their own.
        backend.sessionmaker.kw.clear()
        backend.sessionmaker.kw.update(defaults)
        try:
            shared.end()
        finally:
            outer.rollback()
            connection.close()
            backend.hub = None
    still_running = shared.join_others()
    if still_running:
        pytest.fail(f"threads that used the test's database are still running: {still_running}")


@pytest.fixture
def session(db: Database):
    """A session inside the test's transaction (for arranging and checking)."""
    with db.session() as session:
        yield session


# --- the app ----------------------------------------------------------------------------


def make_test_app(db: Database, tmp_path: Path, **settings):
    """An app on the test's database with ``settings`` over the tests' defaults."""
    return create_app(
        {
            "TESTING": True,
            "DATABASE": db,
            "DATABASE_URL": db.url,
            "SECRET_KEY": secrets.token_hex(16),
            "INSTANCE_PATH": str(tmp_path / "instance"),
            # Snapshots at once, in the request's thread, so tests see them synchronously.
            "SNAPSHOT_INTERVAL": 0,
            "PRINT_IN_BACKGROUND": False,
            **settings,
        }
    )


@pytest.fixture
def app(db: Database, tmp_path: Path):
    return make_test_app(db, tmp_path, PUBLIC_URL="https://sp.example.org")


@pytest.fixture
def client(app):
    return app.test_client()


class Runner:
    """Invokes the ``servicepoint`` command against the test app."""

    def __init__(self, app):
        self.app = app

    def invoke(self, args, input=None):
        from click.testing import CliRunner

        from servicepoint.cli import main

        return CliRunner().invoke(main, args, obj=self.app, input=input)


@pytest.fixture
def runner(app) -> Runner:
    return Runner(app)


@pytest.fixture
def socket_client(app, client):
    """``socket_client(namespace, auth)``: a Socket.IO test client sharing ``client``'s cookies."""
    socketio = app.extensions["socketio"]
    made = []

    def make(namespace: str, auth: dict | None = None):
        sc = socketio.test_client(app, namespace=namespace, auth=auth, flask_test_client=client)
        made.append(sc)
        return sc

    yield make
    for sc in made:
        for namespace, connected in list(sc.connected.items()):
            if connected:
                sc.disconnect(namespace=namespace)


# --- factories --------------------------------------------------------------------------


class Factory:
    """Small helpers that arrange a location, topics, desks and staff."""

    def __init__(self, session):
        self.session = session

    def location(
        self,
        slug: str = "test-centre",
        topics=("general", "language"),
        desks=("Raum 1", "Raum 2"),
        timezone: str = "Europe/Berlin",
    ) -> Location:
        location = Location(
            slug=slug, name=f"Centre {slug}", address="Teststraße 1", timezone=timezone
        )
        self.session.add(location)
        for position, key in enumerate(topics):
            self.session.add(
                Topic(
                    location=location,
                    key=key,
                    prefix=chr(ord("A") + position),
                    names={"de": key.title(), "en": key.title()},
                    position=position,
                )
            )
        for position, name in enumerate(desks):
            self.session.add(Desk(location=location, name=name, position=position))
        self.session.commit()
        return location

    def staff(
        self,
        username: str = "berater",
        role: Role = Role.COUNSELOR,
        topics: list[Topic] | None = None,
        locations: list[Location] | None = None,
        admin: bool | None = None,
    ) -> Staff:
        """A staff member with ``role`` at ``locations`` (default: every location), serving
        ``topics`` where they are (none: all). A manager is an admin too unless ``admin``
        says otherwise (as before locations had members)."""
        if locations is None:
            locations = list(self.session.scalars(select(Location).order_by(Location.id)))
        chosen = list(topics or [])
        staff = Staff(
            username=username,
            display_name=username.title(),
            role=Role.ADMIN
            if (admin if admin is not None else role == Role.MANAGER)
            else Role.STAFF,
            password_hash=PASSWORD_HASH,
            memberships=[
                Membership(
                    location=location,
                    role=role if role in (Role.COUNSELOR, Role.MANAGER) else Role.COUNSELOR,
                    topics=[t for t in chosen if t.location_id == location.id],
                )
                for location in locations
            ],
        )
        self.session.add(staff)
        self.session.commit()
        return staff

    def topic(self, location: Location, key: str) -> Topic:
        return next(t for t in location.topics if t.key == key)


@pytest.fixture
def factory(session) -> Factory:
    return Factory(session)


@pytest.fixture
def centre(factory) -> Location:
    return factory.location()


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, username: str = "berater", password: str = PASSWORD):
        return self.client.post(
            "/api/v1/session", json={"username": username, "password": password}
        )

    def logout(self):
        return self.client.delete("/api/v1/session")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


# --- a live server (gunicorn, as in production) -----------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    def __init__(self, url: str, instance: Path, process: subprocess.Popen, log: Path):
        self.url = url
        self.instance = instance
        self.process = process
        self.log = log

    def worker_pid(self) -> int:
        """The process id of the server's gunicorn worker (its master's one child)."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        if len(children) != 1:
            raise RuntimeError(f"expected one gunicorn worker, found {children}")
        return int(children[0])

    def output(self) -> str:
        """Everything the server wrote so far (its standard output and error: the log)."""
        return self.log.read_text()

    def logins(self) -> dict[str, str]:
        lines = (self.instance / "demo-logins.txt").read_text().splitlines()
        return dict(line.split(" / ", 1) for line in lines)

    def signed_in(self, username: str = "beratung1", url: str | None = None) -> requests.Session:
        """An HTTP session signed in as a demo user (at ``url``: another process, same DB)."""
        session = requests.Session()
        response = session.post(
            f"{url or self.url}/api/v1/session",
            json={"username": username, "password": self.logins()[username]},
            timeout=10,
        )
        response.raise_for_status()
        return session


def _cli(env, *args, **kwargs):
    return subprocess.run(
        live_clock.command(*args),
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


_demo_template: list[Path] = []


def _demo_instance() -> Path:
    """An instance folder with a migrated SQLite database and the demo, made once per test
    process (two CLI runs, some seconds) and copied for each live server."""
    if not _demo_template:
        folder = Path(tempfile.mkdtemp(prefix="servicepoint-demo-"))
        atexit.register(shutil.rmtree, folder, True)
        env = {**os.environ, "SERVICEPOINT_INSTANCE_PATH": str(folder / "instance")}
        env.pop("SERVICEPOINT_DATABASE_URL", None)
        _cli(env, "db", "upgrade")
        _cli(env, "demo", "--if-empty", "--without-sessions")
        _demo_template.append(folder / "instance")
    return _demo_template[0]


@contextmanager
def run_live_server(
    tmp_path: Path,
    database_url: str | None = None,
    port: int | None = None,
    settings: dict[str, str] | None = None,
    worker: str = "gevent",
) -> Iterator[LiveServer]:
    """Start ``servicepoint serve`` on a local port with the demo loaded; stop it after.

    ``settings`` are ``SERVICEPOINT_*`` variables for the server (without the prefix);
    ``worker`` is the server model (``gevent`` or ``threaded``). Started again with the same
    ``tmp_path`` it keeps its database (a restart). Its clock is the tests' (late in the
    evening and at night shifted into the day: ``tests/live_clock.py``)."""
    instance = tmp_path / "live-instance"
    env = {**os.environ, "SERVICEPOINT_INSTANCE_PATH": str(instance)}
    env.update({f"SERVICEPOINT_{key}": value for key, value in (settings or {}).items()})
    if database_url:
        env["SERVICEPOINT_DATABASE_URL"] = database_url
        _cli(env, "db", "upgrade")
        _cli(env, "demo", "--if-empty", "--without-sessions")
    elif not instance.exists():  # a restart keeps its instance; a new server copies the demo
        shutil.copytree(_demo_instance(), instance)
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(tmp_path / "live-server.log", "w")  # noqa: SIM115  (closed below)
    # Its own control socket, so servers running side by side never remove each other's; no
    # grace period, so a stop with WebSockets open takes a moment, not the production 10 s.
    command = ["serve", "--port", str(port), "--worker", worker, "--graceful-timeout", "0"]
    if worker == "threaded":
        command += ["--threads", "300"]
    command += ["--control-socket", str(tmp_path / "gunicorn.ctl")]
    process = subprocess.Popen(
        live_clock.command(*command),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{url}/healthz", timeout=1).ok:
                    break
            # The master listens before its worker has built the application: a connection
            # may be taken and answered only once the worker is up.
            except (requests.ConnectionError, requests.Timeout):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((tmp_path / "live-server.log").read_text())
            time.sleep(0.1)
        yield LiveServer(url, instance, process, tmp_path / "live-server.log")
    finally:
        process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown; WebSockets just drop
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        log.close()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """One production server with the demo for the tests of a module."""
    with run_live_server(tmp_path_factory.mktemp("live")) as server:
        yield server
