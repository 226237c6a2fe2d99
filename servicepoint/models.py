"""Typed SQLAlchemy 2 models: locations, topics, desks, staff, tickets and their history."""

from __future__ import annotations

import enum
import secrets
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from servicepoint.roles import Role as Role  # the models' role column; defined apart for the CLI

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class TicketState(enum.StrEnum):
    """Where a ticket stands in its day."""

    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class Location(Base):
    """A service point with its own queue, screens and time zone (e.g. one support centre)."""

    __tablename__ = "location"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Berlin")
    active: Mapped[bool] = mapped_column(default=True)

    topics: Mapped[list[Topic]] = relationship(
        back_populates="location", order_by="Topic.position, Topic.id"
    )
    desks: Mapped[list[Desk]] = relationship(
        back_populates="location", order_by="Desk.position, Desk.id"
    )


class Topic(Base):
    """What a visitor comes for; its prefix letter starts every ticket code drawn for it."""

    __tablename__ = "topic"
    __table_args__ = (UniqueConstraint("location_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(1))
    # Names per language code, e.g. {"de": "Sprachkurse", "en": "Language courses"}.
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    location: Mapped[Location] = relationship(back_populates="topics")

    def name(self, language: str) -> str:
        """The topic's name in ``language``, falling back to German, English, then the key."""
        return self.names.get(language) or self.names.get("de") or self.names.get("en") or self.key


class Desk(Base):
    """A room or counter where visitors are called to; its name is shown on the lobby screen."""

    __tablename__ = "desk"
    __table_args__ = (UniqueConstraint("location_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    location: Mapped[Location] = relationship(back_populates="desks")


staff_topic = Table(
    "staff_topic",
    Base.metadata,
    Column("staff_id", ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True),
)


class Staff(Base):
    """A counselor or manager; serves the chosen topics, or all of a location's when none."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(16), default=Role.COUNSELOR)
    active: Mapped[bool] = mapped_column(default=True)

    topics: Mapped[list[Topic]] = relationship(secondary=staff_topic, order_by="Topic.position")

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER


class StaffSession(Base):
    """One signed-in browser of a staff member; deleting the row signs that browser out.

    The browser's cookie holds a random token; only its SHA-256 is stored. Signing out,
    a new password, deactivation or a new role delete the staff member's rows.
    """

    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    staff: Mapped[Staff] = relationship()


class ThrottleCounter(Base):
    """How often one client did one thing in the current window (``servicepoint.throttle``):
    sign-in attempts per address and account, tickets per address and kiosk.

    ``key`` is the SHA-256 of what is counted and for whom, so no address or username is
    stored in the clear; the row counts until ``expires_at`` and is deleted after it.
    """

    __tablename__ = "throttle_counter"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


def new_public_token() -> str:
    """An unguessable token for a ticket's status page (128 bits)."""
    return secrets.token_urlsafe(16)


class Ticket(Base):
    """A visitor's place in a location's queue for one service day."""

    __tablename__ = "ticket"
    __table_args__ = (
        UniqueConstraint("location_id", "service_day", "prefix", "number", name="uq_ticket_number"),
        UniqueConstraint("location_id", "request_id", name="uq_ticket_request"),
        # The waiting queue of a day, and the people ahead of a ticket within its topic.
        Index("ix_ticket_queue", "location_id", "service_day", "state", "topic_id", "issued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id"))
    service_day: Mapped[date] = mapped_column(Date)
    prefix: Mapped[str] = mapped_column(String(1))
    number: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16), default=TicketState.WAITING)
    language: Mapped[str] = mapped_column(String(8), default="de")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    desk_id: Mapped[int | None] = mapped_column(ForeignKey("desk.id"), default=None)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), default=None)
    call_count: Mapped[int] = mapped_column(default=0)
    # Counts the ticket's changes: a screen drops a status older than one it has shown.
    version: Mapped[int] = mapped_column(default=0, server_default="0")
    public_token: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_token)
    # Chosen by the kiosk for each tap, so a retried request returns the same ticket.
    request_id: Mapped[str | None] = mapped_column(String(64), default=None)

    location: Mapped[Location] = relationship()
    topic: Mapped[Topic] = relationship()
    desk: Mapped[Desk | None] = relationship()
    staff: Mapped[Staff | None] = relationship()


class TicketEvent(Base):
    """One state change of a ticket: when, what, who and at which desk."""

    __tablename__ = "ticket_event"
    __table_args__ = (Index("ix_ticket_event_ticket", "ticket_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16), default=None)
    to_state: Mapped[str] = mapped_column(String(16))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), default=None)
    desk_id: Mapped[int | None] = mapped_column(ForeignKey("desk.id"), default=None)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)

    ticket: Mapped[Ticket] = relationship()
    desk: Mapped[Desk | None] = relationship()


class TicketCounter(Base):
    """The last number drawn per (location, prefix, service day); advanced by one upsert."""

    __tablename__ = "ticket_counter"

    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(1), primary_key=True)
    service_day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class PrinterMode(enum.StrEnum):
    """Where a kiosk's ticket printer is driven from."""

    NONE = "none"  # the screen is the ticket
    SERVER = "server"  # the server prints to a network printer itself
    AGENT = "agent"  # a print agent on the kiosk machine receives the jobs


class Kiosk(Base):
    """A touchscreen at a location's entrance and, optionally, its ticket printer.

    The kiosk's screen and its print agent identify themselves with a token that is shown
    once when the kiosk is set up; only its SHA-256 is stored.
    """

    __tablename__ = "kiosk"
    __table_args__ = (UniqueConstraint("location_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    printer_mode: Mapped[str] = mapped_column(String(8), default=PrinterMode.NONE)
    printer_uri: Mapped[str] = mapped_column(String(300), default="")
    printer_profile: Mapped[str] = mapped_column(String(64), default="TM-T20II")
    # ok | offline | paper_out | paper_low | error | unknown, with a readable detail
    printer_state: Mapped[str] = mapped_column(String(16), default="unknown")
    printer_detail: Mapped[str] = mapped_column(String(300), default="")
    printer_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    agent_connected: Mapped[bool] = mapped_column(default=False)
    agent_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    location: Mapped[Location] = relationship()


class PrintJobState(enum.StrEnum):
    PENDING = "pending"
    PRINTED = "printed"
    FAILED = "failed"
    EXPIRED = "expired"  # not printed in time; the visitor has the number on screen


class PrintJob(Base):
    """One ticket to print on one kiosk's printer, printed at most once."""

    __tablename__ = "print_job"
    __table_args__ = (Index("ix_print_job_pending", "kiosk_id", "state", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosk.id", ondelete="CASCADE"))
    # None for a test print.
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket.id", ondelete="CASCADE"), default=None, unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(8), default=PrintJobState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(String(300), default="")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The ticket as printed (printers.jobs.ticket_to_payload): no personal data.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)

    kiosk: Mapped[Kiosk] = relationship()
