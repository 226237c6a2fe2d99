"""Configuration: defaults in code, overridden by SERVICEPOINT_* environment variables or a dict.

A systemd ``EnvironmentFile=`` is the only deployment setting. Secrets are never defaulted:
the session secret is generated on first start and kept in the instance folder.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

DEFAULTS: dict[str, object] = {
    # SQLAlchemy URL; None means SQLite in the instance folder.
    "DATABASE_URL": None,
    # Redis URL for Socket.IO fan-out between several server processes; None for one process.
    "REDIS_URL": None,
    # The Redis channel the processes of one installation share (keeps installations apart).
    "REDIS_CHANNEL": "servicepoint",
    # With Redis (servicepoint.fanout): seconds any Redis command may take (connecting,
    # publishing, answering the listener's PING) before Redis counts as down. Requests never
    # wait for Redis; this bounds the background tasks that talk to it.
    "REDIS_TIMEOUT": 1.0,
    # Seconds without a message after which the listener pings Redis: a frozen Redis (one
    # that accepts connections and never answers) is noticed after HEARTBEAT + TIMEOUT.
    "REDIS_HEARTBEAT": 1.0,
    # Longest wait between attempts to reach Redis again (they start at 0.1 s, doubling):
    # screens are resynced at most about this long after Redis is back.
    "REDIS_RETRY_MAX": 1.0,
    # Messages for the other processes that may wait for Redis; more are dropped, and the
    # other processes resync their screens once Redis takes messages again.
    "REDIS_QUEUE": 10000,
    # The public base URL printed into QR codes; None derives it from PUBLIC_HOST
    # (https://<host>), else from the request.
    "PUBLIC_URL": None,
    # The host name(s) visitors' phones reach from the internet (e.g. "termin.example.de",
    # comma-separated for several). Requests for it reach only the public half below /t/
    # (servicepoint/public.py); everything else answers 404 there. Empty: no split.
    "PUBLIC_HOST": "",
    # Largest accepted request body in bytes (JSON API and forms).
    "MAX_CONTENT_LENGTH": 64 * 1024,
    # Online booking (servicepoint/booking.py; a topic's online_booking switches it on): a
    # slot chosen on the public booking page is held for the visitor this many minutes ...
    "ONLINE_HOLD_MINUTES": 10,
    # ... the booking page offers days from today up to this many days ahead ...
    "ONLINE_BOOKING_DAYS": 28,
    # ... a booking with an email address that is not confirmed by the mailed link within
    # this many minutes is released ...
    "ONLINE_CONFIRM_MINUTES": 60,
    # ... and a confirmed one is reminded this many hours before its start.
    "ONLINE_REMINDER_HOURS": 24,
    # Slots held, and bookings made, from one address per hour (429 beyond).
    "ONLINE_HOLDS_PER_ADDRESS": 30,
    "ONLINE_BOOKINGS_PER_ADDRESS": 10,
    # Outgoing mail (servicepoint/mail.py): the SMTP server; empty: no mail, and the booking
    # page asks for no address.
    "SMTP_HOST": "",
    "SMTP_PORT": 25,
    # Sign-in at the SMTP server (both empty: none).
    "SMTP_USER": "",
    "SMTP_PASSWORD": "",
    # The sender's address.
    "SMTP_FROM": "servicepoint@localhost",
    # Upgrade the connection with STARTTLS before sign-in ("true"/"false").
    "SMTP_STARTTLS": "false",
    # Seconds one SMTP conversation may take.
    "SMTP_TIMEOUT": 10.0,
    # How many seconds the kiosk shows a drawn ticket before returning to the start.
    "KIOSK_TICKET_SECONDS": 20,
    # How many recent calls the lobby screen lists besides the current ones.
    "DISPLAY_RECENT_CALLS": 8,
    # Calls spoken aloud in the lobby (servicepoint/speech.py): the speech engine's program
    # (Debian's espeak-ng); empty, or not installed: the lobby only chimes.
    "SPEECH_COMMAND": "espeak-ng",
    # Languages a call may be spoken in (comma-separated), of those espeak-ng has a voice
    # for; empty: all of them. A call is spoken in the first of LANGUAGES, then in the
    # ticket's language when that is another one.
    "SPEECH_LANGUAGES": "",
    # espeak-ng voices instead of the built-in ones, e.g. "de=de+f3,en=en-us"; "ar=" never
    # speaks Arabic.
    "SPEECH_VOICES": "",
    # Speaking rate in words per minute and pitch (0-99) of the announcements.
    "SPEECH_RATE": 150,
    "SPEECH_PITCH": 50,
    # The lobby's volume for the chime and the spoken calls, in percent.
    "SPEECH_VOLUME": 100,
    # Seconds one announcement's synthesis may take; then that part is skipped (chime only).
    "SPEECH_TIMEOUT": 10.0,
    # Consultation sessions drive the kiosk (servicepoint/offer.py): a session's topics take
    # tickets from SESSION_LEAD_MINUTES before its start until SESSION_LAST_TICKET_MINUTES
    # before its end. Topics no session names are offered whenever they are active.
    "SESSION_LEAD_MINUTES": 15,
    "SESSION_LAST_TICKET_MINUTES": 15,
    # Appointments (servicepoint/appointments.py): a slot starting sooner than this many
    # minutes from now is no longer offered or booked.
    "APPOINTMENT_LEAD_MINUTES": 5,
    # Check-in (servicepoint/appointments.py): from this many minutes before an appointment's
    # start ...
    "APPOINTMENT_CHECKIN_EARLY_MINUTES": 30,
    # ... until this many after it, checking in issues a ticket of the appointment series;
    # later, the visitor gets a walk-in ticket meant for their counselor first ("late").
    "APPOINTMENT_GRACE_MINUTES": 10,
    # The letter of the appointment series (numbered per location and day, gapless).
    "APPOINTMENT_PREFIX": "T",
    # The calling order (servicepoint/order.py): an appointment's ticket is due this many
    # minutes before its start ...
    "APPOINTMENT_DUE_LEAD_MINUTES": 2,
    # ... and its counselor calls it rather than a walk-in when it starts within the topic's
    # median service time, or this many minutes while no median is known.
    "APPOINTMENT_SOON_MINUTES": 15,
    # Walk-ins waiting longer than this come before appointments without a counselor.
    "WALK_IN_AGED_MINUTES": 45,
    # A ticket drawn with a client card waits this long for its own counselor (if on duty)
    # before anyone serving the topic may call it; it keeps its draw time.
    "CARD_RESERVED_MINUTES": 20,
    # Client cards not used (drawn with, booked for) for this many months are deleted.
    "CARD_KEEP_MONTHS": 12,
    # Appointment and card codes one address may get wrong per window (a kiosk's typos),
    # then it is refused (429) until the window ends: codes cannot be guessed.
    "CODES_PER_ADDRESS": 30,
    "CODES_WINDOW_MINUTES": 10,
    # Minutes a called ticket that nobody started stays under "Now calling" on the lobby
    # screen; after that it is listed under "Last called" (the lobby refreshes every minute).
    "CALL_CURRENT_MINUTES": 10,
    # Minutes after a desk's occupant's last call or move at it after which they count as
    # gone: someone else may then take the desk without taking it over, and staff views show
    # it as free. 0: an occupant stays until they leave or sign out.
    "DESK_IDLE_MINUTES": 30,
    # Average minutes per visitor used for the estimated wait until real figures exist.
    "DEFAULT_MINUTES_PER_VISITOR": 10,
    # The wait estimate's service time is a topic's median over its most recent finished
    # tickets at the location: at most this many of them ...
    "ESTIMATE_RECENT_TICKETS": 50,
    # ... finished within this many days ...
    "ESTIMATE_WITHIN_DAYS": 28,
    # ... and only once at least this many exist (DEFAULT_MINUTES_PER_VISITOR until then).
    "ESTIMATE_MIN_TICKETS": 5,
    # Seconds a location's medians are kept before they are read again (per process).
    "ESTIMATE_CACHE_SECONDS": 60,
    # Seconds over which changes are gathered before lobby and counselor snapshots are
    # rebuilt and sent (calls themselves are sent at once). 0 rebuilds after every change.
    "SNAPSHOT_INTERVAL": 0.1,
    # How long a staff member stays signed in (hours); sign-out ends it at once.
    "SESSION_HOURS": 12,
    # Statistics (servicepoint.stats): the days before yesterday whose daily aggregates the
    # nightly job builds again from the facts (a late correction is counted), and the
    # smallest group whose waits and durations the reporting role and exports show.
    "STATS_REBUILD_DAYS": 7,
    "STATS_MIN_GROUP": 5,
    # Retention (job "retention"): tickets, appointments and their events are deleted this
    # many days after their day, only once their facts and the day's aggregates exist; visit
    # facts after FACT_KEEP_DAYS (the daily aggregates stay); print jobs after
    # PRINT_JOB_KEEP_DAYS.
    "TICKET_KEEP_DAYS": 90,
    "FACT_KEEP_DAYS": 730,
    "PRINT_JOB_KEEP_DAYS": 30,
    # Send the staff cookie over HTTPS only: "auto" (when the request came over HTTPS, also
    # through a proxy saying X-Forwarded-Proto: https), "true" or "false".
    "COOKIE_SECURE": "auto",
    # The audit trail (servicepoint/audit.py): entries older than this many days are deleted
    # by the nightly job "audit" (the tickets' moves go with their tickets).
    "AUDIT_KEEP_DAYS": 730,
    # Languages offered on the kiosk, the phone and the lobby, in order; German first. Every
    # code with a catalog file works (servicepoint/i18n/languages.json); these are all 15.
    "LANGUAGES": "de,en,uk,ru,ar,fa,prs,ps,kmr,ti,tr,ro,bg,pl,fr",
    # Proxies (addresses or networks, comma-separated, e.g. "127.0.0.1,::1") whose
    # X-Forwarded-For is believed: the client is the rightmost hop that is not one of them.
    # Empty believes no one (the peer's address is the client's).
    "TRUSTED_PROXIES": "",
    # Sign-in throttling (servicepoint.throttle), per window of SIGN_IN_WINDOW_MINUTES:
    # wrong passwords one address may try for one account, then it is refused (429) ...
    "SIGN_IN_LIMIT": 10,
    # ... for all accounts together ...
    "SIGN_IN_ADDRESS_LIMIT": 50,
    # ... and the failures of one account from all addresses after which it counts as under
    # attack: each address that has itself failed for it then gets 3 tries, not 10.
    "SIGN_IN_ACCOUNT_LIMIT": 50,
    "SIGN_IN_WINDOW_MINUTES": 15,
    # Password hashes checked at once per process (scrypt takes 32 MiB each), and the seconds
    # a sign-in waits for its turn before it is refused as unavailable (503).
    "PASSWORD_CHECKS": 4,
    "PASSWORD_CHECK_WAIT": 5.0,
    # Connections one client address may hold open at once (screens, phones, kiosks; each
    # open page holds one); 0 for no limit. Addresses in TRUSTED_PROXIES are exempt.
    "CONNECTIONS_PER_ADDRESS": 200,
    # Tickets drawn per minute from one address, and with one kiosk's token.
    "TICKETS_PER_ADDRESS": 60,
    "TICKETS_PER_KIOSK": 120,
}

_INT_KEYS = {k for k, v in DEFAULTS.items() if isinstance(v, int)}
_FLOAT_KEYS = {k for k, v in DEFAULTS.items() if isinstance(v, float)}


def from_environment(environ: os._Environ[str] | dict[str, str] | None = None) -> dict[str, object]:
    """Return the settings found in ``SERVICEPOINT_*`` variables, typed like the defaults."""
    environ = os.environ if environ is None else environ
    found: dict[str, object] = {}
    for key in DEFAULTS:
        raw = environ.get(f"SERVICEPOINT_{key}")
        if raw is None or raw == "":
            continue
        if key in _INT_KEYS:
            found[key] = int(raw)
        elif key in _FLOAT_KEYS:
            found[key] = float(raw)
        else:
            found[key] = raw
    instance = environ.get("SERVICEPOINT_INSTANCE_PATH")
    if instance:
        found["INSTANCE_PATH"] = instance
    return found


def instance_secret(instance_path: str | Path, name: str = "secret_key") -> str:
    """Return the secret stored under ``name`` in the instance folder, creating it once (0600)."""
    path = Path(instance_path) / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value


def sqlite_url(instance_path: str | Path) -> str:
    """The default database: a SQLite file in the instance folder."""
    return f"sqlite:///{Path(instance_path).resolve() / 'servicepoint.sqlite3'}"


def truthy(value: object) -> bool:
    """A yes/no setting: ``True``, ``1``, ``yes``, ``on``, ``true`` (any case) mean yes."""
    if isinstance(value, str):
        return value.strip().lower() in {"1", "yes", "on", "true"}
    return bool(value)
