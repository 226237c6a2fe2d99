"""Server CPU time and SQL statements per operation, in-process with the real app.

Run: ``python -m bench.ticket_cpu [--backend sqlite|postgresql] [--compare PATH]``.

A worker process builds the app (``create_app``) on a new, migrated database with the demo
data, a kiosk and a signed-in counselor, and drives it with Flask's test client. Around the
WSGI call (everything the server does for a request: routing, the view, the commit, what
the hub prepares and sends) it takes the process's CPU time (``time.process_time``) and
counts the SQL statements sent (``before_cursor_execute``: the driver's own COMMIT and, on
PostgreSQL, its implicit BEGIN are not in the count; SQLite's ``BEGIN IMMEDIATE`` is). The
snapshot refresh is timed around the hub's ``_send_snapshots`` for one location. A lobby
screen and the counselor's desk view are connected throughout (Socket.IO test clients), no
phone; one refresh is also measured with nobody connected.

Operations: drawing a ticket (kiosk API POST, a kiosk without and with a print agent, a
``request_id`` per tap as the kiosk sends it), finish-and-call-next (the desk's ticket is
being served; call-next finishes it and calls the next; again with 100,000 finished tickets
of earlier days in the table, a year of a busy centre), recall, and one snapshot refresh at
50 and 700 waiting tickets, after a draw (no positions move) and after a call (every waiting
phone gets its new position). "floor" is a bare Flask app on the same database doing only
the ticket's counter upsert and insert with SQLAlchemy Core, measured the same way.

``--compare PATH`` runs the same measurement on another code tree (e.g. a ``git worktree``
of an earlier commit) in a second worker with ``PYTHONPATH=PATH``; the two workers take
turns batch by batch, so both see the same load on the machine. Figures are medians over
all operations. CPU time and statement counts are stable under load where wall-clock
throughput is not. Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
TREE = HERE.parents[1]
SLUG = "leverkusen"
TOPICS = ["orientation", "language", "residence", "work"]
POSTGRES_ADMIN_URL = os.environ.get(
    "SERVICEPOINT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)

# (name shown, operation, its arguments)
PLAN: list[tuple[str, str, dict[str, Any]]] = [
    ("draw a ticket (kiosk, no printer)", "issue", {"printer": False}),
    ("draw a ticket (kiosk, print agent)", "issue", {"printer": True}),
    ("finish and call next", "call_next", {}),
    ("recall", "recall", {}),
    ("finish and call next, 100,000 earlier tickets", "call_next", {"history": 100_000}),
    ("refresh at 50 waiting, after a draw", "refresh", {"waiting": 50, "positions": False}),
    ("refresh at 50 waiting, after a call", "refresh", {"waiting": 50, "positions": True}),
    ("refresh at 700 waiting, after a draw", "refresh", {"waiting": 700, "positions": False}),
    ("refresh at 700 waiting, after a call", "refresh", {"waiting": 700, "positions": True}),
    (
        "refresh at 700, after a call, nobody connected",
        "refresh",
        {"waiting": 700, "positions": True, "connected": False},
    ),
    ("floor: bare Flask, Core upsert + insert", "floor", {}),
]


# --- the worker: one code tree, one app, one database ----------------------------------------


class Worker:
    """Drives one app in this process and measures its operations."""

    def __init__(self, backend: str, tmp: Path) -> None:
        from flask import Flask  # noqa: F401  (the tree's own Flask app must import)
        from sqlalchemy import event, select

        import servicepoint
        from servicepoint import create_app, demo, manage
        from servicepoint.db import Database
        from servicepoint.migrate import upgrade
        from servicepoint.models import Location

        self.backend = backend
        self.tmp = tmp
        self.url = self._fresh_database(backend, tmp, Database, upgrade)
        self.app = create_app(
            {
                "DATABASE_URL": self.url,
                "INSTANCE_PATH": str(tmp / "instance"),
                "PUBLIC_URL": "https://sp.example.org",
                # The refresher never runs on its own: the bench times it by itself.
                "SNAPSHOT_INTERVAL": 1e6,
                "TICKETS_PER_ADDRESS": 10**9,
                "TICKETS_PER_KIOSK": 10**9,
            }
        )
        self.db = self.app.extensions["servicepoint.db"]
        self.hub = self.db.hub
        self.statements = 0
        self.counting = False

        @event.listens_for(self.db.engine, "before_cursor_execute")
        def _count(*_args: Any) -> None:
            if self.counting:
                self.statements += 1

        with self.db.unit_of_work() as session:
            logins = demo.load(session)
            location = session.scalar(select(Location).where(Location.slug == SLUG))
            self.location_id = location.id
            self.desk_ids = [d.id for d in location.desks]
            _, self.plain_kiosk = manage.create_kiosk(session, location, "Bench plain")
            _, self.agent_kiosk = manage.create_kiosk(
                session,
                location,
                "Bench agent",
                manage.PrinterSettings("agent", "tcp://127.0.0.1:9100"),
            )
        self.kiosk_client = self.app.test_client()  # kiosks carry no staff cookie
        self.client = self.app.test_client()
        answer = self.client.post(
            "/api/v1/session", json={"username": "beratung1", "password": logins["beratung1"]}
        )
        assert answer.status_code == 200, answer.text
        self.sockets: list[Any] = []
        self.packets = 0
        self._connect(True)  # a lobby screen and the counselor's desk view listen throughout
        self.cpu = 0.0
        self._wrap(self.app)
        self.desk_serving: int | None = None
        self.recalled: int | None = None
        self.floor_client: Any = None
        self.module = str(Path(servicepoint.__file__).resolve().parents[1])

    @staticmethod
    def _fresh_database(backend: str, tmp: Path, database: Any, upgrade: Any) -> str:
        if backend == "sqlite":
            url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        else:
            from sqlalchemy import create_engine, text

            name = f"servicepoint_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
            admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        made = database(url)
        upgrade(made.engine)
        made.dispose()
        return url

    def drop(self) -> None:
        self._connect(False)
        self.db.dispose()
        if self.backend == "postgresql":
            from sqlalchemy import create_engine, text

            name = self.url.rsplit("/", 1)[1]
            admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    def _wrap(self, app: Any) -> None:
        """Time every WSGI call of ``app`` (its outermost middleware included)."""
        inner = app.wsgi_app
        worker = self

        def timed(environ: Any, start_response: Any) -> Any:
            worker.statements = 0
            worker.counting = True
            began = time.process_time()
            try:
                body = list(inner(environ, start_response))
            finally:
                worker.cpu = time.process_time() - began
                worker.counting = False
            return body

        app.wsgi_app = timed

    # --- the operations ---

    def _post(
        self, path: str, body: dict[str, Any] | None = None, ok: int = 200, client: Any = None
    ) -> Any:
        answer = (client or self.client).post(path, json=body or {})
        if answer.status_code != ok:
            raise RuntimeError(f"{path}: {answer.status_code} {answer.text}")
        return answer.get_json()

    def _sample(self) -> tuple[float, int]:
        self._drain()
        return self.cpu * 1000, self.statements

    def _sent(self, _eio_sid: str, packet: Any) -> None:
        self.packets += 1

    def _drain(self) -> None:
        for socket, _namespace in self.sockets:
            socket.queue.clear()

    def issue(self, printer: bool, n: int = 1) -> list[tuple[float, int]]:
        samples = []
        kiosk = self.agent_kiosk if printer else self.plain_kiosk
        for i in range(n):
            body = {
                "topic": TOPICS[i % len(TOPICS)],
                "language": "de",
                "kiosk": kiosk,
                "request_id": uuid.uuid4().hex,
            }
            self._post(f"/api/v1/locations/{SLUG}/tickets", body, 201, self.kiosk_client)
            samples.append(self._sample())
        return samples

    def call_next(self, n: int = 1, history: int = 0) -> list[tuple[float, int]]:
        self._add_history(history)
        desk = self.desk_ids[0]
        if self.desk_serving is None:  # the desk starts serving someone (not measured)
            if self._waiting() < 5:
                self.issue(False, 50)
            called = self._post(f"/api/v1/desks/{desk}/call-next")
            self._post(f"/api/v1/tickets/{called['id']}/start")
            self.desk_serving = called["id"]
        samples = []
        for _ in range(n):
            if self._waiting() < 5:
                self.issue(False, 50)
            called = self._post(f"/api/v1/desks/{desk}/call-next")
            samples.append(self._sample())
            self._post(f"/api/v1/tickets/{called['id']}/start")
            self.desk_serving = called["id"]
        return samples

    def _add_history(self, tickets: int) -> None:
        """At least ``tickets`` finished tickets of earlier days at the location, served at
        its desks (a year of a busy centre's history), written directly."""
        from datetime import timedelta

        from sqlalchemy import func, insert, select

        from servicepoint import clock
        from servicepoint.models import Ticket, Topic

        table = Ticket.__table__
        with self.db.unit_of_work() as session:
            have = session.scalar(select(func.count()).select_from(table)) or 0
            if have >= tickets:
                return
            topic = session.scalar(select(Topic).where(Topic.location_id == self.location_id))
            now = clock.now()
            rows = []
            for n in range(tickets - have):
                day = now - timedelta(days=1 + n // 400)
                rows.append(
                    {
                        "location_id": self.location_id,
                        "topic_id": topic.id,
                        "service_day": day.date(),
                        "prefix": "H",
                        "number": n % 400 + 1,
                        "code": f"H{n % 400 + 1:03d}",
                        "state": "done",
                        "language": "de",
                        "issued_at": day,
                        "called_at": day,
                        "started_at": day,
                        "finished_at": day,
                        "desk_id": self.desk_ids[n % len(self.desk_ids)],
                        "staff_id": None,
                        "call_count": 1,
                        "version": 4,
                        "public_token": f"history-{n}-{uuid.uuid4().hex[:12]}",
                        "request_id": None,
                    }
                )
            for start in range(0, len(rows), 5000):
                session.execute(insert(table), rows[start : start + 5000])

    def recall(self, n: int = 1) -> list[tuple[float, int]]:
        if self.recalled is None:
            if self._waiting() < 5:
                self.issue(False, 50)
            self.recalled = self._post(f"/api/v1/desks/{self.desk_ids[1]}/call-next")["id"]
        samples = []
        for _ in range(n):
            self._post(f"/api/v1/tickets/{self.recalled}/recall")
            samples.append(self._sample())
        return samples

    def _waiting(self) -> int:
        from sqlalchemy import func, select

        from servicepoint.models import Ticket

        with self.db.session(read_only=True) as session:
            return int(
                session.scalar(
                    select(func.count(Ticket.id)).where(
                        Ticket.location_id == self.location_id, Ticket.state == "waiting"
                    )
                )
                or 0
            )

    def _set_waiting(self, waiting: int) -> None:
        """Exactly ``waiting`` tickets wait at the location (drawn or cancelled by the verbs)."""
        from sqlalchemy import select

        from servicepoint import tickets
        from servicepoint.models import Location, Topic

        with self.db.unit_of_work() as session:
            location = session.get(Location, self.location_id)
            current = list(session.scalars(tickets.waiting_tickets(location)))
            for ticket in current[waiting:]:
                tickets.cancel(session, ticket, None)
            topics = list(
                session.scalars(
                    select(Topic).where(Topic.location_id == location.id, Topic.key.in_(TOPICS))
                )
            )
            for i in range(len(current), waiting):
                tickets.issue_ticket(session, location, topics[i % len(topics)], "de")

    def _connect(self, connected: bool) -> None:
        socketio = self.app.extensions["socketio"]
        if connected and not self.sockets:
            auth = {"location": SLUG}
            for namespace in ("/display", "/staff"):
                socket = socketio.test_client(
                    self.app, namespace=namespace, auth=auth, flask_test_client=self.client
                )
                assert socket.is_connected(namespace), namespace
                self.sockets.append((socket, namespace))
            # The test client decodes and encodes every packet sent to it again, three times
            # what the server spends on it; a real socket only queues it. Once connected, the
            # packets are only counted.
            socketio.server._send_eio_packet = self._sent
        elif not connected and self.sockets:
            for socket, namespace in self.sockets:
                socket.disconnect(namespace=namespace)
            self.sockets = []

    def refresh(
        self, waiting: int, positions: bool, connected: bool = True, n: int = 1
    ) -> list[tuple[float, int]]:
        if self._waiting() != waiting:
            self._set_waiting(waiting)
        self._connect(connected)
        samples = []
        for _ in range(n):
            self._drain()
            self.statements = 0
            self.counting = True
            began = time.process_time()
            try:
                self.hub._send_snapshots({self.location_id: positions})
            finally:
                cpu = time.process_time() - began
                self.counting = False
            samples.append((cpu * 1000, self.statements))
        self._drain()
        return samples

    def floor(self, n: int = 1) -> list[tuple[float, int]]:
        if self.floor_client is None:
            self.floor_client = self._floor_app().test_client()
        samples = []
        for i in range(n):
            answer = self.floor_client.post("/tickets", json={"topic": TOPICS[i % len(TOPICS)]})
            assert answer.status_code == 201, answer.text
            samples.append((self.cpu * 1000, self.statements))
        return samples

    def _floor_app(self) -> Any:
        """A bare Flask app: the ticket's counter upsert and insert, SQLAlchemy Core only."""
        import secrets
        from datetime import UTC, datetime

        from flask import Flask, request
        from sqlalchemy import insert as plain_insert
        from sqlalchemy import select
        from sqlalchemy.dialects import postgresql, sqlite

        from servicepoint.models import Ticket, TicketCounter, Topic

        engine = self.db.engine
        with engine.connect() as connection:
            topics = {
                row.key: (row.id, row.prefix)
                for row in connection.execute(
                    select(Topic.key, Topic.id, Topic.prefix).where(
                        Topic.location_id == self.location_id
                    )
                )
            }
        upsert = postgresql.insert if self.backend == "postgresql" else sqlite.insert
        counters, tickets = TicketCounter.__table__, Ticket.__table__
        app = Flask("floor")
        location_id = self.location_id

        @app.post("/tickets")
        def draw() -> tuple[dict[str, Any], int]:
            topic_id, prefix = topics[request.get_json()["topic"]]
            now = datetime.now(UTC)
            with engine.begin() as connection:
                number = connection.execute(
                    upsert(counters)
                    .values(
                        location_id=location_id,
                        prefix=prefix,
                        service_day=now.date(),
                        last_number=1,
                    )
                    .on_conflict_do_update(
                        index_elements=["location_id", "prefix", "service_day"],
                        set_={"last_number": counters.c.last_number + 1},
                    )
                    .returning(counters.c.last_number)
                ).scalar_one()
                token = secrets.token_urlsafe(16)
                connection.execute(
                    plain_insert(tickets).values(
                        location_id=location_id,
                        topic_id=topic_id,
                        service_day=now.date(),
                        prefix=prefix,
                        number=number,
                        code=f"F{prefix}{number:03d}"[:8],
                        state="done",
                        language="de",
                        issued_at=now,
                        call_count=0,
                        version=0,
                        public_token=token,
                    )
                )
            return {"code": f"{prefix}{number:03d}", "token": token}, 201

        self._wrap(app)
        return app


def serve(backend: str) -> None:
    """The worker's loop: one JSON command per line in, one JSON answer per line out."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    sys.stdout = sys.stderr  # nothing else may write to the answers
    with tempfile.TemporaryDirectory(prefix="servicepoint-bench-") as tmp:
        worker = Worker(backend, Path(tmp))
        out.write(json.dumps({"ready": True, "tree": worker.module}) + "\n")
        try:
            for line in sys.stdin:
                command = json.loads(line)
                if command["op"] == "stop":
                    break
                samples = getattr(worker, command["op"])(**command["args"], n=command["n"])
                out.write(json.dumps({"samples": samples}) + "\n")
        finally:
            worker.drop()


# --- the driver ----------------------------------------------------------------------------


class Remote:
    """A worker process on one code tree."""

    def __init__(self, tree: Path, backend: str, label: str) -> None:
        self.label = label
        environment = {**os.environ, "PYTHONPATH": str(tree)}
        self.process = subprocess.Popen(
            [sys.executable, str(HERE), "--worker", "--backend", backend],
            cwd=str(tree),
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        hello = self._read()
        self.tree = hello["tree"]

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"worker on {self.label} ended (exit {self.process.wait()})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def run(self, op: str, args: dict[str, Any], n: int) -> list[tuple[float, int]]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"op": op, "args": args, "n": n}) + "\n")
        self.process.stdin.flush()
        return [tuple(sample) for sample in self._read()["samples"]]  # type: ignore[misc]

    def stop(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.write(json.dumps({"op": "stop"}) + "\n")
            self.process.stdin.flush()
            self.process.wait(timeout=120)


def measure(workers: list[Remote], rounds: int, batch: int, refresh_batch: int) -> None:
    width = 46
    header = f"{'operation':<{width}}"
    for worker in workers:
        header += f" | {worker.label[:22]:>22} cpu ms  SQL"
    if len(workers) == 2:
        header += " | cpu ratio"
    print(header)
    for name, op, args in PLAN:
        n = refresh_batch if op == "refresh" else batch
        for worker in workers:  # warm-up: caches, compiled statements, first connections
            worker.run(op, args, max(1, n // 4))
        samples: dict[str, list[tuple[float, int]]] = {w.label: [] for w in workers}
        for round_ in range(rounds):
            order = workers if round_ % 2 == 0 else list(reversed(workers))
            for worker in order:
                samples[worker.label].extend(worker.run(op, args, n))
        line = f"{name:<{width}}"
        medians = []
        for worker in workers:
            cpu = statistics.median(s[0] for s in samples[worker.label])
            sql = statistics.median(s[1] for s in samples[worker.label])
            medians.append(cpu)
            line += f" | {'':>22} {cpu:6.2f} {sql:4.0f}"
        if len(workers) == 2:
            line += f" | {medians[0] / medians[1]:9.2f}"
        print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--compare",
        metavar="PATH",
        type=Path,
        help="another code tree (e.g. a git worktree of an earlier commit) measured alike",
    )
    parser.add_argument("--rounds", type=int, default=8, help="turns each worker takes per op")
    parser.add_argument("--batch", type=int, default=40, help="operations per turn")
    parser.add_argument("--refresh-batch", type=int, default=5, help="refreshes per turn")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        serve(args.backend)
        return
    workers = [Remote(TREE, args.backend, "this tree")]
    if args.compare is not None:
        workers.append(Remote(args.compare.resolve(), args.backend, args.compare.name))
    try:
        print(
            f"server CPU ms and SQL statements per operation, {args.backend}, medians of "
            f"{args.rounds} x {args.batch} operations ({args.rounds} x {args.refresh_batch} "
            "refreshes) per tree, interleaved"
        )
        for worker in workers:
            print(f"  {worker.label}: {worker.tree}")
        measure(workers, args.rounds, args.batch, args.refresh_batch)
    finally:
        for worker in workers:
            worker.stop()


if __name__ == "__main__":
    main()
