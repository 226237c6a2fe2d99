"""Outgoing mail: written in the transaction that causes it, sent after the commit.

A verb that wants a mail sent calls :func:`queue`: an ``OutgoingMail`` row (its recipient
encrypted like a contact, ``servicepoint.contacts``) joins the verb's unit of work, so a
rolled-back booking sends nothing and a committed one loses nothing. The surface asks
:func:`send_after_commit` to start :func:`deliver_due` once the commit has happened; the job
``send-mail`` (``servicepoint jobs run send-mail``, every few minutes) sends whatever that
missed. A row is claimed before it is sent (``next_attempt_at`` moved on by
:data:`CLAIM`, in its own short transaction, so no transaction stays open while the SMTP
server answers), deleted once the server took it, and tried again after a growing pause
when it did not.

SMTP settings: ``SERVICEPOINT_SMTP_HOST`` (empty: no mail), ``_PORT``, ``_USER``,
``_PASSWORD``, ``_FROM``, ``_STARTTLS``, ``_TIMEOUT``.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import TYPE_CHECKING

from sqlalchemy import delete, event, func, select
from sqlalchemy.orm import Session

from servicepoint import clock
from servicepoint.config import truthy
from servicepoint.contacts import ContactCipher
from servicepoint.models import OutgoingMail

if TYPE_CHECKING:
    from servicepoint.db import Database

log = logging.getLogger(__name__)
# How long a claimed mail is left alone (a sender that died while sending gives it back then).
CLAIM = timedelta(minutes=5)
# Mails one round sends at most; the job runs again for the rest.
BATCH = 50
# The pause after the n-th failed attempt: 1, 2, 4, … minutes, at most an hour.
MAX_PAUSE_MINUTES = 60
_QUEUED = "servicepoint.mail.queued"
_HOOKED = "servicepoint.mail.hooked"


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how mail is sent (``SERVICEPOINT_SMTP_*``)."""

    host: str = ""
    port: int = 25
    user: str = ""
    password: str = ""
    sender: str = "servicepoint@localhost"
    starttls: bool = False
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Mapping[str, object]) -> SmtpSettings:
        return cls(
            host=str(settings.get("SMTP_HOST") or ""),
            port=int(str(settings.get("SMTP_PORT") or 25)),
            user=str(settings.get("SMTP_USER") or ""),
            password=str(settings.get("SMTP_PASSWORD") or ""),
            sender=str(settings.get("SMTP_FROM") or "servicepoint@localhost"),
            starttls=truthy(settings.get("SMTP_STARTTLS", False)),
            timeout=float(str(settings.get("SMTP_TIMEOUT") or 10.0)),
        )

    @property
    def enabled(self) -> bool:
        """Whether mail can be sent at all (an SMTP host is set)."""
        return bool(self.host)


@dataclass(frozen=True)
class Mail:
    """One mail to one recipient: plain text, optionally an iCalendar attachment."""

    to: str
    subject: str
    body: str
    ics: str | None = None


def queue(session: Session, cipher: ContactCipher, mail: Mail) -> OutgoingMail:
    """Write ``mail`` to the outbox in the session's transaction (sent after the commit)."""
    now = clock.now()
    row = OutgoingMail(
        recipient=cipher.encrypt(mail.to),
        subject=mail.subject,
        body=mail.body,
        ics=mail.ics,
        created_at=now,
        attempts=0,
        next_attempt_at=now,
    )
    session.add(row)
    session.flush()
    session.info[_QUEUED] = True
    return row


def send_after_commit(
    session: Session,
    database: Database,
    cipher: ContactCipher,
    smtp: SmtpSettings,
    background: bool = True,
) -> None:
    """If this unit of work queued mail, start sending it once it has committed (in a
    background thread, or at once in this one: tests); a rollback sends nothing. The job
    catches whatever is not sent now."""
    if not session.info.get(_QUEUED) or session.info.get(_HOOKED) or not smtp.enabled:
        return
    session.info[_HOOKED] = True

    def committed(_session: Session) -> None:
        if not background:
            _deliver_quietly(database, cipher, smtp)
            return
        threading.Thread(
            target=_deliver_quietly,
            args=(database, cipher, smtp),
            name="servicepoint-mail",
            daemon=True,
        ).start()

    event.listen(session, "after_commit", committed, once=True)


def _deliver_quietly(database: Database, cipher: ContactCipher, smtp: SmtpSettings) -> None:
    try:
        deliver_due(database, cipher, smtp)
    except Exception:  # the job tries again; a request never fails for it
        log.exception("sending mail after the commit failed")


def due_count(session: Session) -> int:
    """How many mails wait to be sent now."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(OutgoingMail)
            .where(OutgoingMail.next_attempt_at <= clock.now())
        )
        or 0
    )


def _message(smtp: SmtpSettings, to: str, subject: str, body: str, ics: str | None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2] or "localhost")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    if ics is not None:
        message.add_attachment(
            ics, subtype="calendar", filename="termin.ics", params={"method": "PUBLISH"}
        )
    return message


def deliver_due(
    database: Database, cipher: ContactCipher, smtp: SmtpSettings, limit: int = BATCH
) -> tuple[int, int]:
    """Send up to ``limit`` due mails; returns (sent, failed). Each is claimed first, sent
    outside any transaction, then deleted (sent) or given its next attempt (failed)."""
    if not smtp.enabled:
        return 0, 0
    now = clock.now()
    with database.unit_of_work() as session:
        rows = list(
            session.scalars(
                select(OutgoingMail)
                .where(OutgoingMail.next_attempt_at <= now)
                .order_by(OutgoingMail.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        claimed = [(r.id, r.attempts + 1, cipher.decrypt(r.recipient), r) for r in rows]
        for row in rows:
            row.attempts += 1
            row.next_attempt_at = now + CLAIM
        messages = [
            (mail_id, attempts, _message(smtp, to, r.subject, r.body, r.ics))
            for mail_id, attempts, to, r in claimed
        ]
    if not messages:
        return 0, 0
    sent: list[int] = []
    failed: dict[int, tuple[int, str]] = {}
    try:
        with _connect(smtp) as server:
            for mail_id, attempts, message in messages:
                try:
                    server.send_message(message)
                    sent.append(mail_id)
                except smtplib.SMTPException as error:
                    failed[mail_id] = (attempts, _short(error))
    except (OSError, smtplib.SMTPException) as error:
        for mail_id, attempts, _unsent in messages:
            if mail_id not in sent:
                failed[mail_id] = (attempts, _short(error))
    with database.unit_of_work() as session:
        if sent:
            session.execute(delete(OutgoingMail).where(OutgoingMail.id.in_(sent)))
        for mail_id, (attempts, reason) in failed.items():
            failing = session.get(OutgoingMail, mail_id)
            if failing is not None:
                pause = min(MAX_PAUSE_MINUTES, 2 ** max(0, attempts - 1))
                failing.next_attempt_at = clock.now() + timedelta(minutes=pause)
                failing.last_error = reason
    if failed:
        reason = next(iter(failed.values()))[1]
        log.warning("%d mail(s) not sent, tried again later: %s", len(failed), reason)
    return len(sent), len(failed)


def _short(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:200]


def _connect(smtp: SmtpSettings) -> smtplib.SMTP:
    server = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    try:
        if smtp.starttls:
            server.starttls(context=ssl.create_default_context())
        if smtp.user or smtp.password:
            server.login(smtp.user, smtp.password)
    except BaseException:
        server.close()
        raise
    return server
