"""The SQLite writer lock is always given back."""

from __future__ import annotations

import contextlib
import threading

from sqlalchemy.exc import PendingRollbackError

from servicepoint.db import Database
from servicepoint.models import Location


def test_writer_lock_is_released_when_a_connection_is_dropped(tmp_path):
    from servicepoint.migrate import upgrade

    database = Database(f"sqlite:///{tmp_path / 'lock.sqlite3'}")
    upgrade(database.engine)
    session = database.session()
    session.add(Location(slug="a", name="A"))
    session.flush()  # a write transaction holds the lock
    session.connection().invalidate()  # e.g. after a disk error
    with contextlib.suppress(PendingRollbackError):
        session.rollback()
    session.close()
    done = threading.Event()

    def write():
        with database.unit_of_work() as other:
            other.add(Location(slug="b", name="B"))
        done.set()

    worker = threading.Thread(target=write, daemon=True)
    worker.start()
    worker.join(5)
    database.dispose()
    assert done.is_set(), "the write lock was not given back"


def test_read_only_sessions_do_not_wait_for_a_writer(tmp_path):
    from servicepoint.migrate import upgrade

    database = Database(f"sqlite:///{tmp_path / 'read.sqlite3'}")
    upgrade(database.engine)
    writer = database.session()
    writer.add(Location(slug="a", name="A"))
    writer.flush()
    seen = []

    def read():
        with database.session(read_only=True) as reader:
            seen.append(reader.query(Location).count())

    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    worker.join(5)
    writer.rollback()
    writer.close()
    database.dispose()
    assert seen == [0], "the reader waited for (or saw) the uncommitted write"
