"""Typed SQLAlchemy 2 models: locations, topics, desks, staff, tickets and their history."""

from __future__ import annotations

import enum
import secrets
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Time,
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
    # Whose public holidays close the location: "DE-NW" (country-subdivision of the
    # ``holidays`` package), or "" for none.
    holidays: Mapped[str] = mapped_column(String(16), default="DE-NW", server_default="DE-NW")
    # The letter of the neutral series that discreet topics' tickets share (None: chosen
    # automatically among the letters no topic uses).
    discreet_prefix: Mapped[str | None] = mapped_column(String(1), default=None)

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
    # Never named on the lobby screen, the phone or the ticket; drawn from the neutral series.
    discreet: Mapped[bool] = mapped_column(default=False, server_default="0")
    # Visitors may book its appointments themselves on the public booking page (/t/book/…).
    online_booking: Mapped[bool] = mapped_column(default=False, server_default="0")
    # The pictogram on its kiosk tile, a key of ``servicepoint.pictograms.PICTOGRAMS`` (None:
    # the tile shows none).
    pictogram: Mapped[str | None] = mapped_column(String(32), default=None)

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
    # Its name in other languages, e.g. {"ar": "غرفة 2", "uk": "Кімната 2"} (``name`` is the
    # German one); shown to a visitor in their language where one is given.
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    # Who sits at the desk: only they call to it (``servicepoint.desks``). Set when a
    # counselor takes the desk, cleared when they leave, sign out or stay idle too long.
    occupant_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), default=None
    )
    occupied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The occupant's last action at the desk (the idle time counts from here).
    occupant_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The desk's own printer for appointment slips and client cards, printed by the server
    # (``tcp://``, ``cups://``); empty: the desk uses a printing kiosk of its location.
    printer_uri: Mapped[str] = mapped_column(String(300), default="", server_default="")
    printer_profile: Mapped[str] = mapped_column(
        String(64), default="TM-T20II", server_default="TM-T20II"
    )
    # As the last print found it: ok, offline, paper_out, paper_low, error, unknown.
    printer_state: Mapped[str] = mapped_column(
        String(16), default="unknown", server_default="unknown"
    )
    printer_detail: Mapped[str] = mapped_column(String(300), default="", server_default="")

    location: Mapped[Location] = relationship(back_populates="desks")
    occupant: Mapped[Staff | None] = relationship(foreign_keys=[occupant_id])

    def name_in(self, language: str) -> str:
        """The desk's name in ``language``, its German ``name`` where none is given."""
        return (self.names or {}).get(language) or self.name


class Organisation(Base):
    """A welfare organisation or city department whose staff work at the centres."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(default=True)


membership_topic = Table(
    "membership_topic",
    Base.metadata,
    Column("membership_id", ForeignKey("membership.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True),
)


class Staff(Base):
    """A staff member: an ``admin`` manages everything; ``staff`` act where they are members."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(16), default=Role.STAFF)
    active: Mapped[bool] = mapped_column(default=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), default=None
    )
    #: The language of their staff pages (``i18n.STAFF_LANGUAGES``; None: not chosen yet).
    language: Mapped[str | None] = mapped_column(String(8), default=None)

    organisation: Mapped[Organisation | None] = relationship()
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="staff", cascade="all, delete-orphan", order_by="Membership.location_id"
    )

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def membership(self, location_id: int) -> Membership | None:
        """The staff member's membership at the location ``location_id``, if any."""
        return next((m for m in self.memberships if m.location_id == location_id), None)

    @property
    def is_manager(self) -> bool:
        """An admin, or the manager of at least one location."""
        return self.is_admin or any(m.role == Role.MANAGER for m in self.memberships)


