"""Client cards ("Klientenkarte"): a returning client reaches their own case manager without
giving a name.

A counselor makes a card at a first visit (``make``): 8 random characters of Crockford's
base-32 alphabet (no I, L, O, U: nothing to confuse when typed) and a check character
(``check_character``, Luhn mod 32), printed with a QR of the code. Stored: the code, the
counselor, their organisation, where it was made, when it was made and last used — nothing
about the person. At the kiosk "I have a card" → scan or type → a topic the counselor serves →
a ticket meant for them first (``tickets.issue_ticket(card=…)``, ``order``). A case moves:
``hand_over`` gives the card to a colleague. Cards unused for a year are deleted by a job.
Plain verbs on a Session: they flush, never commit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicepoint import appointments, clock, schedule, tickets
from servicepoint.errors import InvalidInput, NotFound
from servicepoint.models import ClientCard, Consultation, Location, Staff


class BadCardCode(InvalidInput):
    """What was typed or scanned cannot be a card's code (its check character is wrong)."""

    code = "bad_card_code"


class NoCard(NotFound):
    """No card has this code, or it was withdrawn."""

    code = "no_card"


ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_CHARACTERS = 8
CODE_LENGTH = RANDOM_CHARACTERS + 1
# What people type for a character that is not in the alphabet (Crockford's decoding).
_READ_AS = {"O": "0", "I": "1", "L": "1"}


def check_character(body: str) -> str:
    """The Luhn mod 32 check character of ``body`` (characters of ``ALPHABET``): a typo
    in one character, or two neighbours swapped, is caught."""
    total = 0
    factor = 2
    for char in reversed(body):
        addend = factor * ALPHABET.index(char)
        total += addend // len(ALPHABET) + addend % len(ALPHABET)
        factor = 1 if factor == 2 else 2
    return ALPHABET[(len(ALPHABET) - total % len(ALPHABET)) % len(ALPHABET)]


def new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_CHARACTERS))
    return body + check_character(body)


def normalise(raw: str) -> str:
    """A typed or scanned code in its stored form (upper case, without spaces or dashes,
    O/I/L read as 0/1); refused (``bad_card_code``) when it cannot be a card's code."""
    cleaned = "".join(ch for ch in raw.upper() if ch not in " -\t")
    cleaned = "".join(_READ_AS.get(ch, ch) for ch in cleaned)
    if (
        len(cleaned) != CODE_LENGTH
        or any(ch not in ALPHABET for ch in cleaned)
        or check_character(cleaned[:-1]) != cleaned[-1]
    ):
        raise BadCardCode("bad_card_code", field="card")
    return cleaned


def shown(code: str) -> str:
    """The code as printed: in groups, ``K7P2 M9QX 4``."""
    return f"{code[:4]} {code[4:8]} {code[8:]}"


def make(session: Session, staff: Staff, location: Location) -> ClientCard:
    """A new card for a client of ``staff`` (a member of ``location`` serving there)."""
    if not staff.active or staff.membership(location.id) is None:
        raise InvalidInput(
            "card_counselor", field="staff_id", name=staff.display_name, location=location.name
        )
    now = clock.now()
    taken = True
    code = ""
    while taken:  # 40 random bits: a collision is all but impossible, and checked anyway
        code = new_code()
        taken = session.scalar(select(ClientCard.id).where(ClientCard.code == code)) is not None
    card = ClientCard(
        code=code,
        staff_id=staff.id,
        organisation_id=staff.organisation_id,
        location_id=location.id,
        created_at=now,
        last_used_at=now,
        active=True,
    )
    session.add(card)
    session.flush()
    return card


def get(session: Session, raw: str) -> ClientCard:
    """The active card with this code (typed or scanned), or NotFound."""
    code = normalise(raw)
    card = session.scalar(select(ClientCard).where(ClientCard.code == code))
    if card is None or not card.active:
        raise NoCard("no_card", field="card")
    return card


def hand_over(session: Session, card: ClientCard, staff: Staff) -> ClientCard:
    """The case moves: the card now brings its client to ``staff``."""
    if not staff.active:
        raise InvalidInput("card_counselor", field="staff_id", name=staff.display_name, location="")
    card.staff_id = staff.id
    card.staff = staff
    card.organisation_id = staff.organisation_id
    session.flush()
    return card


