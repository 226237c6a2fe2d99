"""Call-next in the calling order with a full day: 200 waiting tickets and 50 appointments.

Run: ``python -m bench.calling_order [--backend sqlite|postgresql] [--runs 200]``. One location
with five counselors; 200 walk-ins drawn over the morning (some with client cards), 50
appointments checked in (half with a counselor, due over the day). Each operation is one
unit of work that reads the desk as the API does (locked, with its location and topics) and
calls the next ticket to it, and is rolled back, so every run sees the same queue. Measured
side by side, interleaved in the same run:

- ``order``: ``tickets.call_next`` as it is (the waiting tickets read as columns, ordered by
  ``servicepoint.order``, the chosen one read and locked);
- ``draw order``: the previous design, the first waiting ticket of the counselor's topics by
  draw time in one SQL statement (``ORDER BY issued_at LIMIT 1``, locked), then the same
  call — it cannot honour appointments or cards, and is the floor the new order is held to.

Prints the median wall time and CPU time per call-next, and their ratio. Not a test.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from bench.common import median
from servicepoint import cards, clock, desks, tickets
from servicepoint.db import Database
from servicepoint.models import Desk, Location, Membership, Role, Staff, Ticket, TicketState, Topic
from tests.conftest import PASSWORD_HASH, fresh_database

WAITING = 200
APPOINTMENTS = 50
COUNSELORS = 5
START = datetime(2026, 12, 7, 7, 30, tzinfo=UTC)  # 08:30 in Berlin, a Monday

_OLD_NEXT = (
    select(Ticket)
    .where(
        Ticket.location_id == bindparam("location_id"),
        Ticket.service_day == bindparam("day"),
        Ticket.state == TicketState.WAITING,
        Ticket.topic_id.in_(bindparam("topic_ids", expanding=True)),
    )
    .order_by(Ticket.issued_at, Ticket.id)
    .limit(1)
    .with_for_update(skip_locked=True)
)


# The staff member as ``sessions.find_session`` reads them for every staff request.
_STAFF = (
    select(Staff)
    .where(Staff.id == bindparam("staff_id"))
    .options(joinedload(Staff.memberships).joinedload(Membership.topics))
)


def arrange(database: Database) -> tuple[int, list[int]]:
    """The location and its counselors' ids, with the day's queue (see the module)."""
    with database.session() as session, clock.frozen(START) as move_to:
        location = Location(slug="bench", name="Bench", address="", timezone="Europe/Berlin")
        session.add(location)
        topics = [
            Topic(location=location, key=f"t{n}", prefix="ABCD"[n], names={"de": f"T{n}"})
            for n in range(4)
        ]
        session.add_all(topics)
        staff = []
        for n in range(COUNSELORS):
            member = Staff(
                username=f"c{n}",
                display_name=f"C{n}",
                password_hash=PASSWORD_HASH,
                role=Role.STAFF,
                memberships=[Membership(location=location, role=Role.COUNSELOR)],
            )
            session.add(member)
            session.add(Desk(location=location, name=f"Raum {n}", position=n))
            staff.append(member)
        session.commit()
        card = cards.make(session, staff[0], location)
        for n, desk in enumerate(location.desks):
            desks.occupy(session, desk, staff[n], idle_minutes=0)
        for n in range(WAITING):
            move_to(START + timedelta(minutes=n))
            topic = topics[n % len(topics)]
            tickets.issue_ticket(
                session, location, topic, "de", card=card if n % 10 == 0 and n % 4 == 0 else None
            )
        for n in range(APPOINTMENTS):
            tickets.issue_for_appointment(
                session,
                location,
                topics[n % len(topics)],
                "de",
                staff_id=staff[n % COUNSELORS].id if n % 2 == 0 else None,
                due_at=START + timedelta(minutes=150 + 6 * n),
                prefix="T",
            )
        session.commit()
        return location.id, [s.id for s in staff]


def one_call(database: Database, location_id: int, staff_id: int, old: bool) -> tuple[float, float]:
    """One call-next in a unit of work rolled back; its wall and CPU seconds."""
    with database.session() as session:
        staff = session.get(Staff, staff_id)
        location = session.get(Location, location_id)
        assert staff is not None and location is not None
        desk_id = next(d.id for d in location.desks if d.occupant_id == staff_id)
        session.expunge_all()
        # As the request's sign-in check reads them: with memberships and their topics.
        staff = session.scalars(_STAFF, {"staff_id": staff_id}).unique().one()
        wall, cpu = time.perf_counter(), time.process_time()
        # As the API reads it: the desk locked, with its location and that location's topics.
        desk = tickets.get_desk(session, desk_id, for_update=True)
        location = desk.location
        if old:
            ticket = session.scalar(
                _OLD_NEXT,
                {
                    "location_id": location_id,
                    "day": tickets.today(location),
                    "topic_ids": tickets.served_topic_ids(location, staff),
                },
            )
            assert ticket is not None
            tickets.call_ticket(session, ticket, desk, staff, idle_minutes=0)
        else:
            tickets.call_next(session, desk, staff, idle_minutes=0)
        session.flush()
        elapsed = (time.perf_counter() - wall, time.process_time() - cpu)
        session.rollback()
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, fresh_database(args.backend, Path(tmp)) as url:
        database = Database(url)
        location_id, staff_ids = arrange(database)
        results: dict[str, list[tuple[float, float]]] = {"order": [], "draw order": []}
        with clock.frozen(START + timedelta(hours=4)):  # 12:30: appointments due, some aged
            for run in range(args.runs + 10):
                for name in ("order", "draw order") if run % 2 else ("draw order", "order"):
                    staff_id = staff_ids[run % len(staff_ids)]
                    measured = one_call(database, location_id, staff_id, name == "draw order")
                    if run >= 10:  # the first ten warm the caches
                        results[name].append(measured)
        database.dispose()
    print(f"call-next, {WAITING} waiting + {APPOINTMENTS} appointments, {args.backend}:")
    walls = {name: median([w for w, _c in found]) * 1000 for name, found in results.items()}
    cpus = {name: median([c for _w, c in found]) * 1000 for name, found in results.items()}
    for name in results:
        print(f"  {name:>10}: median {walls[name]:.2f} ms wall, {cpus[name]:.2f} ms CPU")
    print(
        f"  ratio order / draw order: {walls['order'] / walls['draw order']:.2f} wall, "
        f"{cpus['order'] / cpus['draw order']:.2f} CPU"
    )


if __name__ == "__main__":
    main()
