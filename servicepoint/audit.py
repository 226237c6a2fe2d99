"""The audit trail: who changed what, when, from what to what.

**One mechanism.** Every unit of work whose changes are someone's doing names its actor
(:func:`act_as`: ``web.current_staff`` does it for every signed-in request, the command line
for its commands). A session hook then diffs the tracked models on every flush
(``after_flush``: the values before and after, changed fields only) and gathers the
differences per changed thing; just before the commit they become :class:`AuditEntry` rows,
written in the same transaction (a rolled-back change leaves no entry). The verbs of
``manage``, ``consultations``, ``appointments``, ``cards``, ``desks``, ``printing`` … need
no call of their own, and a verb added later is audited too. A unit of work without an
actor (a visitor at the kiosk or on the booking page, a nightly job) writes none.

**Ticket moves** are already written once, by the queue's verbs, as ``TicketEvent`` rows
(when, which move, from and to which state, who, at which desk): :func:`browse` reads them
beside the entries instead of writing them twice, as the kind ``ticket``.

What is kept: the changed fields of locations, topics, desks (who sits there; not the
printer's last state or the idle clock), organisations, staff (a new password only as
``"changed"``), memberships (role, topics), consultation sessions and their changes and
closures, kiosks (not their token, only that it changed), appointments (not the status
link's token) and client cards (not the code the holder carries). Nothing about visitors:
there is none in these tables.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, and_, delete, func, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.orm.interfaces import MANYTOMANY, MANYTOONE

from servicepoint import clock
from servicepoint.models import (
    Appointment,
    Base,
    ClientCard,
    Closure,
    Consultation,
    ConsultationChange,
    Desk,
    Kiosk,
    Location,
    Membership,
    Organisation,
    Staff,
    Ticket,
    TicketEvent,
    Topic,
    UTCDateTime,
)

ACTOR = "servicepoint.audit.actor"
PENDING = "servicepoint.audit.pending"
# What a secret's change is recorded as (never its value).
CHANGED = "changed"
# Entries per page of the audit view, and the last page it reads (older: narrow the range).
PAGE_SIZE = 50
MAX_PAGE = 200


class Source(enum.StrEnum):
    """Where a change was made."""

    WEB = "web"  # a signed-in staff member (the pages, the API)
    CLI = "cli"  # the ``servicepoint`` command on the server


class AuditEntry(Base):
    """One thing changed in one unit of work: when, by whom (``staff_id``, and their name as
    it was), where (``location_id``; None for organisations and staff accounts), which thing
    (``kind``, ``thing_id``), ``action`` (``create``, ``update``, ``delete``) and the changed
    fields' values ``before`` and ``after`` (None for a creation or deletion)."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_location_at", "location_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), default=None, index=True
    )
    staff_name: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(8), default=Source.WEB)
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("location.id", ondelete="SET NULL"), default=None
    )
    kind: Mapped[str] = mapped_column(String(32))
    thing_id: Mapped[int | None] = mapped_column(default=None)
    action: Mapped[str] = mapped_column(String(16))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


@dataclass(frozen=True)
class Tracked:
    """How one model is audited: its ``kind``, the fields left out (noise such as a
    printer's last state) and the secrets recorded only as ``"changed"``."""

    kind: str
    skip: frozenset[str] = frozenset()
    secret: frozenset[str] = frozenset()


TRACKED: dict[type[Any], Tracked] = {
    Location: Tracked("location"),
    Topic: Tracked("topic"),
    Desk: Tracked(
        "desk",
        skip=frozenset(
            {"occupied_at", "occupant_seen_at", "printer_state", "printer_detail", "location"}
        ),
    ),
    Organisation: Tracked("organisation"),
    Staff: Tracked("staff", skip=frozenset({"organisation"}), secret=frozenset({"password_hash"})),
    Membership: Tracked("membership", skip=frozenset({"staff", "location"})),
    Consultation: Tracked("session", skip=frozenset({"location", "organisation"})),
    ConsultationChange: Tracked("session_change", skip=frozenset({"consultation"})),
    Closure: Tracked("closure", skip=frozenset({"location"})),
    Kiosk: Tracked(
        "kiosk",
        skip=frozenset(
            {
                "printer_state",
                "printer_detail",
                "printer_checked_at",
                "agent_connected",
                "agent_seen_at",
                "location",
            }
        ),
        secret=frozenset({"token_hash"}),
    ),
    Appointment: Tracked(
        "appointment",
        skip=frozenset(
            {"token", "location", "topic", "consultation", "staff", "organisation", "ticket"}
        ),
    ),
    ClientCard: Tracked("card", skip=frozenset({"code", "last_used_at", "staff", "organisation"})),
}
# The kinds the audit view filters by: the tracked models' and the tickets' moves.
TICKET = "ticket"
KINDS = (*sorted(t.kind for t in TRACKED.values()), TICKET)
# What an entry says happened: to a tracked thing, or a ticket's move (``tickets``'
# "issued" and the keys of ALLOWED_FROM; a test keeps them in step).
ACTIONS = (
    "create",
    "update",
    "delete",
    "issued",
    "call",
    "recall",
    "start",
    "finish",
    "no_show",
    "requeue",
    "transfer",
    "cancel",
)


