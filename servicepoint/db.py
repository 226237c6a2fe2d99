"""Engine, sessions and the unit of work.

A unit of work commits or rolls back in one place and, only after a successful commit,
hands the session's outbox (``servicepoint.events``) to the realtime hub. Domain functions
record events in the outbox and never commit.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from servicepoint import audit, green
from servicepoint.events import DomainEvent, outbox, take_outbox

log = logging.getLogger(__name__)


class Hub(Protocol):
    """What the unit of work needs from the realtime hub."""

    def prepare(self, session: Session, events: list[DomainEvent]) -> Any: ...

    def publish(self, prepared: Any) -> None: ...


READ_ONLY = "servicepoint_read_only"
# Seconds a SQLite writer waits for the write lock (this process's queue, then SQLite's busy
# timeout for writers of other processes) before its request is refused as unavailable.
WRITE_LOCK_TIMEOUT = 30.0
# Under gevent SQLite's own busy wait (a sleep inside C) would stall every greenlet of the
# process: it is cut to this many milliseconds, and a writer that finds the database locked by
# another process retries cooperatively (``_begin_immediate``) until WRITE_LOCK_TIMEOUT.
GREEN_BUSY_MS = 2


class WriteLockTimeout(TimeoutError):
    """SQLite's write lock could not be had in time: the database is busy, retry later."""


def make_engine(url: str, write_lock_timeout: float = WRITE_LOCK_TIMEOUT, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout, foreign keys and BEGIN IMMEDIATE.

    ``write_lock_timeout`` is how long a SQLite writer waits for the write lock.
    """
    if url.startswith("sqlite"):
        busy = GREEN_BUSY_MS / 1000 if green.active() else write_lock_timeout
        kwargs.setdefault("connect_args", {}).update(timeout=busy, check_same_thread=False)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(
            engine,
            in_memory=":memory:" in url or url.rstrip("/") == "sqlite:",
            write_lock_timeout=write_lock_timeout,
        )
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


def _configure_sqlite(
    engine: Engine, in_memory: bool, write_lock_timeout: float = WRITE_LOCK_TIMEOUT
) -> None:
    from sqlalchemy.engine import Connection

    cooperative = green.active()
    busy_ms = GREEN_BUSY_MS if cooperative else round(write_lock_timeout * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    # SQLite has one writer at a time. Writers of this process queue on a lock in arrival
    # order instead of polling SQLite's busy handler, whose growing sleeps make long tails;
    # other processes still meet the busy timeout. Readers take no lock (WAL lets them read).
    writer = threading.Lock()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
            return
        deadline = time.monotonic() + write_lock_timeout
        if not writer.acquire(timeout=write_lock_timeout):
            raise WriteLockTimeout(f"waited {write_lock_timeout:g} s for the database write lock")
        connection.info["servicepoint.writer"] = True
        try:
            # Take SQLite's write lock at once so two writers queue instead of deadlocking.
            if cooperative:
                _begin_immediate(connection, deadline)
            else:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(connection.info)
            raise

    def _release(info: dict[Any, Any]) -> None:
        if info.pop("servicepoint.writer", False):
            writer.release()

    @event.listens_for(engine, "commit")
    def _on_commit(connection: Connection) -> None:
        _release(connection.info)

    @event.listens_for(engine, "rollback")
    def _on_rollback(connection: Connection) -> None:
        _release(connection.info)

    # A connection that leaves without commit or rollback (returned to the pool, or dropped
    # after an error) still frees the lock.
    @event.listens_for(engine, "reset")
    def _on_reset(_dbapi_connection: Any, record: Any, _reset_state: Any) -> None:
        _release(record.info)

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        _release(record.info)

    @event.listens_for(engine, "invalidate")
    def _on_invalidate(_dbapi_connection: Any, record: Any, _exception: Any) -> None:
        _release(record.info)

    @event.listens_for(engine, "soft_invalidate")
    def _on_soft_invalidate(_dbapi_connection: Any, record: Any, _exception: Any) -> None:
        _release(record.info)


def _begin_immediate(connection: Any, deadline: float) -> None:
    """``BEGIN IMMEDIATE``, retried while another process holds SQLite's write lock, with
    sleeps that let the other greenlets run (under gevent ``time.sleep`` yields), until
    ``deadline`` (then WriteLockTimeout)."""
    from sqlalchemy.exc import OperationalError

    pause = 0.001
    while True:
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as error:
            locked = isinstance(error.orig, sqlite3.OperationalError) and "locked" in str(
                error.orig
            )
            if not locked:
                raise
            if time.monotonic() + pause > deadline:
                raise WriteLockTimeout("another process kept the database write lock") from error
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


class Database:
    """One engine and its session factory; ``unit_of_work`` is the only place that commits."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        # Staff's changes leave audit entries in their own transaction (servicepoint.audit).
        audit.install(self.sessionmaker)
        # The realtime hub: turns the outbox into messages before commit, sends them after.
        self.hub: Hub | None = None

    def with_hub(self, hub: Hub | None) -> Database:
        """This database (same engine and sessions) announcing its commits through ``hub``:
        each application has its own hub, even when two share one database."""
        copy = object.__new__(Database)
        copy.__dict__.update(self.__dict__)
        copy.hub = hub
        return copy

    def session(self, read_only: bool = False) -> Session:
        """A new session; ``read_only`` ones never wait for writers (they must not write)."""
        session = self.sessionmaker()
        if read_only:
            session.connection(execution_options={READ_ONLY: True})
        return session

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A session that commits when the block ends cleanly, else rolls back; then publishes."""
        session = self.sessionmaker()
        try:
            yield session
            self.commit(session)
        finally:
            session.close()

    def commit(self, session: Session) -> None:
        """Commit ``session`` and then publish its outbox; roll back and re-raise on failure."""
        messages = None
        try:
            events = outbox(session)
            if events and self.hub is not None:
                session.flush()
                messages = self.hub.prepare(session, list(events))
            session.commit()
        except BaseException:
            session.rollback()
            take_outbox(session)
            raise
        take_outbox(session)
        if messages is not None and self.hub is not None:
            try:
                self.hub.publish(messages)
            except Exception:  # committed is committed: the change stands, screens resync
                log.exception("publishing committed events failed")

    def dispose(self) -> None:
        self.engine.dispose()
