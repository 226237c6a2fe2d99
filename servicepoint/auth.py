"""Staff accounts: password hashing and checking credentials (no web session here).

Sign-in attempts are throttled by ``servicepoint.throttle`` (counted in the database before the
hash is checked) and the checks themselves bounded per process (``PasswordChecks``).
Who is signed in is the web layer's business (``servicepoint.web``); what they may do is
``servicepoint.access``'s.
"""

from __future__ import annotations

import threading

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from servicepoint import green, throttle
from servicepoint.db import Database
from servicepoint.errors import InvalidInput, NotSignedIn, Unavailable
from servicepoint.models import Staff
from servicepoint.text import USERNAME, clean_key

MIN_PASSWORD_LENGTH = 10
# A hash to compare against when the user does not exist, so timing does not tell.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def hash_password(password: str) -> str:
    """A salted scrypt hash of ``password``; refuses passwords that are too short."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("password_too_short", field="password", min=MIN_PASSWORD_LENGTH)
    # scrypt takes a tenth of a second in C: in a real thread under green threads.
    return green.off_loop(generate_password_hash, password, method="scrypt")


def check_username(username: str) -> str:
    """The username, lower-cased, if it is well formed (``servicepoint.text.USERNAME``)."""
    return clean_key(username, "username", USERNAME)


class PasswordChecks:
    """At most ``at_once`` password hashes checked at the same time in this process.

    A scrypt check takes a tenth of a second and 32 MiB: a burst of sign-ins waits here for
    its turn instead of growing the process without bound; one that waits longer than
    ``wait`` seconds is refused as unavailable (503, retry).
    """

    def __init__(self, at_once: int = 4, wait: float = 5.0) -> None:
        self.at_once = at_once
        self.wait = wait
        self._slots = threading.BoundedSemaphore(at_once)

    def verify(self, password_hash: str, password: str) -> bool:
        """Whether ``password`` matches ``password_hash``; Unavailable if no turn came."""
        if not self._slots.acquire(timeout=self.wait):
            raise Unavailable("sign_in_busy")
        try:
            return green.off_loop(check_password_hash, password_hash, password)
        finally:
            self._slots.release()


def authenticate(
    database: Database,
    username: str,
    password: str,
    client: str,
    limits: throttle.SignInLimits | None = None,
    checks: PasswordChecks | None = None,
) -> int:
    """The id of the active staff member with these credentials, or NotSignedIn (the same
    message for a wrong password, an unknown or an inactive user).

    ``client`` is the address the attempt comes from. The attempt is counted and committed
    before the hash is checked (``throttle.admit_sign_in``: TooManyAttempts, 429, without
    checking when a limit is reached), so every process sees it; the hash is checked outside
    any transaction, holding no database connection, one of ``checks``' turns. The one verb
    that commits on its own (its own units of work): a count must stand even when the
    sign-in fails.
    """
    limits = limits or throttle.SignInLimits()
    checks = checks or PasswordChecks()
    username = username.strip()
    if username.isascii():  # "İ".lower() would grow; such a name exists nowhere anyway
        username = username.lower()
    username = username[:64]
    with database.unit_of_work() as session:
        attempt = throttle.admit_sign_in(session, client, username, limits)
    try:
        # What cannot be a username belongs to nobody: not asked of the database, same answer.
        found = None
        if USERNAME.matches(username):
            with database.session(read_only=True) as session:
                found = session.execute(
                    select(Staff.id, Staff.password_hash, Staff.active).where(
                        Staff.username == username
                    )
                ).first()
        valid = checks.verify(found.password_hash if found else _DUMMY_HASH, password)
    except BaseException:
        with database.unit_of_work() as session:
            throttle.not_tried(session, attempt)
        raise
    if found is None or not valid or not found.active:
        raise NotSignedIn("wrong_credentials")
    with database.unit_of_work() as session:
        throttle.signed_in(session, attempt)
    return int(found.id)