# --- who acts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    staff_id: int | None
    name: str
    source: Source


def act_as(session: Session, staff: Staff | None, source: Source = Source.WEB) -> None:
    """Record the changes of ``session``'s unit of work as ``staff``'s (from ``source``);
    ``None`` with ``Source.CLI``: the server's operator at the command line."""
    if staff is None and source is Source.WEB:
        return
    session.info[ACTOR] = Actor(
        staff.id if staff is not None else None,
        staff.display_name if staff is not None else "",
        source,
    )


def actor(session: Session) -> Actor | None:
    found: Actor | None = session.info.get(ACTOR)
    return found


# --- the differences --------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """``value`` as JSON: ids for related rows, ISO text for times."""
    if isinstance(value, Base):
        return getattr(value, "id", None)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):  # in UTC, as stored (a value just set may be local)
        return (value.astimezone(UTC) if value.tzinfo is not None else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    return value


def _fields(obj: Any, spec: Tracked) -> Iterable[tuple[str, Any, bool]]:
    """(field name, attribute key, is a collection) of ``obj``'s audited attributes:
    columns (a many-to-one relationship under its foreign key's name) and many-to-many
    collections as lists of ids."""
    mapper = instance_state(obj).mapper
    for column in mapper.column_attrs:
        if column.key not in spec.skip and column.key != "id":
            yield column.key, column.key, False
    for relation in mapper.relationships:
        if relation.key in spec.skip:
            continue
        if relation.direction is MANYTOMANY:
            yield relation.key, relation.key, True
        elif relation.direction is MANYTOONE and len(relation.local_columns) == 1:
            [local] = relation.local_columns
            yield str(local.key), relation.key, False


def _ids(items: Iterable[Any]) -> list[Any]:
    return sorted(_plain(item) for item in items if item is not None)


def _snapshot(obj: Any, spec: Tracked) -> dict[str, Any]:
    """What is loaded of ``obj`` now (a created or deleted thing), without loading more."""
    loaded = instance_state(obj).dict
    values: dict[str, Any] = {}
    for name, key, collection in _fields(obj, spec):
        if key not in loaded or (name in values and name != key):
            continue
        value = loaded[key]
        if name in spec.secret:
            values[name] = CHANGED
        elif collection:
            values[name] = _ids(value or [])
        else:
            values[name] = _plain(value)
    return values


def _changes(obj: Any, spec: Tracked) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields of ``obj`` this flush changes: their values before and after."""
    attrs = instance_state(obj).attrs
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, key, collection in _fields(obj, spec):
        history = attrs[key].history
        if not history.has_changes():
            continue
        old: Any
        new: Any
        if collection:
            old = _ids([*history.unchanged, *history.deleted])
            new = _ids([*history.unchanged, *history.added])
        else:
            old = _plain(history.deleted[0]) if history.deleted else None
            new = _plain(history.added[0]) if history.added else None
        if name in spec.secret:
            old, new = None, CHANGED
        if name != key and name in after:
            continue  # the foreign key's own history said it (and knew the old value)
        if old != new:
            before[name], after[name] = old, new
    return before, after


def _location_id(session: Session, obj: Any) -> int | None:
    if isinstance(obj, Location):
        return obj.id
    if isinstance(obj, ConsultationChange):
        loaded = instance_state(obj).dict
        consultation = loaded.get("consultation")
        if consultation is None and loaded.get("consultation_id") is not None:
            with session.no_autoflush:
                consultation = session.get(Consultation, loaded["consultation_id"])
        return consultation.location_id if consultation is not None else None
    found = instance_state(obj).dict.get("location_id")
    return found if isinstance(found, int) else None


@dataclass
class Pending:
    """One thing's changes gathered over the flushes of a unit of work."""

    kind: str
    thing_id: int | None
    location_id: int | None
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def _gather(session: Session, _context: Any) -> None:
    """``after_flush``: add this flush's differences to the unit of work's."""
    if actor(session) is None:
        return
    pending: dict[tuple[str, int], Pending] = session.info.setdefault(PENDING, {})
    for obj in session.new:
        spec = TRACKED.get(type(obj))
        if spec is not None:
            pending[(spec.kind, obj.id)] = Pending(
                spec.kind, obj.id, _location_id(session, obj), "create", None, _snapshot(obj, spec)
            )
    for obj in session.dirty:
        spec = TRACKED.get(type(obj))
        if spec is None or not session.is_modified(obj):
            continue
        before, after = _changes(obj, spec)
        if not after and not before:
            continue
        key = (spec.kind, obj.id)
        earlier = pending.get(key)
        if earlier is None:
            pending[key] = Pending(
                spec.kind, obj.id, _location_id(session, obj), "update", before, after
            )
        else:
            _merge(earlier, before, after)


def _gather_deleted(session: Session, obj: Any) -> None:
    """``persistent_to_deleted``: a thing deleted by this flush, also as an orphan of its
    parent (a membership dropped from a staff member's list), which ``session.deleted``
    does not show."""
    spec = TRACKED.get(type(obj))
    if spec is None or actor(session) is None:
        return
    pending: dict[tuple[str, int], Pending] = session.info.setdefault(PENDING, {})
    key = (spec.kind, obj.id)
    earlier = pending.get(key)
    if earlier is not None and earlier.action == "create":
        del pending[key]  # made and removed in one unit of work: nothing happened
        return
    snapshot = _snapshot(obj, spec)
    if earlier is not None and earlier.before:
        snapshot.update(earlier.before)
    pending[key] = Pending(spec.kind, obj.id, _location_id(session, obj), "delete", snapshot, None)


def _merge(earlier: Pending, before: dict[str, Any], after: dict[str, Any]) -> None:
    """A later flush's changes of a thing already changed in this unit of work."""
    if earlier.action == "create":
        assert earlier.after is not None
        earlier.after.update(after)
        return
    assert earlier.before is not None and earlier.after is not None
    for name, value in before.items():
        earlier.before.setdefault(name, value)
    earlier.after.update(after)
    for name in [n for n in earlier.after if earlier.before.get(n) == earlier.after[n]]:
        del earlier.before[name], earlier.after[name]


def _write(session: Session) -> None:
    """``before_commit``: the gathered changes become entries of this transaction."""
    if actor(session) is None:
        return
    session.flush()
    who = actor(session)
    pending: dict[tuple[str, int], Pending] = session.info.pop(PENDING, {})
    if who is None or not pending:
        return
    at = clock.now()
    for change in pending.values():
        if change.action == "update" and not change.after:
            continue
        session.add(
            AuditEntry(
                at=at,
                staff_id=who.staff_id,
                staff_name=who.name,
                source=who.source,
                location_id=change.location_id,
                kind=change.kind,
                thing_id=change.thing_id,
                action=change.action,
                before=change.before,
                after=change.after,
            )
        )


def _forget(session: Session, *_args: Any) -> None:
    """A rolled-back unit of work leaves no entries."""
    session.info.pop(PENDING, None)


def install(sessions: sessionmaker[Session]) -> None:
    """Audit the sessions ``sessions`` makes (the Database does it for its own)."""
    from sqlalchemy import event

    event.listen(sessions, "after_flush", _gather)
    event.listen(sessions, "persistent_to_deleted", _gather_deleted)
    event.listen(sessions, "before_commit", _write)
    event.listen(sessions, "after_rollback", _forget)
    event.listen(sessions, "after_commit", _forget)


# --- reading it -------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """What the audit view asks for: a range of time, locations (None: every one, for
    admins, and the entries of no location; else those locations' entries and the accounts
    of their staff), who, which kind, which page (from 1)."""

    locations: frozenset[int] | None
    start: datetime | None = None
    end: datetime | None = None
    staff_id: int | None = None
    kind: str | None = None
    page: int = 1


def browse(session: Session, query: Query) -> tuple[list[dict[str, Any]], bool]:
    """One page of the audit trail, newest first: the entries and the tickets' moves
    merged; and whether there are more."""
    wanted = query.page * PAGE_SIZE + 1
    rows: list[tuple[datetime, int, dict[str, Any]]] = []
    if query.kind != TICKET:
        rows += [
            (e.at, e.id, _entry_json(e, slugs)) for e, slugs in _entries(session, query, wanted)
        ]
    if query.kind in (None, TICKET):
        rows += [(at, ident, row) for at, ident, row in _ticket_moves(session, query, wanted)]
    rows.sort(key=lambda r: (r[0], r[1]), reverse=True)
    first = (query.page - 1) * PAGE_SIZE
    page = rows[first : first + PAGE_SIZE]
    return [row for _at, _id, row in page], len(rows) > first + PAGE_SIZE


def _slugs(session: Session) -> dict[int, str]:
    return {ident: slug for ident, slug in session.execute(select(Location.id, Location.slug))}


def _entries(
    session: Session, query: Query, limit: int
) -> Iterable[tuple[AuditEntry, dict[int, str]]]:
    select_entries = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if query.locations is not None:
        # The locations' entries, and the accounts of the staff who work there now (a
        # manager sees them in the staff list too).
        their_staff = select(Membership.staff_id).where(Membership.location_id.in_(query.locations))
        select_entries = select_entries.where(
            or_(
                AuditEntry.location_id.in_(query.locations),
                and_(
                    AuditEntry.kind == TRACKED[Staff].kind,
                    AuditEntry.thing_id.in_(their_staff),
                ),
            )
        )
    if query.start is not None:
        select_entries = select_entries.where(AuditEntry.at >= query.start)
    if query.end is not None:
        select_entries = select_entries.where(AuditEntry.at < query.end)
    if query.staff_id is not None:
        select_entries = select_entries.where(AuditEntry.staff_id == query.staff_id)
    if query.kind is not None:
        select_entries = select_entries.where(AuditEntry.kind == query.kind)
    slugs = _slugs(session)
    for entry in session.scalars(select_entries.limit(limit)):
        yield entry, slugs


def _entry_json(entry: AuditEntry, slugs: dict[int, str]) -> dict[str, Any]:
    return {
        "at": entry.at.isoformat(),
        "staff": {"id": entry.staff_id, "name": entry.staff_name}
        if entry.staff_id is not None or entry.staff_name
        else None,
        "source": entry.source,
        "location": slugs.get(entry.location_id) if entry.location_id is not None else None,
        "kind": entry.kind,
        "id": entry.thing_id,
        "action": entry.action,
        "before": entry.before,
        "after": entry.after,
    }


def _ticket_moves(
    session: Session, query: Query, limit: int
) -> Iterable[tuple[datetime, int, dict[str, Any]]]:
    rows = (
        select(
            TicketEvent,
            Ticket.code,
            Location.slug,
            Staff.display_name,
            Desk.name,
        )
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .join(Location, Location.id == Ticket.location_id)
        .outerjoin(Staff, Staff.id == TicketEvent.staff_id)
        .outerjoin(Desk, Desk.id == TicketEvent.desk_id)
        .order_by(TicketEvent.at.desc(), TicketEvent.id.desc())
    )
    if query.locations is not None:
        rows = rows.where(Ticket.location_id.in_(query.locations))
    if query.start is not None:
        rows = rows.where(TicketEvent.at >= query.start)
    if query.end is not None:
        rows = rows.where(TicketEvent.at < query.end)
    if query.staff_id is not None:
        rows = rows.where(TicketEvent.staff_id == query.staff_id)
    for event, code, slug, staff_name, desk_name in session.execute(rows.limit(limit)):
        yield (
            event.at,
            -event.id,
            {
                "at": event.at.isoformat(),
                "staff": {"id": event.staff_id, "name": staff_name}
                if event.staff_id is not None
                else None,
                "source": Source.WEB if event.staff_id is not None else None,
                "location": slug,
                "kind": TICKET,
                "id": event.ticket_id,
                "action": event.kind,
                "before": {"state": event.from_state} if event.from_state else None,
                "after": {
                    "state": event.to_state,
                    "code": code,
                    **({"desk": desk_name} if desk_name else {}),
                },
            },
        )


# --- retention --------------------------------------------------------------------------


def delete_old(session: Session, keep_days: int, dry_run: bool = False) -> int:
    """Delete the entries older than ``keep_days`` days (count them in a dry run)."""
    cutoff = clock.now() - timedelta(days=keep_days)
    old = AuditEntry.at < cutoff
    if dry_run:
        return int(session.scalar(select(func.count()).select_from(AuditEntry).where(old)) or 0)
    result = session.execute(delete(AuditEntry).where(old))
    return int(getattr(result, "rowcount", 0) or 0)
