"""Appointment slips and client cards: what is printed for them, as layout blocks.

A counselor who books an appointment for a visitor prints a slip (:class:`SlipPrint`); at a
first visit they print a client card (:class:`CardPrint`). Both become the same blocks as a
ticket (:mod:`printers.layout`), so the ESC/POS renderer, the PNG preview and the PDF
preview print them with the same fonts and the same right-to-left shaping. Dates, times and
codes are written with Latin digits on both: the visitor shows them at a German counter.

Plain values only: the server decides what the visitor may read (a discreet topic's neutral
name, never its own) and passes it in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from printers.labels import base_language
from printers.layout import (
    CODE_SIZE,
    QR,
    Block,
    Cut,
    Feed,
    Text,
    TicketPrint,
    build_layout,
    needs_image,
)
from printers.text import printable
from servicepoint import i18n

__all__ = [
    "CARD_CODE_LENGTH",
    "CardPrint",
    "Printable",
    "SlipPrint",
    "build_card_layout",
    "build_slip_layout",
    "group_card_code",
    "layout_of",
]

#: A card code: 8 random characters and a check character.
CARD_CODE_LENGTH = 9
#: Magnification of the grouped card code: ``K7P2 M9QX 4`` stays on one line of 80 mm paper.
CARD_CODE_SIZE = 3
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CARD_CODE = re.compile(r"^[0-9A-Z]{9}$")


@dataclass(frozen=True)
class SlipPrint:
    """Everything printed on an appointment slip, and nothing personal.

    ``start`` must be timezone-aware and already in the location's zone. ``topic`` is the
    name the visitor may read in ``language`` (a discreet topic's neutral name) and
    ``topic_de`` the same in German. ``with_name`` is the counselor's display name, or the
    organisation holding the session, or empty. ``url`` is the appointment's public page
    (its QR code). Text fields are made :func:`~printers.text.printable`.
    """

    location_name: str
    location_address: str
    start: datetime
    code: str
    topic: str
    topic_de: str
    with_name: str
    language: str
    url: str

    kind: ClassVar[str] = "slip"

    def __post_init__(self) -> None:
        for name in _SLIP_TEXT:
            object.__setattr__(self, name, printable(getattr(self, name)))
        if self.start.tzinfo is None or self.start.utcoffset() is None:
            raise ValueError("SlipPrint.start must be timezone-aware")
        if not self.code.strip():
            raise ValueError("SlipPrint.code must not be empty")
        if not self.url.strip():
            raise ValueError("SlipPrint.url must not be empty")


_SLIP_TEXT = (
    "location_name",
    "location_address",
    "code",
    "topic",
    "topic_de",
    "with_name",
    "language",
    "url",
)


@dataclass(frozen=True)
class CardPrint:
    """Everything printed on a client card: the code (8 characters and a check character,
    shown grouped), the counselor and organisation, the location. The QR code holds the
    code alone. Text fields are made :func:`~printers.text.printable`."""

    code: str
    counselor: str
    organisation: str
    location_name: str
    language: str

    kind: ClassVar[str] = "card"

    def __post_init__(self) -> None:
        for name in ("code", "counselor", "organisation", "location_name", "language"):
            object.__setattr__(self, name, printable(getattr(self, name)))
        object.__setattr__(self, "code", normal_card_code(self.code))


def normal_card_code(code: str) -> str:
    """``code`` without spaces or dashes, in capitals; ValueError unless 9 letters/digits."""
    plain = re.sub(r"[\s-]", "", code).upper()
    if not _CARD_CODE.match(plain):
        raise ValueError("a card code is 8 characters and a check character")
    return plain


def group_card_code(code: str) -> str:
    """``K7P2M9QX4`` → ``K7P2 M9QX 4``: groups of four, easy to read out and type."""
    plain = normal_card_code(code)
    return " ".join(plain[i : i + 4] for i in range(0, len(plain), 4))


def _text(text: str, language: str, *, size: int = 1, bold: bool = False) -> Text:
    text = printable(text)
    return Text(text, size=size, bold=bold, needs_image=needs_image(text), language=language)


def _both(key: str, language: str, **params: object) -> list[Block]:
    """The catalog string ``key`` in the visitor's language, then in German (once if equal)."""
    own = i18n.text(language, key, **params)
    german = i18n.text("de", key, **params)
    blocks: list[Block] = [_text(own, language)]
    if german != own:
        blocks.append(_text(german, "de"))
    return blocks


def _day_line(start: datetime, language: str) -> str:
    weekday = i18n.text(language, f"lobby.weekday_{_WEEKDAYS[start.weekday()]}")
    return f"{weekday[:1].upper()}{weekday[1:]} {start:%d.%m.%Y}"  # it starts the line


def build_slip_layout(slip: SlipPrint) -> list[Block]:
    """Return the slip's blocks, top to bottom.

    Location and address; "Your appointment"; weekday and date in the visitor's language and
    in German, the time large; the topic (visitor's language, German); with whom; the
    6-digit code very large; "show this at the kiosk: I have an appointment" in both
    languages; the QR code of the appointment's page; a cut.
    """
    language = base_language(slip.language)
    blocks: list[Block] = [_text(slip.location_name, "de", bold=True)]
    if slip.location_address.strip():
        blocks.append(_text(slip.location_address, "de"))
    blocks.append(Feed(1))
    blocks += _both("slip.title", language)
    own_day, german_day = _day_line(slip.start, language), _day_line(slip.start, "de")
    blocks.append(_text(own_day, language, size=2, bold=True))
    if german_day != own_day:
        blocks.append(_text(german_day, "de"))
    blocks.append(_text(f"{slip.start:%H:%M}", "de", size=3, bold=True))
    blocks.append(Feed(1))
    if slip.topic.strip():
        blocks.append(_text(slip.topic, language, bold=True))
    if slip.topic_de.strip() and slip.topic_de.strip() != slip.topic.strip():
        blocks.append(_text(slip.topic_de, "de"))
    if slip.with_name.strip():
        blocks += _both("slip.with", language, name=slip.with_name)
    blocks.append(Feed(1))
    blocks += _both("slip.your_code", language)
    blocks.append(_text(slip.code, "de", size=CODE_SIZE, bold=True))
    blocks.append(Feed(1))
    blocks += _both("slip.show_at_kiosk", language)
    blocks.append(QR(slip.url))
    blocks.append(Cut())
    return blocks


def build_card_layout(card: CardPrint) -> list[Block]:
    """Return the client card's blocks, top to bottom.

    "Client card" in the visitor's language and German; the code grouped (``K7P2 M9QX 4``)
    large; its QR code (the code alone); the counselor and the organisation; the location;
    "show this card at the kiosk: I have a card" in both languages; a cut.
    """
    language = base_language(card.language)
    blocks: list[Block] = [*_both("card.title", language), Feed(1)]
    blocks.append(_text(group_card_code(card.code), "de", size=CARD_CODE_SIZE, bold=True))
    blocks.append(QR(card.code))
    if card.counselor.strip():
        blocks += _both("card.counselor", language, name=card.counselor)
    if card.organisation.strip():
        blocks.append(_text(card.organisation, "de", bold=True))
    blocks.append(_text(card.location_name, "de"))
    blocks.append(Feed(1))
    blocks += _both("card.show_at_kiosk", language)
    blocks.append(Cut())
    return blocks


#: Anything the printers print: a queue ticket, an appointment slip, a client card.
Printable = TicketPrint | SlipPrint | CardPrint


def layout_of(item: Printable) -> list[Block]:
    """Return the blocks of a ticket, a slip or a card."""
    if isinstance(item, SlipPrint):
        return build_slip_layout(item)
    if isinstance(item, CardPrint):
        return build_card_layout(item)
    return build_layout(item)
