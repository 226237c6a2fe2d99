"""Staff accounts: password hashing, sign-in and the guards for staff-only requests."""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Callable

from flask import g, session
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from servicepoint.errors import InvalidInput, ServicepointError
from servicepoint.models import Role, Staff

MIN_PASSWORD_LENGTH = 10
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
# A hash to compare against when the user does not exist, so timing does not tell.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class NotSignedIn(ServicepointError):
    status = 401
    code = "not_signed_in"


class Forbidden(ServicepointError):
    status = 403
    code = "forbidden"


def hash_password(password: str) -> str:
    """A salted scrypt hash of ``password``; refuses passwords that are too short."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    return generate_password_hash(password, method="scrypt")


def check_username(username: str) -> str:
    """The username, lower-cased, if it is well formed."""
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise InvalidInput(
            "A username has 2 to 64 characters: lower-case letters, digits, '.', '_' or '-'."
        )
    return username


class TooManyAttempts(ServicepointError):
    status = 429
    code = "too_many_attempts"


class FailedSignIns:
    """Counts failed sign-ins per client address and username within a time window."""

    def __init__(self, limit: int = 10, window: float = 300.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[tuple[str, str], list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> list[float]:
        times = [t for t in self._failures.get(key, []) if now - t < self.window]
        if times:
            self._failures[key] = times
        else:
            self._failures.pop(key, None)
        return times

    def check(self, key: tuple[str, str]) -> None:
        with self._lock:
            if len(self._recent(key, time.monotonic())) >= self.limit:
                raise TooManyAttempts(
                    "Too many wrong passwords. Please wait a few minutes and try again."
                )

    def failed(self, key: tuple[str, str]) -> None:
        with self._lock:
            now = time.monotonic()
            self._failures[key] = [*self._recent(key, now), now]

    def succeeded(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._failures.pop(key, None)


failed_sign_ins = FailedSignIns()


def authenticate(db: Session, username: str, password: str, client: str = "") -> Staff:
    """The active staff member with these credentials, or NotSignedIn (same message for both).

    After 10 failures for one username from one address within 5 minutes, further tries are
    refused for a while (TooManyAttempts) without checking the password.
    """
    username = username.strip().lower()
    key = (client, username)
    failed_sign_ins.check(key)
    staff = db.scalar(select(Staff).where(Staff.username == username))
    valid = check_password_hash(staff.password_hash if staff else _DUMMY_HASH, password)
    if staff is None or not valid or not staff.active:
        failed_sign_ins.failed(key)
        raise NotSignedIn("Wrong username or password.")
    failed_sign_ins.succeeded(key)
    return staff


def sign_in(staff: Staff) -> None:
    session.clear()
    session["staff_id"] = staff.id
    session.permanent = True


def sign_out() -> None:
    session.clear()


def current_staff(db: Session) -> Staff | None:
    """The signed-in, still active staff member of this request, if any."""
    if "current_staff" not in g:
        staff_id = session.get("staff_id")
        staff = db.get(Staff, staff_id) if isinstance(staff_id, int) else None
        g.current_staff = staff if staff is not None and staff.active else None
    return g.current_staff


def require_staff(db: Session, manager: bool = False) -> Staff:
    """The signed-in staff member, or 401; with ``manager``, 403 for counselors."""
    staff = current_staff(db)
    if staff is None:
        raise NotSignedIn("Please sign in first.")
    if manager and staff.role != Role.MANAGER:
        raise Forbidden("Only managers may do this.")
    return staff


def staff_only(view: Callable) -> Callable:
    """Decorator for API views: 401 unless a staff member is signed in."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        from servicepoint.web import db_session

        require_staff(db_session())
        return view(*args, **kwargs)

    return wrapper


def managers_only(view: Callable) -> Callable:
    """Decorator for API views: 401 unless signed in, 403 unless a manager."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        from servicepoint.web import db_session

        require_staff(db_session(), manager=True)
        return view(*args, **kwargs)

    return wrapper