def withdraw(session: Session, card: ClientCard) -> ClientCard:
    """The card no longer works (lost, or the case is closed)."""
    card.active = False
    session.flush()
    return card


@dataclass(frozen=True)
class CardAtKiosk:
    """What the kiosk shows for a scanned card at a location: whose it is, which of their
    topics are open now, whether they work here today, their next session here and their
    next free appointment time (``next_slot``: start and topic key) the visitor may book."""

    card: ClientCard
    counselor: Staff | None
    topic_keys: list[str]
    works_today: bool
    next_session: datetime | None
    next_slot: tuple[datetime, str] | None = None


def next_free_slot(
    session: Session, staff: Staff, location: Location, lead_minutes: int = 5, days: int = 14
) -> tuple[datetime, str] | None:
    """The first time within ``days`` at which ``staff`` can take an appointment at
    ``location`` (of a topic they serve there, in the location's topic order), with the
    topic's key; None when there is none."""
    served = set(tickets.served_topic_ids(location, staff))
    topics = [t for t in location.topics if t.id in served and t.active]
    today = tickets.today(location)
    for offset in range(days):
        day = date.fromordinal(today.toordinal() + offset)
        found = [
            (slot.start, topic.key)
            for topic in topics
            for slot in appointments.free_slots(session, location, topic, day, staff, lead_minutes)
        ]
        if found:
            return min(found)
    return None


def works_on(session: Session, staff: Staff, location: Location, day: date) -> list[datetime]:
    """The starts of ``day``'s sessions at ``location`` that name ``staff`` among their
    counselors (or name nobody, while ``staff`` serves one of their topics)."""
    served = set(tickets.served_topic_ids(location, staff))
    starts = []
    for occurrence in schedule.occurrences(session, location, day, day):
        rule = session.get(Consultation, occurrence.consultation_id)
        if rule is None:
            continue
        if rule.staff:
            if any(s.id == staff.id for s in rule.staff):
                starts.append(occurrence.start)
        elif served & set(occurrence.topic_ids):
            starts.append(occurrence.start)
    return starts


def at_kiosk(
    session: Session, card: ClientCard, location: Location, open_topic_keys: list[str]
) -> CardAtKiosk:
    """The card as the kiosk of ``location`` offers it (``open_topic_keys``: the topics
    the kiosk offers now)."""
    staff = card.staff
    if staff is None or not staff.active or staff.membership(location.id) is None:
        return CardAtKiosk(card, staff, [], False, None)
    served = set(tickets.served_topic_ids(location, staff))
    keys = [t.key for t in location.topics if t.id in served and t.key in open_topic_keys]
    today = tickets.today(location)
    works_today = bool(works_on(session, staff, location, today))
    upcoming: datetime | None = None
    now = clock.now()
    for offset in range(0, 29):
        day = date.fromordinal(today.toordinal() + offset)
        later = [start for start in works_on(session, staff, location, day) if start > now]
        if later:
            upcoming = min(later)
            break
    return CardAtKiosk(
        card, staff, keys, works_today, upcoming, next_free_slot(session, staff, location)
    )


def delete_unused(
    session: Session, months: int = 12, now: datetime | None = None, dry_run: bool = False
) -> int:
    """Delete the cards not used (made, drawn with, booked for) for ``months`` months
    (``CARD_KEEP_MONTHS``); tickets and appointments keep no link to them. Returns how many
    (with ``dry_run`` only counts them). Idempotent."""
    cutoff = (now or clock.now()) - timedelta(days=round(months * 30.44))
    old = list(session.scalars(select(ClientCard).where(ClientCard.last_used_at < cutoff)))
    if not dry_run:
        for card in old:
            session.delete(card)
        session.flush()
    return len(old)


def card_json(card: ClientCard) -> dict[str, Any]:
    """A card as staff see it."""
    return {
        "code": card.code,
        "shown": shown(card.code),
        "staff": (
            {"id": card.staff.id, "display_name": card.staff.display_name}
            if card.staff is not None
            else None
        ),
        "organisation": card.organisation.short_name if card.organisation is not None else None,
        "created_at": card.created_at.isoformat(),
        "last_used_at": card.last_used_at.isoformat(),
        "active": card.active,
    }
