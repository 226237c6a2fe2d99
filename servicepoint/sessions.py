"""Staff sessions that end: opened at sign-in, ended by sign-out, revoked by the changes that
must take access away at once (a new password, deactivation, a new role).

A browser holds a random token in its (signed) cookie; the database keeps only its hash, its
staff member and when it expires. Ending a session deletes its row — the cookie is worthless
from that moment — and records ``AccessRevoked``, whose delivery closes the sockets that were
opened with it. Plain verbs on a Session, no Flask.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session, joinedload

from servicepoint import clock, desks
from servicepoint.events import Context, Delivery, DomainEvent, Message, delivers, record
from servicepoint.models import Membership, Staff, StaffSession


def member_room(staff_id: int) -> str:
    """Every socket of one staff member (all their browsers)."""
    return f"member:{staff_id}"


def session_room(session_id: int) -> str:
    """The sockets opened by one browser's session."""
    return f"session:{session_id}"


@dataclass(frozen=True)
class AccessRevoked(DomainEvent):
    """Sessions ended: the ``/staff`` sockets in these rooms are told and closed."""

    rooms: tuple[str, ...]
    reason: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(db: Session, staff: Staff, lifetime: timedelta) -> str:
    """A new session for ``staff`` lasting ``lifetime``; returns the token for the cookie.
    Sessions that have run out (of anyone) are deleted on the way."""
    purge_expired(db)
    token = secrets.token_urlsafe(32)
    now = clock.now()
    db.add(
        StaffSession(
            staff=staff, token_hash=_hash(token), created_at=now, expires_at=now + lifetime
        )
    )
    db.flush()
    return token


# Asked on every staff request: built once, the staff member, their memberships and their
# topics read in the same statement.
_SESSION_WITH_STAFF = (
    select(StaffSession)
    .where(StaffSession.token_hash == bindparam("token_hash"))
    .options(
        joinedload(StaffSession.staff, innerjoin=True)
        .joinedload(Staff.memberships)
        .joinedload(Membership.topics)
    )
)


def find_session(db: Session, token: str) -> StaffSession | None:
    """The unexpired session of an active staff member behind ``token``, or None."""
    if not 20 <= len(token) <= 64:
        return None
    found = db.scalars(_SESSION_WITH_STAFF, {"token_hash": _hash(token)}).unique().first()
    if found is None or found.expires_at <= clock.now() or not found.staff.active:
        return None
    return found


def end_session(db: Session, token: str) -> None:
    """Sign one browser out: its cookie stops working, its sockets close, and the desk the
    staff member sat at is free (``desks.leave_everywhere``)."""
    found = db.scalar(select(StaffSession).where(StaffSession.token_hash == _hash(token)))
    if found is None:
        return
    desks.leave_everywhere(db, found.staff_id)
    record(db, AccessRevoked((session_room(found.id),), "signed_out"))
    db.delete(found)
    db.flush()


def end_all_sessions(db: Session, staff: Staff, reason: str) -> None:
    """Sign ``staff`` out everywhere (their access changed): every cookie and socket ends,
    and their desk is free."""
    db.execute(delete(StaffSession).where(StaffSession.staff_id == staff.id))
    desks.leave_everywhere(db, staff.id)
    record(db, AccessRevoked((member_room(staff.id),), reason))


def purge_expired(db: Session) -> int:
    """Delete sessions past their end; returns how many."""
    result = db.execute(delete(StaffSession).where(StaffSession.expires_at <= clock.now()))
    return int(getattr(result, "rowcount", 0) or 0)


@delivers(AccessRevoked)
def _access_revoked(_db: Session, event: AccessRevoked, _context: Context, out: Delivery) -> None:
    for room in event.rooms:
        # Told first (the page shows the sign-in again), then closed.
        out.messages.append(Message("/staff", "signed_out", {"reason": event.reason}, room))
        out.closed_rooms.append(("/staff", room))