class Membership(Base):
    """A staff member's place at one location: their role there and the topics they serve
    (none chosen: every topic of the location)."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("staff_id", "location_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    location_id: Mapped[int] = mapped_column(
        ForeignKey("location.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16), default=Role.COUNSELOR)

    staff: Mapped[Staff] = relationship(back_populates="memberships")
    location: Mapped[Location] = relationship()
    topics: Mapped[list[Topic]] = relationship(
        secondary=membership_topic, order_by="Topic.position"
    )


consultation_topic = Table(
    "consultation_topic",
    Base.metadata,
    Column("consultation_id", ForeignKey("consultation.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True),
)

consultation_staff = Table(
    "consultation_staff",
    Base.metadata,
    Column("consultation_id", ForeignKey("consultation.id", ondelete="CASCADE"), primary_key=True),
    Column("staff_id", ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True),
)


class Consultation(Base):
    """A consultation session (Sprechstunde) rule of a location: on which days, from when to
    when (local time), for which topics, held by which organisation and counselors.

    Recurs on ``weekdays`` (comma-separated ``mon``…``sun``) between ``valid_from`` and
    ``valid_to``, every ``every_weeks`` weeks (counted from ``valid_from``), or only in the
    ``week_of_month``-th week of a month (1 to 5, -1 the last). A rule that is valid on one day
    only is an extra session: it is held on a public holiday too.
    """

    __tablename__ = "consultation"

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(
        ForeignKey("location.id", ondelete="CASCADE"), index=True
    )
    # A title when the session is about something special (names per language), else {}.
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    weekdays: Mapped[str] = mapped_column(String(32))
    start: Mapped[time] = mapped_column(Time)
    end: Mapped[time] = mapped_column(Time)
    valid_from: Mapped[date | None] = mapped_column(Date, default=None)
    valid_to: Mapped[date | None] = mapped_column(Date, default=None)
    every_weeks: Mapped[int] = mapped_column(default=1)
    week_of_month: Mapped[int | None] = mapped_column(default=None)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), default=None
    )
    # Tickets one occurrence may issue at most (None: no cap).
    max_tickets: Mapped[int | None] = mapped_column(default=None)
    # Appointments are cut into slots of this many minutes from the session's start.
    slot_minutes: Mapped[int] = mapped_column(default=30, server_default="30")
    # The percentage (0 to 100) of the session's counselor-time that may be booked as
    # appointments; the rest stays for walk-ins (0: walk-ins only). ``servicepoint.appointments``.
    bookable_share: Mapped[int] = mapped_column(default=0, server_default="0")

    location: Mapped[Location] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    topics: Mapped[list[Topic]] = relationship(
        secondary=consultation_topic, order_by="Topic.position"
    )
    staff: Mapped[list[Staff]] = relationship(
        secondary=consultation_staff, order_by="Staff.display_name"
    )


class ConsultationChange(Base):
    """One occurrence of a consultation rule cancelled, or held at other times."""

    __tablename__ = "consultation_change"
    __table_args__ = (UniqueConstraint("consultation_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    cancelled: Mapped[bool] = mapped_column(default=False)
    start: Mapped[time | None] = mapped_column(Time, default=None)
    end: Mapped[time | None] = mapped_column(Time, default=None)
    reason: Mapped[str] = mapped_column(String(200), default="")

    consultation: Mapped[Consultation] = relationship()


class Closure(Base):
    """A day a location is closed besides public holidays (24 December, a staff day)."""

    __tablename__ = "closure"
    __table_args__ = (UniqueConstraint("location_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")

    location: Mapped[Location] = relationship()


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


class TicketChannel(enum.StrEnum):
    """How a ticket came to be: drawn at the kiosk (``walk_in``), drawn with a client card
    (``card``: meant for the card's counselor first), issued by an appointment's check-in
    (``appointment``: due at the appointment's start), or by a check-in after the grace
    time (``late``: a walk-in meant for the appointment's counselor first)."""

    WALK_IN = "walk_in"
    CARD = "card"
    APPOINTMENT = "appointment"
    LATE = "late"


class ClientCard(Base):
    """A client card ("Klientenkarte"): a random code with a check character that brings a
    returning client to their own counselor. Nothing about the person is stored: the code,
    whose case it is (the counselor and their organisation), when it was made and last used."""

    __tablename__ = "client_card"

    id: Mapped[int] = mapped_column(primary_key=True)
    # 8 random characters and a check character (servicepoint/cards.py), upper case.
    code: Mapped[str] = mapped_column(String(9), unique=True)
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), default=None, index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), default=None
    )
    # Where it was made (the kiosk of another location of the same counselor accepts it too).
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("location.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    active: Mapped[bool] = mapped_column(default=True)

    staff: Mapped[Staff | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()


class Ticket(Base):
    """A visitor's place in a location's queue for one service day."""

    __tablename__ = "ticket"
    __table_args__ = (
        UniqueConstraint("location_id", "service_day", "prefix", "number", name="uq_ticket_number"),
        UniqueConstraint("location_id", "request_id", name="uq_ticket_request"),
        # The waiting queue of a day, and the people ahead of a ticket within its topic.
        Index("ix_ticket_queue", "location_id", "service_day", "state", "topic_id", "issued_at"),
        # The ticket called to or served at a desk (every call looks), among all days' tickets.
        Index("ix_ticket_desk", "desk_id", "state", "called_at"),
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
    # The calling order (servicepoint/order.py): how the ticket came (TicketChannel), the
    # counselor it is meant for first (an appointment's, a card's), and for an appointment's
    # ticket the moment it is due (the appointment's start).
    channel: Mapped[str] = mapped_column(
        String(12), default=TicketChannel.WALK_IN, server_default="walk_in"
    )
    for_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), default=None
    )
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    card_id: Mapped[int | None] = mapped_column(
        ForeignKey("client_card.id", ondelete="SET NULL"), default=None
    )

    location: Mapped[Location] = relationship()
    topic: Mapped[Topic] = relationship()
    desk: Mapped[Desk | None] = relationship()
    staff: Mapped[Staff | None] = relationship(foreign_keys=[staff_id])
    for_staff: Mapped[Staff | None] = relationship(foreign_keys=[for_staff_id])


class AppointmentState(enum.StrEnum):
    """Where an appointment stands: booked, then at the centre (checked in, called, served),
    and how it ended."""

    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    LATE = "late"  # came after the grace time: served as a walk-in, not a no-show


class AppointmentChannel(enum.StrEnum):
    """Who booked an appointment: staff, the visitor on the public booking page, or the
    visitor at the kiosk with their client card (their counselor's next free time)."""

    STAFF = "staff"
    ONLINE = "online"
    KIOSK = "kiosk"


class Appointment(Base):
    """A visitor's booked time at a location for a topic, with a counselor or with the
    session's organisation. No name: the visitor shows the 6-digit ``code`` (unique per
    location and day) or the slip's QR, and follows it by the status link's ``token``."""

    __tablename__ = "appointment"
    __table_args__ = (
        UniqueConstraint("location_id", "day", "code", name="uq_appointment_code"),
        # A location's appointments of a day, and a session's or counselor's that overlap.
        Index("ix_appointment_day", "location_id", "day", "state", "start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id", ondelete="CASCADE"))
    # The session rule whose bookable capacity the appointment takes (None: rule deleted).
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultation.id", ondelete="SET NULL"), default=None
    )
    # With this counselor; None: with whoever of the organisation holds the session.
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), default=None, index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), default=None
    )
    # The service day (local to the location) of ``start``: codes are unique per day.
    day: Mapped[date] = mapped_column(Date)
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(8), default="de")
    channel: Mapped[str] = mapped_column(String(8), default=AppointmentChannel.STAFF)
    state: Mapped[str] = mapped_column(String(16), default=AppointmentState.BOOKED)
    code: Mapped[str] = mapped_column(String(6))
    token: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Who booked it (staff channel), and the ticket its check-in issued.
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), default=None
    )
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket.id", ondelete="SET NULL"), default=None
    )
    # Booked for the holder of this client card (a follow-up), or anonymously (None).
    card_id: Mapped[int | None] = mapped_column(
        ForeignKey("client_card.id", ondelete="SET NULL"), default=None
    )

    location: Mapped[Location] = relationship()
    topic: Mapped[Topic] = relationship()
    consultation: Mapped[Consultation | None] = relationship()
    staff: Mapped[Staff | None] = relationship(foreign_keys=[staff_id])
    organisation: Mapped[Organisation | None] = relationship()
    ticket: Mapped[Ticket | None] = relationship()

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.duration_minutes)


