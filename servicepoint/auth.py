"""Staff accounts: password hashing and checking credentials (no web session here).

Who is signed in is the web layer's business (``servicepoint.web``); what they may do is
``servicepoint.access``'s.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from servicepoint.errors import InvalidInput, NotSignedIn, TooManyAttempts
from servicepoint.models import Staff
from servicepoint.text import USERNAME, clean_key

MIN_PASSWORD_LENGTH = 10
# A hash to compare against when the user does not exist, so timing does not tell.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def hash_password(password: str) -> str:
    """A salted scrypt hash of ``password``; refuses passwords that are too short."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("password_too_short", field="password", min=MIN_PASSWORD_LENGTH)
    return generate_password_hash(password, method="scrypt")


def check_username(username: str) -> str:
    """The username, lower-cased, if it is well formed (``servicepoint.text.USERNAME``)."""
    return clean_key(username, "username", USERNAME)


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
                raise TooManyAttempts()

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
    username = username.strip()
    if username.isascii():  # "İ".lower() would grow; such a name exists nowhere anyway
        username = username.lower()
    key = (client, username[:64])
    failed_sign_ins.check(key)
    # What cannot be a username belongs to nobody: not asked of the database, same answer.
    known = USERNAME.matches(username)
    staff = db.scalar(select(Staff).where(Staff.username == username)) if known else None
    valid = check_password_hash(staff.password_hash if staff else _DUMMY_HASH, password)
    if staff is None or not valid or not staff.active:
        failed_sign_ins.failed(key)
        raise NotSignedIn("wrong_credentials")
    failed_sign_ins.succeeded(key)
    return staff
