"""Statistics and retention at volume.

Run: ``python -m bench.stats [--backend sqlite|postgresql] [--visits 50000] [--tickets 100000]``.

1. The quarterly statistics of one location with ``--visits`` visit facts in the quarter
   (the demo's Leverkusen): ``figures.count`` and ``figures.report`` as the API runs them,
   for no grouping, by topic, by month and language, and by day and topic (suppressed),
   five runs each; wall and CPU time, medians.
2. The retention job over ``--tickets`` tickets (each with one history row and its fact)
   of days past ``TICKET_KEEP_DAYS``, counted by the nightly ``visits`` job first: the time
   to count the aggregates and to delete them batch by batch, as ``jobs run`` does.

Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text

from servicepoint import clock, demo, migrate
from servicepoint.db import Database
from servicepoint.models import Location, Membership, Ticket, TicketEvent, Visit
from servicepoint.stats import facts, figures, history, retention

POSTGRES_ADMIN_URL = os.environ.get(
    "SERVICEPOINT_BENCH_POSTGRES", "postgresql+psycopg://postgres:postgres@127.0.0.1:5432/postgres"
)
NOW = datetime(2026, 12, 4, 6, 0, tzinfo=UTC)
QUARTER = (date(2026, 7, 1), date(2026, 9, 30))
RUNS = 5


def fresh(backend: str, tmp: Path) -> str:
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    else:
        name = f"servicepoint_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    made = Database(url)
    migrate.upgrade(made.engine)
    made.dispose()
    return url


def drop(backend: str, url: str) -> None:
    if backend == "postgresql":
        name = url.rsplit("/", 1)[1]
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def timed(work) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def quarter_visits(db: Database, visits: int) -> int:
    """``visits`` facts spread over the quarter's weekdays at Leverkusen."""
    rng = random.Random(7)
    with db.unit_of_work() as session:
        location = session.scalar(select(Location).where(Location.slug == "leverkusen"))
        assert location is not None
        members = session.scalars(select(Membership).where(Membership.location_id == location.id))
        staff = [m.staff for m in members]
        topics = {t.id: max(1, 8 - i) for i, t in enumerate(location.topics)}
        desks = [d.id for d in location.desks] or [None]
        days = [
            QUARTER[0] + timedelta(days=n)
            for n in range((QUARTER[1] - QUARTER[0]).days + 1)
            if (QUARTER[0] + timedelta(days=n)).weekday() < 5
        ]
        cards = list(range(1_000_000, 1_000_400))
        rows = [
            history._visit(rng, location, rng.choice(days), topics, staff, desks, cards)
            for _ in range(visits)
        ]
        for start in range(0, len(rows), 5000):
            session.execute(insert(Visit), rows[start : start + 5000])
        location_id = location.id
    with clock.frozen(NOW), db.unit_of_work() as session:
        facts.aggregate_days(session, rebuild_days=0)
    return location_id


def bench_figures(db: Database, location_id: int) -> list[tuple[str, float, float]]:
    results = []
    for label, by, suppressed in (
        ("total", (), False),
        ("by topic", ("topic",), False),
        ("by month, language", ("month", "language"), False),
        ("by day, topic, suppressed", ("day", "topic"), True),
    ):
        query = figures.Query((location_id,), QUARTER[0], QUARTER[1], by)
        walls, cpus = [], []
        for _ in range(RUNS):
            with clock.frozen(NOW), db.session() as session:

                def work(query=query, suppressed=suppressed, session=session):  # type: ignore[no-untyped-def]
                    figures.report(figures.count(session, query), suppressed)

                wall, cpu = timed(work)
            walls.append(wall)
            cpus.append(cpu)
        results.append((label, statistics.median(walls), statistics.median(cpus)))
    return results


def old_tickets(db: Database, location_id: int, count: int) -> None:
    """``count`` finished tickets (one history row and one fact each) 100 to 300 days ago."""
    with db.unit_of_work() as session:
        topic_id = session.scalar(select(Location).where(Location.id == location_id)).topics[0].id
        per_day = 500
        first_day = (NOW - timedelta(days=300)).date()
        for start in range(0, count, 5000):
            tickets, events = [], []
            for n in range(start, min(count, start + 5000)):
                day = first_day + timedelta(days=n // per_day)
                moment = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=8)
                tickets.append(
                    {
                        "location_id": location_id,
                        "topic_id": topic_id,
                        "service_day": day,
                        "prefix": "Z",
                        "number": n % per_day + 1,
                        "code": f"Z{n % per_day + 1:03d}",
                        "state": "done",
                        "language": "de",
                        "issued_at": moment,
                        "finished_at": moment,
                        "call_count": 1,
                        "version": 3,
                        "public_token": secrets.token_urlsafe(16),
                        "channel": "walk_in",
                    }
                )
            ids = session.execute(insert(Ticket).returning(Ticket.id), tickets).scalars().all()
            for ticket_id, ticket in zip(ids, tickets, strict=True):
                events.append(
                    {
                        "ticket_id": ticket_id,
                        "at": ticket["issued_at"],
                        "kind": "finish",
                        "to_state": "done",
                    }
                )
            session.execute(insert(TicketEvent), events)
            session.execute(
                insert(Visit),
                [
                    {
                        "ticket_id": ticket_id,
                        "service_day": ticket["service_day"],
                        "location_id": location_id,
                        "topic_id": topic_id,
                        "language": "de",
                        "channel": "walk_in",
                        "outcome": "served",
                        "arrival_hour": 8,
                        "recalls": 0,
                    }
                    for ticket_id, ticket in zip(ids, tickets, strict=True)
                ],
            )


def bench_retention(db: Database) -> dict[str, float]:
    periods = retention.Periods()
    out: dict[str, float] = {}
    with clock.frozen(NOW):
        with db.unit_of_work() as session:
            out["visits job (aggregates) ms"], out["visits job CPU ms"] = timed(
                lambda: facts.aggregate_days(session, rebuild_days=0)
            )
        with db.unit_of_work() as session:
            counted = retention.pending(session, periods)
        deleted = 0
        wall, cpu = time.perf_counter(), time.process_time()
        while True:
            with db.unit_of_work() as session:
                done = retention.delete_batch(session, periods)
            deleted += done.tickets
            if done.deleted == 0:
                break
        out["retention ms"] = (time.perf_counter() - wall) * 1000
        out["retention CPU ms"] = (time.process_time() - cpu) * 1000
        out["tickets pending"] = counted.tickets
        out["tickets deleted"] = deleted
        with db.session() as session:
            out["tickets left"] = session.scalar(select(func.count()).select_from(Ticket)) or 0
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--visits", type=int, default=50_000)
    parser.add_argument("--tickets", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = fresh(args.backend, Path(tmp))
        db = Database(url)
        try:
            with db.unit_of_work() as session:
                demo.load(session)
            location_id = quarter_visits(db, args.visits)
            print(
                f"quarterly statistics, {args.visits} visits, {args.backend}, "
                f"median of {RUNS} (wall ms, CPU ms):"
            )
            for label, wall, cpu in bench_figures(db, location_id):
                print(f"  {label:<28} {wall:8.0f} {cpu:8.0f}")
            old_tickets(db, location_id, args.tickets)
            print(f"retention over {args.tickets} tickets, {args.backend}:")
            for key, value in bench_retention(db).items():
                print(f"  {key:<28} {value:10.0f}")
        finally:
            db.dispose()
            drop(args.backend, url)


if __name__ == "__main__":
    main()
