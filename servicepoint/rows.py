"""New rows written by one INSERT statement and kept as loaded objects of the session.

The unit of work's INSERT (``session.add`` and a flush) costs several times the statement
itself; on the busiest requests (drawing a ticket, queueing its print job) the row is written
with one prepared INSERT … RETURNING id instead and the object is placed in the session as if
it had just been read: every column known, nothing left to write. Plain functions on a
Session, no Flask.
"""

from __future__ import annotations

import functools
from typing import Any, TypeVar, cast

from sqlalchemy import Insert, Table, insert
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from servicepoint.models import Base

M = TypeVar("M", bound=Base)


@functools.cache
def _insert(table: Table) -> Insert:
    return insert(table).returning(table.c.id)


def insert_loaded(
    session: Session, model: type[M], related: dict[str, Base | None] | None = None, **values: Any
) -> M:
    """Insert one row of ``model`` (``values`` name every column but ``id``) and return it
    as a loaded object of ``session``; ``related`` are its many-to-one relations at hand
    (e.g. ``{"location": location}``, None for one left empty), set as loaded too.

    Like a flushed object, it is announced to nobody and rolled back with its transaction;
    unlike one, it stays in the session's identity map after a rollback (as objects of
    SQLAlchemy's bulk INSERT do), where a later row with the same id replaces it."""
    table = cast(Table, model.__table__)
    missing = set(table.c.keys()) - set(values) - {"id"}
    if missing:  # an object that lacks a column would read it again at first use
        raise TypeError(f"{model.__name__}: no value for {', '.join(sorted(missing))}")
    found = model(id=session.execute(_insert(table), values).scalar_one(), **values)
    make_transient_to_detached(found)  # as if just read: nothing to write
    stale = session.identity_map.get(session.identity_key(model, found.id))  # type: ignore[attr-defined]
    if stale is not None:  # of a rolled-back transaction (SQLite reuses ids)
        session.expunge(stale)
    session.add(found)
    for name, value in (related or {}).items():
        set_committed_value(found, name, value)
    return found
