"""Periodic jobs: ``servicepoint jobs list`` and ``servicepoint jobs run NAME… [--dry-run]``,
run by the systemd timers in ``systemd/`` (mail every few minutes, deletion nightly).

Each job is idempotent (running it twice does nothing more the second time) and works in
units of work of one batch; ``dry_run`` counts what it would do and changes nothing.

- ``release``: delete expired holds of the booking page; cancel online bookings not confirmed
  by the mailed link in time.
- ``reminders``: queue the reminder (with ``.ics``) of every confirmed booking starting within
  ``ONLINE_REMINDER_HOURS``.
- ``send-mail``: send the due mail of the outbox (new, or failed before and due again).
- ``contacts``: delete the contacts of bookings whose day is over or that were cancelled.
- ``no-shows``: mark ``no_show`` the booked appointments whose session ended without a
  check-in (listed for their counselors to book again).
- ``cards``: delete client cards not used for ``CARD_KEEP_MONTHS`` months.
- ``audit``: delete audit entries older than ``AUDIT_KEEP_DAYS`` days.
- ``retention``: delete tickets, appointments and their events ``TICKET_KEEP_DAYS`` after
  their day once their facts and the day's aggregates exist (never before), facts after
  ``FACT_KEEP_DAYS`` (aggregates stay), print jobs after ``PRINT_JOB_KEEP_DAYS``
  (``servicepoint.stats.retention``).
- ``visits``: write the ``left`` facts of tickets still open after their day, then build the
  daily aggregates (``servicepoint.stats.facts``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from servicepoint import appointments, audit, booking, cards, contacts, mail, public
from servicepoint.stats import facts, retention

if TYPE_CHECKING:
    from servicepoint.db import Database

# The application (a Flask app: its config, instance folder and database); the jobs only
# read those, so this module needs no Flask.
Flask = Any

log = logging.getLogger(__name__)
# Rounds of one batch the mail job sends at most per run (the timer runs it again).
MAIL_ROUNDS = 20


def _database(app: Flask) -> Database:
    found: Database = app.extensions["servicepoint.db"]
    return found


def _settings(app: Flask) -> booking.BookingSettings:
    return booking.BookingSettings.from_settings(app.config)


def _links(app: Flask) -> booking.Links:
    base = public.phone_base(app.config)
    if not base:
        log.warning(
            "neither SERVICEPOINT_PUBLIC_URL nor SERVICEPOINT_PUBLIC_HOST is set: "
            "links in mails written by jobs have no host"
        )
    return booking.Links(base or "")


def release(app: Flask, dry_run: bool) -> int:
    with _database(app).unit_of_work() as session:
        return booking.release_expired(session, _settings(app), dry_run)


def reminders(app: Flask, dry_run: bool) -> int:
    with _database(app).unit_of_work() as session:
        return booking.queue_reminders(
            session, contacts.of_app(app), _settings(app), _links(app), dry_run
        )


def send_mail(app: Flask, dry_run: bool) -> int:
    database = _database(app)
    if dry_run:
        with database.unit_of_work() as session:
            return mail.due_count(session)
    smtp = mail.SmtpSettings.from_settings(app.config)
    if not smtp.enabled:
        log.warning("SERVICEPOINT_SMTP_HOST is not set: no mail is sent")
        return 0
    cipher = contacts.of_app(app)
    sent = 0
    for _round in range(MAIL_ROUNDS):
        done, failed = mail.deliver_due(database, cipher, smtp)
        sent += done
        if done + failed < mail.BATCH:
            break
    return sent


def delete_contacts(app: Flask, dry_run: bool) -> int:
    with _database(app).unit_of_work() as session:
        return booking.delete_contacts(session, dry_run)


def no_shows(app: Flask, dry_run: bool) -> int:
    with _database(app).unit_of_work() as session:
        return appointments.close_missed(session, dry_run=dry_run)


def old_cards(app: Flask, dry_run: bool) -> int:
    months = int(app.config.get("CARD_KEEP_MONTHS", 12))
    with _database(app).unit_of_work() as session:
        return cards.delete_unused(session, months, dry_run=dry_run)


def old_audit(app: Flask, dry_run: bool) -> int:
    days = int(app.config.get("AUDIT_KEEP_DAYS", 730))
    with _database(app).unit_of_work() as session:
        return audit.delete_old(session, days, dry_run=dry_run)


def visits(app: Flask, dry_run: bool) -> int:
    rebuild = int(app.config.get("STATS_REBUILD_DAYS", 7))
    with _database(app).unit_of_work() as session:
        left = facts.record_left(session, dry_run)
    with _database(app).unit_of_work() as session:
        days = facts.aggregate_days(session, rebuild, dry_run)
    return left + days


# Batches the retention job deletes at most per run (the next night goes on).
RETENTION_ROUNDS = 1000


def delete_old(app: Flask, dry_run: bool) -> Done:
    periods = retention.Periods.from_settings(app.config)
    database = _database(app)
    if dry_run:
        with database.unit_of_work() as session:
            counts = retention.pending(session, periods)
    else:
        counts = retention.Counts()
        for _round in range(RETENTION_ROUNDS):
            with database.unit_of_work() as session:
                done = retention.delete_batch(session, periods)
            counts += done
            if done.deleted == 0:
                break
        with database.unit_of_work() as session:
            counts += retention.Counts(uncounted=retention.pending(session, periods).uncounted)
    return Done(
        counts.deleted,
        f"{counts.tickets} tickets, {counts.appointments} appointments, {counts.facts} facts, "
        f"{counts.print_jobs} print jobs; {counts.uncounted} old tickets and appointments "
        "not yet counted, kept",
    )


@dataclass(frozen=True)
class Done:
    """What a job did (or would do): how many things, and what they were when one number
    does not say it."""

    count: int
    detail: str = ""


@dataclass(frozen=True)
class Job:
    """A periodic job: its name on the command line, what it does, and the work (returns
    how many things it did, or would do in a dry run, or a ``Done`` saying which)."""

    name: str
    summary: str
    run: Callable[[Flask, bool], int | Done]

    def __call__(self, app: Flask, dry_run: bool) -> Done:
        """Run the job; what it did as a ``Done``."""
        done = self.run(app, dry_run)
        return done if isinstance(done, Done) else Done(done)


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job(
            "release",
            "delete expired holds; cancel online bookings not confirmed in time",
            release,
        ),
        Job("reminders", "queue the reminders of confirmed online bookings", reminders),
        Job("send-mail", "send the due mail of the outbox", send_mail),
        Job(
            "contacts",
            "delete the contacts of bookings whose day is over or that were cancelled",
            delete_contacts,
        ),
        Job(
            "no-shows",
            "mark appointments missed whose session ended without a check-in",
            no_shows,
        ),
        Job("cards", "delete client cards not used for CARD_KEEP_MONTHS months", old_cards),
        Job("audit", "delete audit entries older than AUDIT_KEEP_DAYS days", old_audit),
        Job(
            "visits",
            "count what was left open after its day; build the daily aggregates",
            visits,
        ),
        Job(
            "retention",
            "delete counted tickets and appointments after TICKET_KEEP_DAYS, facts after "
            "FACT_KEEP_DAYS, print jobs after PRINT_JOB_KEEP_DAYS",
            delete_old,
        ),
    )
}
