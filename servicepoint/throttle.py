"""Limits that cannot be turned against users: sign-in attempts and drawn tickets, counted in
the database, so every server process (and every server on one database) sees one count.

A counter is a row per (what, for whom): a fixed window that opens with its first count and
ends ``window`` later; a count after that opens a new window. Each count is one
``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (as numbering is), so two requests never read
the same count, and rows of ended windows are deleted on the way (``purge_expired``). A key
is the SHA-256 of what is counted: no address or username is stored in the clear.

Sign-in (``admit_sign_in`` before the password is checked, ``signed_in`` after it was right;
defaults per 15 minutes):

- one address may fail ``per_account_and_address`` (10) times for one account; then every
  attempt for that account *from that address* is refused (429), the right password too,
  without checking it;
- one address may fail ``per_address`` (50) times for all accounts together (one address
  trying many accounts);
- an account that failed ``account_under_attack`` (50) times from all addresses together is
  under attack: each address is then limited to ``under_attack_per_address`` (3) tries for
  it. An address that has not been failing for that account still signs in with the right
  password: no count of *other* addresses ever refuses it.

An attempt is counted (and committed) before its hash is checked, so concurrent wrong
passwords from one address get at most the limit of hash checks; a refused attempt counts
for nothing. The right password gives its attempt back and clears that address's failures
for the account. Plain verbs on a Session, no Flask.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, TextualSelect, bindparam, delete, select, text, update
from sqlalchemy.orm import Session

from servicepoint import clock
from servicepoint.errors import TooManyAttempts
from servicepoint.models import ThrottleCounter, UTCDateTime

log = logging.getLogger(__name__)
# Expired rows deleted per count at most (the rest go with the next counts).
PURGE_BATCH = 100


class Throttled(TooManyAttempts):
    """A limit is reached; ``retry_after`` is the seconds until its window ends."""

    def __init__(self, key: str | None = None, /, *, retry_after: int, **params: Any) -> None:
        self.retry_after = retry_after
        super().__init__(key, **params)


class TooManyTickets(Throttled):
    code = "too_many_tickets"


# --- counters -----------------------------------------------------------------------------


def counter_key(*parts: str) -> str:
    """The row key of what ``parts`` name (``"sign_in.address", "192.0.2.7"``)."""
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def address_key(address: str) -> str:
    """The address as it is counted: IPv4 as it is (also when IPv4-mapped), IPv6 by its /64
    (one subscriber's network, whose addresses they choose freely)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False))
    return str(parsed)


@functools.cache
def _count_statement(keys: int) -> TextualSelect:
    """One upsert counting one for each of ``keys`` keys (``:key0``, ``:key1``, …) at
    ``:now``, opening windows that end at ``:ends``; returns each key's count and end.

    Written out, since SQLAlchemy does not cache the compiled form of an INSERT of several
    rows; PostgreSQL and SQLite read the same SQL."""
    rows = ", ".join(f"(:key{n}, 1, :ends)" for n in range(keys))
    ended = "throttle_counter.expires_at <= :now"
    return (
        text(
            f'INSERT INTO throttle_counter ("key", count, expires_at) VALUES {rows} '
            'ON CONFLICT ("key") DO UPDATE SET '
            f"count = CASE WHEN {ended} THEN 1 ELSE throttle_counter.count + 1 END, "
            f"expires_at = CASE WHEN {ended} THEN excluded.expires_at "
            "ELSE throttle_counter.expires_at END "
            'RETURNING "key", count, expires_at'
        )
        .bindparams(
            bindparam("now", type_=UTCDateTime()),
            bindparam("ends", type_=UTCDateTime()),
            *(bindparam(f"key{n}", type_=String()) for n in range(keys)),
        )
        .columns(
            ThrottleCounter.key,
            ThrottleCounter.count,
            ThrottleCounter.expires_at,
        )
    )


def count_all(
    session: Session, keys: Sequence[str], window: timedelta
) -> dict[str, tuple[int, datetime]]:
    """Count one for each of ``keys`` (distinct) in one statement; returns, per key, the
    count in its window (this one included) and when the window ends. Atomic: concurrent
    counts each get their own number. Rows are taken in the order of ``keys``: callers
    that count several keys name them in one fixed order, so they never deadlock."""
    now = clock.now()
    statement = _count_statement(len(keys))
    values: dict[str, Any] = {f"key{n}": key for n, key in enumerate(keys)}
    values.update(now=now, ends=now + window)
    return {key: (int(found), ends) for key, found, ends in session.execute(statement, values)}


def count(session: Session, key: str, window: timedelta) -> tuple[int, datetime]:
    """Count one for ``key``; returns the count in its window (this one included) and when the
    window ends. Atomic: concurrent counts each get their own number."""
    return count_all(session, [key], window)[key]


def uncount(session: Session, key: str) -> None:
    """Give one count of ``key`` back (an attempt that turned out right, or was never tried)."""
    session.execute(
        update(ThrottleCounter)
        .where(ThrottleCounter.key == key, ThrottleCounter.count > 0)
        .values(count=ThrottleCounter.count - 1)
    )


def forget(session: Session, key: str) -> None:
    """Drop the counter of ``key`` altogether."""
    session.execute(delete(ThrottleCounter).where(ThrottleCounter.key == key))


def purge_expired(session: Session) -> int:
    """Delete up to ``PURGE_BATCH`` counters whose window has ended; returns how many.

    Rows another transaction holds are skipped (PostgreSQL), so a purge never waits; it runs
    after a transaction's counts, so it never holds a row while waiting for one."""
    ended = (
        select(ThrottleCounter.key)
        .where(ThrottleCounter.expires_at <= clock.now())
        .limit(PURGE_BATCH)
        .with_for_update(skip_locked=True)
    )
    result = session.execute(delete(ThrottleCounter).where(ThrottleCounter.key.in_(ended)))
    return int(getattr(result, "rowcount", 0) or 0)


def _seconds_until(moment: datetime) -> int:
    return max(1, math.ceil((moment - clock.now()).total_seconds()))


# --- sign-in ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignInLimits:
    """The sign-in rule's numbers (see the module's description)."""

    per_account_and_address: int = 10
    per_address: int = 50
    account_under_attack: int = 50
    under_attack_per_address: int = 3
    window: timedelta = timedelta(minutes=15)

    @classmethod
    def from_settings(cls, settings: Mapping[str, object]) -> SignInLimits:
        """The limits the ``SIGN_IN_*`` settings give."""
        return cls(
            per_account_and_address=int(str(settings.get("SIGN_IN_LIMIT", 10))),
            per_address=int(str(settings.get("SIGN_IN_ADDRESS_LIMIT", 50))),
            account_under_attack=int(str(settings.get("SIGN_IN_ACCOUNT_LIMIT", 50))),
            window=timedelta(minutes=float(str(settings.get("SIGN_IN_WINDOW_MINUTES", 15)))),
        )


@dataclass(frozen=True)
class SignInAttempt:
    """One admitted attempt: the counters it was counted in."""

    pair: str
    address: str
    account: str


def admit_sign_in(
    session: Session, client: str, username: str, limits: SignInLimits
) -> SignInAttempt:
    """Count an attempt to sign in as ``username`` from ``client`` before its password is
    checked; Throttled (429) when a limit is reached. The caller commits an admitted attempt
    at once (so every process sees it) and rolls a refused one back (it counts for nothing).
    """
    address = address_key(client)
    attempt = SignInAttempt(
        pair=counter_key("sign_in.pair", address, username),
        address=counter_key("sign_in.address", address),
        account=counter_key("sign_in.account", username),
    )
    # Always in this order (pair, address, account), so concurrent attempts never deadlock.
    pair, pair_ends = count(session, attempt.pair, limits.window)
    from_address, address_ends = count(session, attempt.address, limits.window)
    failed_for_account, _ = count(session, attempt.account, limits.window)
    purge_expired(session)
    under_attack = failed_for_account - 1 >= limits.account_under_attack
    per_pair = (
        min(limits.under_attack_per_address, limits.per_account_and_address)
        if under_attack
        else limits.per_account_and_address
    )
    ends: list[datetime] = []
    if pair > per_pair:
        ends.append(pair_ends)
    if from_address > limits.per_address:
        ends.append(address_ends)
    if ends:
        # No username in the log: people type their password into that field too.
        log.warning(
            "sign-in refused: too many failures from %s%s",
            address,
            " for an account under attack" if under_attack else "",
        )
        raise Throttled("too_many_attempts", retry_after=_seconds_until(max(ends)))
    return attempt


def signed_in(session: Session, attempt: SignInAttempt) -> None:
    """The attempt's password was right: its address's failures for the account are cleared,
    and it gives its count back to the address's and the account's counters."""
    forget(session, attempt.pair)
    uncount(session, attempt.address)
    uncount(session, attempt.account)


def not_tried(session: Session, attempt: SignInAttempt) -> None:
    """The attempt was counted but its password never checked (the server was busy)."""
    uncount(session, attempt.pair)
    uncount(session, attempt.address)
    uncount(session, attempt.account)


# --- tickets ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketLimits:
    """Tickets drawn per window (a minute) from one address and with one kiosk's token."""

    per_address: int = 60
    per_kiosk: int = 120
    window: timedelta = timedelta(minutes=1)

    @classmethod
    def from_settings(cls, settings: Mapping[str, object]) -> TicketLimits:
        """The limits ``TICKETS_PER_ADDRESS`` and ``TICKETS_PER_KIOSK`` give."""
        return cls(
            per_address=int(str(settings.get("TICKETS_PER_ADDRESS", 60))),
            per_kiosk=int(str(settings.get("TICKETS_PER_KIOSK", 120))),
        )


def count_ticket(session: Session, client: str, kiosk_id: int | None, limits: TicketLimits) -> None:
    """Count a newly drawn ticket against its address and its kiosk, in the ticket's own
    transaction (a refused or rolled-back draw counts for nothing); TooManyTickets (429) when
    a limit is reached. A retried tap that returns its earlier ticket is not counted: the
    caller counts new tickets only. The caller counts last, just before the commit: on
    PostgreSQL the counter rows (shared by every draw from one address or kiosk) are locked
    from the count to the commit, so draws from one address wait for each other only that
    long."""
    address = address_key(client)
    # (key, limit): the address first, then the kiosk, in one statement.
    keys = [(counter_key("tickets.address", address), limits.per_address)]
    if kiosk_id is not None:
        keys.append((counter_key("tickets.kiosk", str(kiosk_id)), limits.per_kiosk))
    counted = count_all(session, [key for key, _limit in keys], limits.window)
    refused = [counted[key][1] for key, limit in keys if counted[key][0] > limit]
    if any(counted[key][0] == 1 for key, _limit in keys):
        purge_expired(session)  # windows end rarely: clear ended ones when one begins
    if refused:
        seconds = _seconds_until(max(refused))
        log.warning("ticket refused: too many drawn from %s (kiosk %s)", address, kiosk_id)
        raise TooManyTickets("too_many_tickets", retry_after=seconds, seconds=seconds)


class TooManyCodes(Throttled):
    code = "too_many_codes"


@dataclass(frozen=True)
class CheckInLimits:
    """Wrong appointment or card codes one address may type per window
    (``CODES_PER_ADDRESS`` per ``CODES_WINDOW_MINUTES``): enough for a busy kiosk's typos,
    far too few to guess a code."""

    per_address: int = 30
    window: timedelta = timedelta(minutes=10)

    @classmethod
    def from_settings(cls, settings: Mapping[str, object]) -> CheckInLimits:
        return cls(
            per_address=int(str(settings.get("CODES_PER_ADDRESS", 30))),
            window=timedelta(minutes=int(str(settings.get("CODES_WINDOW_MINUTES", 10)))),
        )


def code_key(client: str) -> str:
    """The counter of the codes one address typed (its ``address_key``)."""
    return counter_key("codes.address", address_key(client))


def admit_code(session: Session, key: str, limits: CheckInLimits) -> None:
    """Count a typed or scanned code before it is looked up (the caller commits the count
    at once, so a wrong code, refused and rolled back, still counts); TooManyCodes (429)
    over the limit (this attempt given back: it is not tried). A right code gives its count
    back (``uncount``)."""
    found, ends = count(session, key, limits.window)
    if found == 1:
        purge_expired(session)
    if found > limits.per_address:
        uncount(session, key)
        seconds = _seconds_until(ends)
        log.warning("code refused: too many typed from one address")
        raise TooManyCodes("too_many_codes", retry_after=seconds, seconds=seconds)


# --- online booking -----------------------------------------------------------------------------


class TooManyBookings(Throttled):
    code = "too_many_bookings"


def count_booking_step(
    session: Session, client: str, step: str, limit: int, window: timedelta = timedelta(hours=1)
) -> None:
    """Count a hold or a booking (``step``) of the public booking page against the client's
    address, in the step's own transaction (a refused step counts for nothing);
    TooManyBookings (429) beyond ``limit`` per ``window``."""
    address = address_key(client)
    found, ends = count(session, counter_key(f"booking.{step}", address), window)
    if found == 1:
        purge_expired(session)
    if found > limit:
        seconds = _seconds_until(ends)
        log.warning("online booking refused: too many %s steps from %s", step, address)
        raise TooManyBookings("too_many_bookings", retry_after=seconds, seconds=seconds)