class AppointmentHold(Base):
    """A slot held for a visitor on the public booking page while they decide
    (``servicepoint.booking``): it takes a place of its rule like a live appointment until
    ``expires_at``, and is deleted when it is booked or by the job after it expires. Only its
    secret ``token`` books it."""

    __tablename__ = "appointment_hold"
    __table_args__ = (Index("ix_appointment_hold_day", "location_id", "day", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id", ondelete="CASCADE"))
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    token: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    location: Mapped[Location] = relationship()
    topic: Mapped[Topic] = relationship()

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.duration_minutes)


class AppointmentContact(Base):
    """The optional email address of an online booking, kept apart from the appointment
    (``servicepoint.contacts``): encrypted at rest (``email``: a Fernet token), compared by a
    keyed hash (``email_hash``), deleted on cancellation and after the appointment's day
    (``delete_after``). ``confirm_hash`` is the SHA-256 of the confirmation link's secret;
    the booking stands only once it is ``confirmed_at``."""

    __tablename__ = "appointment_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(
        ForeignKey("appointment.id", ondelete="CASCADE"), unique=True
    )
    email: Mapped[str] = mapped_column(String(1024))
    email_hash: Mapped[str] = mapped_column(String(64), index=True)
    confirm_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    delete_after: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    appointment: Mapped[Appointment] = relationship()


class OutgoingMail(Base):
    """A mail written in the transaction that caused it and sent after the commit
    (``servicepoint.mail``); deleted once the SMTP server took it, tried again by the job
    (``next_attempt_at``) after a failure. The recipient is encrypted like the contact."""

    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(1024))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(20000))
    # An iCalendar attachment (text/calendar), or None.
    ics: Mapped[str | None] = mapped_column(String(20000), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(String(200), default=None)


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


class VisitOutcome(enum.StrEnum):
    """How a visit ended, as the statistics count it."""

    SERVED = "served"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    LEFT = "left"  # still open when its day ended (written by the nightly job)


class VisitChannel(enum.StrEnum):
    """How a visitor came, as the statistics count it: a ticket's channel, an appointment's
    by who booked it."""

    WALK_IN = "walk_in"
    CARD = "card"
    STAFF_BOOKED = "staff_booked"
    ONLINE_BOOKED = "online_booked"
    KIOSK_BOOKED = "kiosk_booked"
    LATE = "late"


class Visit(Base):
    """One visit as a fact for the statistics (``servicepoint.stats``), written when its
    ticket or appointment reaches its end, or by the nightly job for what was left open.

    Nothing about the person: no token, no code, no exact time (the hour of the week of the
    arrival only). ``ticket_id`` and ``appointment_id`` are bare numbers (no foreign key: the
    fact outlives its ticket) that make writing it idempotent; ``card_id`` too, only to count
    distinct card holders. ``desk_id`` and ``staff_id`` are for managers' views only."""

    __tablename__ = "visit"
    __table_args__ = (Index("ix_visit_day", "location_id", "service_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(Integer, unique=True, default=None)
    appointment_id: Mapped[int | None] = mapped_column(Integer, unique=True, default=None)
    service_day: Mapped[date] = mapped_column(Date)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), default=None
    )
    topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("topic.id", ondelete="SET NULL"), default=None
    )
    language: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(12))
    # 0 (Monday 0:00-0:59) to 167 (Sunday 23:00-23:59), local time of the arrival.
    arrival_hour: Mapped[int] = mapped_column(Integer)
    wait_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    service_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    recalls: Mapped[int] = mapped_column(Integer, default=0)
    desk_id: Mapped[int | None] = mapped_column(
        ForeignKey("desk.id", ondelete="SET NULL"), default=None
    )
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), default=None
    )
    card_id: Mapped[int | None] = mapped_column(Integer, default=None)


class VisitDay(Base):
    """The visits of one day counted per location, organisation, topic, language, channel
    and outcome, with the sums of their waits and service times: built from the facts by a
    job and kept after the facts are deleted (percentiles and card holders need the facts).
    ``organisation_id`` and ``topic_id`` are 0 for none, so the key is unique."""

    __tablename__ = "visit_day"
    __table_args__ = (
        UniqueConstraint(
            "service_day",
            "location_id",
            "organisation_id",
            "topic_id",
            "language",
            "channel",
            "outcome",
            name="uq_visit_day_key",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_day: Mapped[date] = mapped_column(Date)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(Integer, default=0)
    topic_id: Mapped[int] = mapped_column(Integer, default=0)
    language: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(12))
    visits: Mapped[int] = mapped_column(Integer)
    waits: Mapped[int] = mapped_column(Integer, default=0)
    wait_minutes: Mapped[int] = mapped_column(Integer, default=0)
    services: Mapped[int] = mapped_column(Integer, default=0)
    service_minutes: Mapped[int] = mapped_column(Integer, default=0)
    recalls: Mapped[int] = mapped_column(Integer, default=0)


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
    """One ticket, appointment slip or client card to print on one kiosk's printer or one
    desk's own printer, printed at most once."""

    __tablename__ = "print_job"
    __table_args__ = (
        Index("ix_print_job_pending", "kiosk_id", "state", "created_at"),
        # On exactly one printer: a kiosk's or a desk's.
        CheckConstraint("(kiosk_id IS NULL) <> (desk_id IS NULL)", name="print_job_one_printer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kiosk_id: Mapped[int | None] = mapped_column(
        ForeignKey("kiosk.id", ondelete="CASCADE"), default=None
    )
    # A slip or card printed on a desk's own printer (by the server).
    desk_id: Mapped[int | None] = mapped_column(
        ForeignKey("desk.id", ondelete="CASCADE"), default=None, index=True
    )
    # None for a test print.
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket.id", ondelete="CASCADE"), default=None, unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(8), default=PrintJobState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(String(300), default="")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # What is printed (printers.jobs.payload_of): a ticket, or a slip or card with its
    # ``kind``; no personal data.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)

    kiosk: Mapped[Kiosk | None] = relationship()
    desk: Mapped[Desk | None] = relationship()
